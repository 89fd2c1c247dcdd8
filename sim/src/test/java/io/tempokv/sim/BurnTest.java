package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/**
 * The randomized burn test: 1000 seeds by default (the requirement is at least 200), alternating n = 3 and n = 5, every fault type in
 * every run (loss, duplicates, reordering, isolate/minority/bridge partitions, crashes including
 * mid-send). Seeds: -Dtempokv.burn.seed (default 1000) and -Dtempokv.burn.runs (default 1000).
 */
class BurnTest {
    @Test
    void everyRandomRunIsSafeAndLive() {
        long seed = Long.getLong("tempokv.burn.seed", 1000);
        int runs = Integer.getInteger("tempokv.burn.runs", 1000);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Burn.Totals t = Burn.run(new Burn.Plan(seed, runs, 0, 0, EnumSet.allOf(Fault.class), -1, 100), out);
        String report = buf.toString(StandardCharsets.UTF_8);
        System.out.print(report);
        assertEquals(runs, t.runs());
        assertEquals(0, t.failedRuns(), report);
        assertTrue(t.commands() > runs * 20L, "runs did real work: " + t.commands() + " commands");
        assertTrue(t.recoveries() > 0 && t.slowPaths() > 0, "faults exercised recovery and the slow path: " + report);
    }

    @Test
    void eachFaultAloneIsSurvived() {
        for (Fault f : Fault.values()) {
            Burn.Totals t = Burn.run(new Burn.Plan(7000 + 100L * f.ordinal(), 6, 0, 0, EnumSet.of(f), -1, 6),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertEquals(0, t.failedRuns(), "fault " + f + ": replay with ./tempokv simulate --seed " + (7000 + 100L * f.ordinal())
                    + " --runs 6 --faults " + f.name().toLowerCase(java.util.Locale.ROOT));
        }
    }
}
