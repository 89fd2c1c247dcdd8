package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** One seed determines everything: the same seed gives a byte-identical trace. */
class DeterminismTest {
    @Test
    void theSameSeedGivesAByteIdenticalTrace() {
        SimConfig cfg = SimConfig.standard(5, EnumSet.allOf(Fault.class));
        RandomRun.Result a = RandomRun.run(4242, cfg, true);
        RandomRun.Result b = RandomRun.run(4242, cfg, true);
        assertTrue(a.trace().length() > 10_000, "the trace records the run (" + a.trace().length() + " chars)");
        assertEquals(a.trace(), b.trace());
        assertEquals(a.stats().submitted, b.stats().submitted);
        assertTrue(a.ok(), () -> String.join("\n", a.violations()));
    }

    @Test
    void anotherSeedGivesAnotherTrace() {
        SimConfig cfg = SimConfig.standard(3, EnumSet.allOf(Fault.class));
        assertNotEquals(RandomRun.run(1, cfg, true).trace(), RandomRun.run(2, cfg, true).trace());
    }
}
