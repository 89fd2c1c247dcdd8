package io.tempokv.sim;

import io.tempokv.check.Budget;
import io.tempokv.check.CasRegister;
import io.tempokv.check.CheckResult;
import io.tempokv.check.Linearizability;
import io.tempokv.check.Op;
import io.tempokv.check.Verdict;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Stats;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One randomized simulation run: a safety phase with the configured faults drawn from the seed, then
 * a liveness phase (heal, restart, no loss) that must answer every client and leave every node with
 * the same executed commands, then the checks.
 */
public final class RandomRun {
    /** The outcome of one run. */
    public record Result(long seed, SimConfig config, Stats stats, List<String> violations, long ticks, String trace,
                         long[] completions, long[] latencyPercentiles) {
        public boolean ok() {
            return violations.isEmpty();
        }

        /** Client operations answered ok, fail (definitely not applied) and info (gave up). */
        public long ok(int kind) {
            return completions[kind];
        }

        public String replayCommand() {
            return "./tempokv simulate --seed " + seed + " --runs 1 --nodes " + config.nodes() + " --f " + config.f() + " --faults "
                    + (config.faults().isEmpty() ? "none" : String.join(",", config.faults().stream()
                    .map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).toList()))
                    + (config.conflictPercent() >= 0 ? " --conflict " + config.conflictPercent() : "");
        }
    }

    private static final int QUIESCENCE_CHECK_TICKS = 25;

    private RandomRun() {
    }

    /**
     * Odd seeds run with a patient coordinator (150 ticks before it recovers its own command, as a
     * node waits longer than core's default), even seeds with core's defaults, so both timer
     * regimes go through every fault. Half of the seeds (seed / 2 odd) leave a member out of
     * garbage collection after 150 ticks of silence instead of core's 1,000, so most crashes and
     * partitions there end with the returning member behind the others' collection horizon and
     * catching up by a snapshot (docs/protocol.md, D5 and D8); half of those send snapshots in
     * parts of at most 200 bytes, so most are split. Half of the seeds (seed / 8 odd) keep only one
     * or two client sessions per bucket (D12; the node keeps 64), so sessions are dropped all the
     * time and retries meet the "expired" answer.
     */
    static ReplicaConfig timingFor(long seed, ReplicaConfig c) {
        ReplicaConfig.Timing t = c.timing();
        if (seed % 2 != 0) {
            t = t.withCoordinatorPatience(150);
        }
        if ((seed / 2) % 2 != 0) {
            t = t.withGcDown(150);
            if ((seed / 4) % 2 != 0) {
                c = c.withLimits(c.limits().withSnapshotBytesMax(200));
            }
        }
        if ((seed / 8) % 2 != 0) {
            c = c.withLimits(c.limits().withSessionsPerBucketMax(1 + (int) ((seed / 16) % 2)));
        }
        return c.withTiming(t);
    }

    public static Result run(long seed, SimConfig cfg, boolean traced) {
        Simulation sim = new Simulation(seed, timingFor(seed, Simulation.config(cfg.nodes(), cfg.f(), cfg.buckets())), traced);
        SplittableRandom rng = sim.random();
        int[] delays = configureNetwork(sim, cfg, rng);
        Workload workload = new Workload(sim, cfg.clients(), cfg.keys(), cfg.conflictPercent());
        workload.start();
        scheduleFaults(sim, cfg, rng);
        sim.runFor(cfg.safetyTicks());

        workload.stop();
        sim.log("liveness phase");
        sim.setFilter((from, to, m) -> false);
        sim.setNetwork(0, 0, delays[0], delays[1]);
        sim.heal();
        for (int id : sim.members()) {
            sim.restart(id);
        }
        boolean live = sim.runUntil(() -> sim.time() % QUIESCENCE_CHECK_TICKS == 0 && workload.idle() && sim.quiescent(),
                cfg.livenessTicksMax());

        List<String> violations = new ArrayList<>(sim.observations().violations());
        if (violations.isEmpty() && !live) {
            violations.add(livenessFailure(sim, workload));
        }
        if (violations.isEmpty()) {
            sim.observations().checkSameOrder(true);
            violations.addAll(sim.observations().violations());
        }
        if (violations.isEmpty()) {
            violations.addAll(checkLinearizable(workload.histories()));
        }
        if (violations.isEmpty()) {
            violations.addAll(checkNoNeedlessRecovery(cfg, sim.totals()));
        }
        return new Result(seed, cfg, sim.totals(), violations, sim.time(), sim.trace(), workload.completions(),
                percentiles(workload.latencies()));
    }

    /** Faults under which every message arrives, once or more, and no node stops or slows down. */
    private static final Set<Fault> LOSSLESS = EnumSet.of(Fault.REORDER, Fault.DUPLICATE);

    /**
     * Liveness without faults: when nothing is lost and nobody stops or slows down, coordinators
     * commit their own commands and recoveries are rare (docs/protocol.md, D9). At most one per
     * hundred commands, plus a few while the replicas' timers have measured nothing yet.
     */
    static List<String> checkNoNeedlessRecovery(SimConfig cfg, Stats s) {
        if (!LOSSLESS.containsAll(cfg.faults()) || s.recoveriesStarted <= 5 + s.submitted / 100) {
            return List.of();
        }
        return List.of("liveness: " + s.recoveriesStarted + " recoveries for " + s.submitted + " commands with no fault"
                + " but " + cfg.faults() + " (at most " + (5 + s.submitted / 100) + " expected)");
    }

    private static int[] configureNetwork(Simulation sim, SimConfig cfg, SplittableRandom rng) {
        double drop = cfg.faults().contains(Fault.DROP) ? rng.nextDouble() * 0.05 : 0;
        double dup = cfg.faults().contains(Fault.DUPLICATE) ? rng.nextDouble() * 0.05 : 0;
        int min = 1 + rng.nextInt(3);
        int max = cfg.faults().contains(Fault.REORDER) ? min + 2 + rng.nextInt(20) : min;
        sim.setNetwork(drop, dup, min, max);
        return new int[] {min, max};
    }

    /** Crashes, restarts and partitions at random times of the safety phase. */
    private static void scheduleFaults(Simulation sim, SimConfig cfg, SplittableRandom rng) {
        List<Fault> actions = new ArrayList<>();
        for (Fault f : List.of(Fault.CRASH, Fault.ISOLATE, Fault.MINORITY, Fault.BRIDGE, Fault.SLOW)) {
            if (cfg.faults().contains(f)) {
                actions.add(f);
            }
        }
        if (actions.isEmpty()) {
            return;
        }
        long t = 50 + rng.nextInt(250);
        while (t < cfg.safetyTicks() - 100) {
            Fault action = actions.get(rng.nextInt(actions.size()));
            long duration = 100 + rng.nextInt(600);
            sim.at(t, () -> inject(sim, cfg, action, duration));
            t += 100 + rng.nextInt(400);
        }
    }

    private static void inject(Simulation sim, SimConfig cfg, Fault action, long duration) {
        SplittableRandom rng = sim.random();
        List<Integer> ms = sim.members();
        switch (action) {
            case CRASH -> {
                long down = ms.stream().filter(id -> !sim.up(id)).count();
                List<Integer> up = ms.stream().filter(sim::up).toList();
                if (down >= cfg.f() || up.isEmpty()) {
                    return;
                }
                int victim = up.get(rng.nextInt(up.size()));
                if (rng.nextBoolean()) {
                    sim.crash(victim);
                } else {
                    sim.crashDuringNextSend(victim);
                }
                sim.at(duration, () -> {
                    sim.restart(victim);
                    if (cfg.faults().contains(Fault.SLOW) && rng.nextBoolean()) {
                        slowFor(sim, victim, duration);
                    }
                });
            }
            case SLOW -> slowFor(sim, ms.get(rng.nextInt(ms.size())), duration);
            case ISOLATE -> partitionFor(sim, duration, () -> sim.isolate(ms.get(rng.nextInt(ms.size()))));
            case MINORITY -> partitionFor(sim, duration, () -> {
                sim.partitions().minority(ms, rng);
                sim.log("minority partition");
            });
            case BRIDGE -> partitionFor(sim, duration, () -> {
                sim.partitions().bridge(ms, rng);
                sim.log("bridge partition");
            });
            default -> throw new IllegalStateException("not a scheduled fault: " + action);
        }
    }

    /** The node is slow for duration ticks: 30 to 300 ticks more per message, as a cold or loaded process. */
    private static void slowFor(Simulation sim, int node, long duration) {
        SplittableRandom rng = sim.random();
        int min = 30 + rng.nextInt(100);
        sim.slow(node, sim.time() + duration, min, min + rng.nextInt(200));
    }

    private static void partitionFor(Simulation sim, long duration, Runnable apply) {
        sim.heal();
        apply.run();
        sim.at(duration, sim::heal);
    }

    private static String livenessFailure(Simulation sim, Workload workload) {
        StringBuilder sb = new StringBuilder("liveness: after healing, " + workload.waiting() + " client(s) still waiting;");
        for (int id : sim.members()) {
            sb.append(" node ").append(id).append(sim.up(id) ? " unfinished=" + sim.replica(id).unfinished() : " down")
                    .append(" executed=").append(sim.observations().executedCount(id)).append(';');
            String oldest = sim.up(id) ? sim.replica(id).describeOldestUnfinished(0) : null;
            if (oldest != null) {
                sb.append(" oldest: ").append(oldest).append(';');
            }
        }
        return sb.toString();
    }

    /** p50, p99 and max of the latencies, in ticks. */
    private static long[] percentiles(List<Long> latencies) {
        if (latencies.isEmpty()) {
            return new long[3];
        }
        List<Long> s = new ArrayList<>(latencies);
        s.sort(null);
        return new long[] {s.get(s.size() / 2), s.get(Math.min(s.size() - 1, (int) (s.size() * 0.99))), s.get(s.size() - 1)};
    }

    /** Each key's history must be linearizable for a register with compare-and-set. */
    static List<String> checkLinearizable(Map<String, List<Op>> histories) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<Op>> e : new TreeMap<>(histories).entrySet()) {
            CheckResult r = Linearizability.check(new CasRegister(), e.getValue(), Budget.defaults());
            if (r.verdict() != Verdict.VALID) {
                out.add("key " + e.getKey() + ": history is " + r.verdict() + "\n" + r.render());
            }
        }
        return out;
    }
}
