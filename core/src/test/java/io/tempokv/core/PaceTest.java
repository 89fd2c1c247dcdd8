package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The measured timers of D9 (floors from the configuration, p99 of a recent window, caps) and D11's answer times. */
class PaceTest {
    private final ReplicaConfig.Timing timing = ReplicaConfig.Timing.defaults();
    /** D4c: the configured suspicion plus what a quiet member waits between heartbeats beyond the promise interval. */
    private final long floor = timing.suspectTicks() + timing.heartbeatTicks() - timing.promiseIntervalTicks();

    @Test
    void withoutMeasurementsTheConfiguredTimingsHold() {
        Pace p = new Pace(timing, 3);
        assertEquals(timing.coordinatorPatienceTicks(), p.patience(100));
        assertEquals(timing.recoveryTimeoutTicks(), p.roundTimeout(100));
        assertEquals(55, floor, "40 + 20 - 5 with the defaults");
        assertEquals(floor, p.suspectTicks(1));
    }

    @Test
    void patienceIsThreeP99sOfTheRecentWindow() {
        Pace p = new Pace(timing, 3);
        for (int i = 1; i <= 100; i++) {
            p.commitLatency(1_000, i * 10L);
        }
        assertEquals(990, p.commitP99(1_000));
        assertEquals(2_970, p.patience(1_000));
        assertEquals(1_980, p.roundTimeout(1_000));
        // Ten thousand ticks later those latencies say nothing any more.
        assertEquals(timing.coordinatorPatienceTicks(), p.patience(1_000 + Pace.WINDOW_TICKS + 1));
    }

    @Test
    void measuredTimingsAreCapped() {
        Pace p = new Pace(timing, 3);
        p.commitLatency(5, 1_000_000);
        assertEquals(Pace.PATIENCE_MAX_TICKS, p.patience(5));
        assertEquals(Pace.PATIENCE_MAX_TICKS, p.roundTimeout(5));
    }

    @Test
    void onlyGapsOfALivePeerLengthenSuspicion() {
        Pace p = new Pace(timing, 3);
        p.heard(1, 60);
        assertEquals(180, p.suspectTicks(1), "a 60-tick pause of a loaded peer: suspected after 3 x 60");
        assertEquals(floor, p.suspectTicks(2), "other peers keep their own pace");
        p.heard(1, 100_000);
        assertEquals(180, p.suspectTicks(1), "an outage is not a pace");
        for (int i = 0; i < 1_000; i++) {
            p.decay();
        }
        assertEquals(floor, p.suspectTicks(1), "old pauses are forgotten");
        p.heard(1, 1_000_000 / 2);
        p.heard(2, 300);
        assertEquals(floor, p.suspectTicks(2), "a gap beyond twice the timeout is an outage");
    }

    @Test
    void aPeerAnsweringSlowlyIsNoticedQuicklyAndTriedAgainLater() {
        Pace p = new Pace(timing, 3);
        java.util.List<Integer> peers = java.util.List.of(1, 2);
        assertFalse(p.answersSlowly(2, peers), "nothing measured: nobody is slow");
        for (int i = 0; i < 20; i++) {
            p.answered(1, 5);
        }
        p.answered(2, 12);
        assertFalse(p.answersSlowly(2, peers), "12 ticks against 5: within twice plus 10");
        p.answered(2, 300);
        assertTrue(p.answersSlowly(2, peers), "a 300-tick answer raises the estimate by a quarter of the difference, past 2 x 5 + 10");
        p.answered(2, 300);
        p.answered(2, 300);
        assertFalse(p.answersSlowly(1, peers), "the quick one is not");
        p.answered(2, 5);
        assertTrue(p.answersSlowly(2, peers), "one quick answer does not clear a slow peer");
        for (int i = 0; i < 500; i++) {
            p.decay();
        }
        assertFalse(p.answersSlowly(2, peers), "not asked for a while: decayed, so it is tried again");
        assertFalse(p.answersSlowly(2, java.util.List.of(2)), "compared with itself, nobody is slow");
    }
}
