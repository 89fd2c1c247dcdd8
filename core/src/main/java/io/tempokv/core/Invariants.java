package io.tempokv.core;

/** One place for invariant checks, so that they read the same everywhere and are never caught. */
public final class Invariants {
    private Invariants() {
    }

    public static void checkState(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new InvariantViolation(String.format(format, args));
        }
    }
}
