package io.tempokv.check;

/**
 * Limits on one linearizability search. When either is exceeded the check stops and reports
 * {@link Verdict#UNKNOWN} instead of exhausting time or memory.
 *
 * @param maxMillis wall-clock limit in milliseconds; for {@link IndependentChecker} it is the
 *                  limit for all keys together
 * @param maxStates limit on memoised search configurations (linearized-op set plus model
 *                  state) held at once, per key; each costs on the order of 100-200 bytes
 */
public record Budget(long maxMillis, long maxStates) {

    public Budget {
        if (maxMillis <= 0 || maxStates <= 0) {
            throw new IllegalArgumentException("budget limits must be positive: " + maxMillis
                    + " ms, " + maxStates + " states");
        }
    }

    /** Ten minutes and five million states: well inside a 2 GB heap. */
    public static Budget defaults() {
        return new Budget(10 * 60 * 1000L, 5_000_000L);
    }

    /** No practical limit; use only on histories known to be small. */
    public static Budget unlimited() {
        return new Budget(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public Budget withMaxMillis(long millis) {
        return new Budget(millis, maxStates);
    }

    public Budget withMaxStates(long states) {
        return new Budget(maxMillis, states);
    }

    /** The time limit in nanoseconds, saturating instead of overflowing. */
    long maxNanos() {
        return maxMillis >= Long.MAX_VALUE / 1_000_000 ? Long.MAX_VALUE : maxMillis * 1_000_000;
    }
}
