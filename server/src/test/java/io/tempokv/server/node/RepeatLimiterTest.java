package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RepeatLimiterTest {
    private static final long S = 1_000_000_000L;

    @Test
    void oneLinePerReasonPerIntervalAndTheNextSaysHowManyWereHeld() {
        RepeatLimiter l = new RepeatLimiter(60 * S, 8);
        assertEquals(0, l.admit("peer 2: f differs", 0));
        for (int i = 1; i < 59; i++) {
            assertEquals(-1, l.admit("peer 2: f differs", i * S), "second " + i);
        }
        assertEquals(0, l.admit("peer 3: another cluster", 30 * S), "another reason is not held back by the first");
        assertEquals(58, l.admit("peer 2: f differs", 60 * S));
        assertEquals(-1, l.admit("peer 2: f differs", 61 * S));
        assertEquals(1, l.admit("peer 2: f differs", 121 * S));
    }

    @Test
    void remembersABoundedNumberOfReasons() {
        RepeatLimiter l = new RepeatLimiter(60 * S, 2);
        assertEquals(0, l.admit("a", 0));
        assertEquals(0, l.admit("b", 0));
        assertEquals(0, l.admit("c", 0));
        assertEquals(0, l.admit("a", S), "a was forgotten when c came, so it is logged again");
        assertEquals(-1, l.admit("c", S));
    }
}
