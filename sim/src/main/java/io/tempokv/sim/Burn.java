package io.tempokv.sim;

import io.tempokv.core.Stats;
import java.io.PrintStream;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Runs many seeds and prints one summary line per batch: runs, commands, fast-path share, slow
 * paths, recoveries, violations. A failing run prints its seed, what broke and the replay command.
 */
public final class Burn {
    /** What to run. {@code nodes == 0} alternates 3 and 5 nodes; {@code f == 0} means (nodes-1)/2. */
    public record Plan(long seed, int runs, int nodes, int f, Set<Fault> faults, int conflictPercent, int batchSize) {
    }

    /** Totals over all runs. */
    public record Totals(long runs, long commands, long fastPaths, long slowPaths, long recoveries, long failedRuns, long snapshots) {
        public double fastPathPercent() {
            return commands == 0 ? 0 : 100.0 * fastPaths / commands;
        }
    }

    private Burn() {
    }

    public static SimConfig configFor(Plan plan, int runIndex) {
        int nodes = plan.nodes() != 0 ? plan.nodes() : (runIndex % 2 == 0 ? 3 : 5);
        int f = plan.f() != 0 ? plan.f() : (nodes - 1) / 2;
        SimConfig base = plan.conflictPercent() >= 0 ? SimConfig.conflict(nodes, f, plan.conflictPercent())
                : SimConfig.standard(nodes, plan.faults());
        return new SimConfig(nodes, f, plan.conflictPercent() >= 0 ? Set.of() : plan.faults(), base.clients(), base.keys(),
                base.safetyTicks(), base.livenessTicksMax(), base.buckets(), plan.conflictPercent());
    }

    /**
     * Runs the plan batch by batch; the runs of a batch go in parallel on all cores (each run is
     * deterministic on its own seed), and results are reported in seed order.
     */
    public static Totals run(Plan plan, PrintStream out) {
        long[] all = new long[7];
        for (int from = 0; from < plan.runs(); from += plan.batchSize()) {
            int to = Math.min(plan.runs(), from + plan.batchSize());
            long start = System.nanoTime();
            List<RandomRun.Result> results = IntStream.range(from, to).parallel()
                    .mapToObj(i -> RandomRun.run(plan.seed() + i, configFor(plan, i), false)).toList();
            long[] batch = new long[7];
            for (RandomRun.Result r : results) {
                add(batch, r);
                if (!r.ok()) {
                    report(r, out);
                }
            }
            out.println(line(from + 1, to, batch, (System.nanoTime() - start) / 1e9));
            for (int k = 0; k < all.length; k++) {
                all[k] += batch[k];
            }
        }
        return new Totals(all[0], all[1], all[2], all[3], all[4], all[5], all[6]);
    }

    private static void add(long[] acc, RandomRun.Result r) {
        Stats s = r.stats();
        acc[0]++;
        acc[1] += s.submitted;
        acc[2] += s.fastPaths;
        acc[3] += s.slowPaths;
        acc[4] += s.recoveriesStarted;
        acc[5] += r.ok() ? 0 : 1;
        acc[6] += s.snapshotsInstalled;
    }

    private static String line(int from, int to, long[] b, double seconds) {
        double fast = b[1] == 0 ? 0 : 100.0 * b[2] / b[1];
        return String.format("runs %d-%d: runs=%d commands=%d fast-path=%.2f%% slow-paths=%d recoveries=%d snapshots=%d violations=%d (%.1f s)",
                from, to, b[0], b[1], fast, b[3], b[4], b[6], b[5], seconds);
    }

    private static void report(RandomRun.Result r, PrintStream out) {
        out.println("VIOLATION in seed " + r.seed() + " (n=" + r.config().nodes() + ", f=" + r.config().f() + ", t=" + r.ticks() + "):");
        int shown = 0;
        for (String v : r.violations()) {
            if (shown++ == 5) {
                out.println("  ... " + (r.violations().size() - 5) + " more");
                break;
            }
            out.println("  " + v.replace("\n", "\n  "));
        }
        out.println("  replay: " + r.replayCommand());
    }
}
