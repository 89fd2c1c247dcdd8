package io.tempokv.core;

/**
 * Thrown when a protocol invariant is broken. Never caught inside core: the replica must stop,
 * because continuing could spread a wrong decision.
 */
public final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvariantViolation(String message) {
        super(message);
    }
}
