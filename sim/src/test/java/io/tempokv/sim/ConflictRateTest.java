package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The paper's promise: with f = 1 and no failures every command takes the fast path, whatever the conflicts. */
class ConflictRateTest {
    private static RandomRun.Result run(int n, int f, int conflict) {
        SimConfig c = SimConfig.conflict(n, f, conflict);
        SimConfig shorter = new SimConfig(c.nodes(), c.f(), c.faults(), c.clients(), c.keys(), 800, c.livenessTicksMax(),
                c.buckets(), c.conflictPercent());
        RandomRun.Result r = RandomRun.run(11, shorter, false);
        assertTrue(r.ok(), () -> String.join("\n", r.violations()));
        return r;
    }

    @Test
    void withFEqualOneEveryCommandTakesTheFastPathEvenWhenAllConflict() {
        for (int n : new int[] {3, 5}) {
            RandomRun.Result r = run(n, 1, 100);
            assertTrue(r.stats().submitted > 300);
            assertEquals(r.stats().submitted, r.stats().fastPaths, "n=" + n);
            assertEquals(0, r.stats().slowPaths);
        }
    }

    @Test
    void withFEqualTwoConflictsCostSlowPathsAndNoConflictsDoNot() {
        RandomRun.Result none = run(5, 2, 0);
        RandomRun.Result all = run(5, 2, 100);
        assertTrue(none.stats().fastPaths >= none.stats().submitted * 99 / 100, "0% conflict: " + none.stats().fastPaths + "/" + none.stats().submitted);
        assertTrue(all.stats().slowPaths > 0, "100% conflict with f = 2 needs some slow paths");
    }
}
