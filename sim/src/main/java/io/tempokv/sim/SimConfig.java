package io.tempokv.sim;

import java.util.EnumSet;
import java.util.Set;

/**
 * Shape of one randomized simulation run. Everything else (rates, schedules, operations) is drawn
 * from the run's seed. {@code conflictPercent < 0} runs the register workload (read/write/cas on
 * {@code keys} keys); {@code >= 0} runs the write-only conflict-rate workload.
 */
public record SimConfig(int nodes, int f, Set<Fault> faults, int clients, int keys, int safetyTicks,
                        int livenessTicksMax, int buckets, int conflictPercent) {
    public SimConfig {
        faults = faults.isEmpty() ? EnumSet.noneOf(Fault.class) : EnumSet.copyOf(faults);
        if (nodes < 3 || nodes % 2 == 0) {
            throw new IllegalArgumentException("--nodes must be an odd number >= 3 (n = 2f + 1), got " + nodes);
        }
        if (f < 1 || f > (nodes - 1) / 2) {
            throw new IllegalArgumentException("f must be between 1 and " + (nodes - 1) / 2 + " for " + nodes + " nodes, got " + f);
        }
        if (conflictPercent > 100) {
            throw new IllegalArgumentException("--conflict is a percentage (0..100), got " + conflictPercent);
        }
    }

    public static SimConfig standard(int nodes, Set<Fault> faults) {
        return new SimConfig(nodes, (nodes - 1) / 2, faults, 5, 3, 4000, 30_000, 64, -1);
    }

    /** The paper's conflict-rate workload: no faults, writes only, many buckets so fresh keys rarely share one. */
    public static SimConfig conflict(int nodes, int f, int conflictPercent) {
        return new SimConfig(nodes, f, EnumSet.noneOf(Fault.class), 8, 1, 3000, 30_000, 4096, conflictPercent);
    }
}
