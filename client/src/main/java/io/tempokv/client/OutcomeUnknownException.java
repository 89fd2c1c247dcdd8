package io.tempokv.client;

/**
 * The request may or may not have been applied: no answer came within the deadline from any
 * endpoint. Retrying with the same client is safe only through a new request; a Jepsen client maps
 * this to :info.
 */
public final class OutcomeUnknownException extends Exception {
    private static final long serialVersionUID = 1L;

    public OutcomeUnknownException(String message) {
        super(message);
    }
}
