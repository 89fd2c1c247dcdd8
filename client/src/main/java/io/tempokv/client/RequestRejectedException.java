package io.tempokv.client;

/** The request was definitely not applied (bad request, overload on the only attempt); the message says why. */
public final class RequestRejectedException extends Exception {
    private static final long serialVersionUID = 1L;

    public RequestRejectedException(String message) {
        super(message);
    }
}
