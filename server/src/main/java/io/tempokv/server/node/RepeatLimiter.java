package io.tempokv.server.node;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Lets a log line through once per interval for each reason, and counts the repeats it held back so
 * the next line can say how many. A peer that is refused (other cluster settings, another cluster)
 * redials about once a second; without this each refusal would be a warning on both sides.
 * Remembers at most {@code maxReasons} reasons (the oldest is forgotten first).
 */
final class RepeatLimiter {
    private final long intervalNanos;
    private final int maxReasons;
    /** Per reason: {when it was last let through, repeats held back since}. */
    private final Map<String, long[]> seen;

    RepeatLimiter(long intervalNanos, int maxReasons) {
        this.intervalNanos = intervalNanos;
        this.maxReasons = maxReasons;
        this.seen = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
                return size() > RepeatLimiter.this.maxReasons;
            }
        };
    }

    /**
     * At {@code nowNanos} (System.nanoTime): -1 to hold this line back; otherwise log it, and the
     * value is how many of this reason were held back since the last one logged.
     */
    synchronized long admit(String reason, long nowNanos) {
        long[] s = seen.get(reason);
        if (s == null) {
            seen.put(reason, new long[] {nowNanos, 0});
            return 0;
        }
        if (nowNanos - s[0] < intervalNanos) {
            s[1]++;
            return -1;
        }
        long held = s[1];
        s[0] = nowNanos;
        s[1] = 0;
        return held;
    }
}
