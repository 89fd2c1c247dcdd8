package io.tempokv.verify;

import io.tempokv.check.Budget;
import io.tempokv.check.IndependentChecker;
import io.tempokv.check.Op;
import io.tempokv.check.Report;
import io.tempokv.check.Verdict;
import io.tempokv.check.HistoryIO;
import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.verify.cluster.Cluster;
import io.tempokv.verify.cluster.Generator;
import io.tempokv.verify.cluster.History;
import io.tempokv.verify.cluster.KeyedWorkload;
import io.tempokv.verify.cluster.Nemesis;
import io.tempokv.verify.cluster.RegisterWorkload;
import io.tempokv.verify.cluster.RestartTimer;
import io.tempokv.verify.cluster.SetWorkload;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One robustness run, in Jepsen's order: start the cluster, run the workload under the nemesis
 * schedule for the time limit, heal every node, let it recover, read every key touched, check the
 * history, and write the report into the store.
 */
public final class Verify {
    /** Builds the cluster under test in a scratch directory. */
    public interface ClusterFactory {
        Cluster create(Path base, int nodes) throws IOException;
    }

    /** A run's settings; rate 0 means unlimited. */
    public record Config(String workload, List<Nemesis.Fault> faults, int timeLimitSeconds, int nodes, double rate,
                         int concurrency, Path store, int nemesisIntervalSeconds, int recoverySeconds, int opsPerKey) {
        public String testName() {
            return workload + "-" + Nemesis.describe(faults) + "-n" + nodes;
        }
    }

    /** Where the report went, and what it says. */
    public record Outcome(Path runDir, Verdict verdict, Stats stats, String explanation) {
    }

    private static final int THREADS_PER_KEY = 3;
    private static final int WARM_UP_SECONDS = 60;
    /** How often each node's /metrics is read for the protocol counters (what a killed process counted since is lost). */
    private static final long COUNTER_SAMPLE_MILLIS = 1000;
    /** Issue 13's target for a restarted node: ready within 3 s of its start. */
    private static final long READY_TARGET_MILLIS = 3000;
    private static final ClientOptions CLIENT = new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), 4);

    private Verify() {
    }

    public static Outcome run(Config cfg, ClusterFactory factory, PrintStream out) throws IOException, InterruptedException {
        Path scratch = Files.createTempDirectory("tempokv-verify-");
        Cluster cluster;
        try {
            cluster = factory.create(scratch, cfg.nodes());
        } catch (IOException | RuntimeException e) {
            // a cluster that cannot be made (testbed not up, install failed) leaves no empty run in the store
            deleteTree(scratch);
            throw e;
        }
        Path run = Store.newRun(cfg.store(), cfg.testName());
        Thread stopper = new Thread(cluster::close, "tempokv-verify-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            out.println("verify: " + cfg.testName() + ": starting " + cfg.nodes() + " nodes; report in " + run);
            long t0 = System.nanoTime();
            cluster.startAll();
            cluster.awaitReady();
            out.printf("verify: nodes ready after %.1f s%n", (System.nanoTime() - t0) / 1e9);
            Recorded r = exercise(cfg, cluster, out);
            cluster.collectLogs(run);
            return report(cfg, run, r, out);
        } finally {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopper);
            deleteTree(scratch);
        }
    }

    private record Recorded(KeyedWorkload workload, List<Op> history, List<Nemesis.Interval> faults, long workloadEndNanos,
                            KeyedWorkload.FinalReads finalReads, ProtocolCounters.Totals counters,
                            List<RestartTimer.Restart> restarts) {
    }

    private static Recorded exercise(Config cfg, Cluster cluster, PrintStream out) throws IOException, InterruptedException {
        History history = new History();
        Generator gen = new Generator(cfg.concurrency(), Math.min(THREADS_PER_KEY, cfg.concurrency()), cfg.opsPerKey(), cfg.rate());
        KeyedWorkload w = cfg.workload().equals("set") ? new SetWorkload(history, gen) : new RegisterWorkload(history, gen);
        List<TempoClient> clients = clients(cluster, cfg.concurrency());
        Nemesis nemesis = new Nemesis(cluster, history, cfg.faults(), cfg.nemesisIntervalSeconds() * 1000L, System.nanoTime(), out);
        ProtocolCounters counters = new ProtocolCounters(cluster, COUNTER_SAMPLE_MILLIS);
        long workloadEnd;
        KeyedWorkload.FinalReads finalReads;
        try {
            long t0 = System.nanoTime();
            warmUp(clients);
            out.printf("verify: every client answered after %.1f s; running the workload for %d s%n",
                    (System.nanoTime() - t0) / 1e9, cfg.timeLimitSeconds());
            counters.start();
            w.start(clients);
            nemesis.start();
            Thread.sleep(cfg.timeLimitSeconds() * 1000L);
            w.stopAndJoin();
            workloadEnd = history.now();
            nemesis.stopAndHeal();
            long healed = System.nanoTime();
            cluster.awaitReady();
            out.printf("verify: time limit reached; every node healed and ready after %.1f s, recovering for %d s%n",
                    (System.nanoTime() - healed) / 1e9, cfg.recoverySeconds());
            Thread.sleep(cfg.recoverySeconds() * 1000L);
            long reads = System.nanoTime();
            finalReads = w.finalReads(clients.get(0));
            out.printf("verify: final reads done in %.1f s: %d of %d ok%n", (System.nanoTime() - reads) / 1e9, finalReads.ok(),
                    finalReads.attempted());
        } finally {
            clients.forEach(TempoClient::close);
            counters.close();
        }
        return new Recorded(w, history.ops(), nemesis.intervals(), workloadEnd, finalReads, counters.totals(), nemesis.restarts());
    }

    /**
     * Unrecorded reads, retried until every client has had one answer: on a fresh cluster the first
     * requests wait several seconds for connections to be set up, which is setup cost, not the
     * fault behaviour the run measures (Jepsen likewise waits for the cluster during setup).
     */
    private static void warmUp(List<TempoClient> clients) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP_SECONDS);
        for (TempoClient c : clients) {
            while (true) {
                try {
                    c.get("warm-up").get();
                    break;
                } catch (ExecutionException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the cluster answered no read within " + WARM_UP_SECONDS + " s: "
                                + e.getCause().getMessage(), e);
                    }
                }
            }
        }
    }

    private static List<TempoClient> clients(Cluster cluster, int count) {
        List<TempoClient> out = new ArrayList<>();
        int n = cluster.clientEndpoints().size();
        for (int i = 0; i < count; i++) {
            // each client prefers a different node, so every node serves as coordinator
            List<InetSocketAddress> eps = new ArrayList<>(cluster.clientEndpoints());
            Collections.rotate(eps, -(i % n));
            out.add(TempoClient.connect(eps, CLIENT));
        }
        return out;
    }

    private static Outcome report(Config cfg, Path run, Recorded r, PrintStream out) throws IOException {
        try (Writer wr = Files.newBufferedWriter(run.resolve("history.edn"))) {
            HistoryIO.write(wr, r.history());
        }
        Report report = IndependentChecker.check(r.workload().model(), r.history(), Budget.defaults().withMaxMillis(120_000));
        Stats stats = Stats.of(r.history(), r.faults(), r.workloadEndNanos());
        Verdict verdict = verdict(report.verdict(), r.finalReads());
        String edn = report.toEdn().trim();
        if (verdict != report.verdict()) {
            edn = "{:valid? :unknown, " + edn.substring(edn.indexOf(',') + 1).trim();
        }
        Files.writeString(run.resolve("results.edn"), edn.substring(0, edn.length() - 1) + ", :final-reads "
                 + finalReadsEdn(r.finalReads()) + ", :protocol " + r.counters().toEdn() + ", :restarts " + restartsEdn(r.restarts())
                + ", :stats " + stats.toEdn() + "}\n");
        System.setProperty("java.awt.headless", "true");
        Plots.latency(r.history(), r.faults(), run.resolve("latency-raw.png"));
        Plots.rate(r.history(), r.faults(), run.resolve("rate.png"));
        Timeline.write(r.history(), r.faults(), cfg.testName(), run.resolve("timeline.html"));
        Store.markLatest(cfg.store(), run);
        String duringFaults = Double.isNaN(stats.faultAvailability()) ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * stats.faultAvailability());
        out.printf("verify: ok=%d fail=%d info=%d; availability (ok share of completions) %.1f%% overall, %s during faults "
                + "(%d faults)%n", stats.ok(), stats.fail(), stats.info(), 100 * stats.availability(), duringFaults, r.faults().size());
        if (!stats.faults().isEmpty()) {
            out.println("verify: availability by fault: " + stats.availabilityByKind().entrySet().stream()
                    .map(e -> String.format(java.util.Locale.ROOT, "%s %.1f%%", e.getKey(), 100 * e.getValue()))
                    .collect(java.util.stream.Collectors.joining(", ")));
            List<Double> rec = stats.recoveries();
            out.println(rec.isEmpty() ? "verify: recovery: no fault was healed while the workload ran"
                    : String.format(java.util.Locale.ROOT, "verify: recovery (heal to next ok): max %.0f ms, mean %.0f ms over %d "
                    + "faults healed during the workload%s", rec.stream().mapToDouble(d -> d).max().orElseThrow(),
                    rec.stream().mapToDouble(d -> d).average().orElseThrow(), rec.size(),
                    stats.unrecovered() == 0 ? "" : "; " + stats.unrecovered() + " never followed by an ok"));
            List<Double> gaps = stats.gaps();
            if (!gaps.isEmpty()) {
                out.printf(java.util.Locale.ROOT, "verify: fault gaps (a fault's start or heal to the next ok): p50 %.0f ms, "
                        + "p99 %.0f ms, max %.0f ms over %d gaps, %d over 1 s%n", Stats.quantile(gaps, 0.5),
                        Stats.quantile(gaps, 0.99), Stats.quantile(gaps, 1.0), gaps.size(), gaps.stream().filter(g -> g > 1000).count());
            }
        }
        ProtocolCounters.Totals c = r.counters();
        out.printf(java.util.Locale.ROOT, "verify: protocol (all nodes, workload start to final reads): %d commands coordinated, "
                + "fast path %s of %d fast+slow commits, %d recoveries started (%s per command; %d of them for commands coordinated "
                + "with no fast quorum reachable)%n", c.submitted(),
                Double.isNaN(c.fastShare()) ? "n/a" : String.format(java.util.Locale.ROOT, "%.1f%%", 100 * c.fastShare()),
                c.fastPaths() + c.slowPaths(), c.recoveries(),
                Double.isNaN(c.recoveriesPerCommand()) ? "n/a" : String.format(java.util.Locale.ROOT, "%.3f", c.recoveriesPerCommand()),
                c.degraded());
        if (!r.restarts().isEmpty()) {
            List<Double> ready = readyMillis(r.restarts());
            out.printf(java.util.Locale.ROOT, "verify: restarted nodes ready (start asked for to /health 200): p50 %s ms, max %s ms "
                    + "over %d restarts, %d over %d s, %d not ready within %d s%n", wholeOr(ready, 0.5, "n/a"), wholeOr(ready, 1.0, "n/a"),
                    r.restarts().size(), ready.stream().filter(m -> m > READY_TARGET_MILLIS).count(), READY_TARGET_MILLIS / 1000,
                    r.restarts().size() - ready.size(), RestartTimer.LIMIT_MILLIS / 1000);
            List<Double> own = sinceProcessStart(r.restarts());
            if (!own.isEmpty()) {
                out.printf(java.util.Locale.ROOT, "verify: the same from each node's process start (its own figure, without SSH and the "
                        + "init script): p50 %s ms, max %s ms, %d of %d over %d s%n", wholeOr(own, 0.5, "n/a"), wholeOr(own, 1.0, "n/a"),
                        own.stream().filter(m -> m > READY_TARGET_MILLIS).count(), own.size(), READY_TARGET_MILLIS / 1000);
            }
        }
        out.printf(java.util.Locale.ROOT, "verify: longest time without an ok: %.2f s, from %.1f s into the run%n",
                stats.longestGapMillis() / 1000, stats.longestGapStartSeconds());
        String explanation = report.render();
        if (!r.finalReads().allOk()) {
            String why = String.format(java.util.Locale.ROOT, "%d of %d final reads (after every fault was healed and the "
                    + "recovery wait) did not complete ok: the cluster did not recover", r.finalReads().attempted() - r.finalReads().ok(),
                    r.finalReads().attempted());
            out.println("verify: " + why);
            explanation = why + (verdict != report.verdict() ? "; the history itself checked " + report.verdict() : "") + "\n"
                    + explanation;
        }
        return new Outcome(run, verdict, stats, explanation);
    }

    /**
     * The run's verdict: the history's, except that a valid history whose final reads did not all
     * complete ok is unknown, since nothing shows the cluster recovered (Jepsen's set checker
     * likewise says unknown without a final read). An invalid history stays invalid.
     */
    static Verdict verdict(Verdict history, KeyedWorkload.FinalReads finalReads) {
        return history == Verdict.VALID && !finalReads.allOk() ? Verdict.UNKNOWN : history;
    }

    private static List<Double> readyMillis(List<RestartTimer.Restart> restarts) {
        return restarts.stream().filter(RestartTimer.Restart::ready).map(RestartTimer.Restart::readyMillis).sorted().toList();
    }

    /** The nodes' own process-start-to-ready figures that were read, sorted. */
    private static List<Double> sinceProcessStart(List<RestartTimer.Restart> restarts) {
        return restarts.stream().map(RestartTimer.Restart::sinceProcessStartMillis).filter(m -> !m.isNaN()).sorted().toList();
    }

    static String restartsEdn(List<RestartTimer.Restart> restarts) {
        List<Double> ready = readyMillis(restarts);
        List<Double> own = sinceProcessStart(restarts);
        return String.format(java.util.Locale.ROOT, "{:count %d, :never-ready %d, :ready-p50-ms %s, :ready-max-ms %s, :over-%ds %d, "
                        + ":from-process-start {:count %d, :p50-ms %s, :max-ms %s, :over-%ds %d}, :each [%s]}",
                restarts.size(), restarts.size() - ready.size(), wholeOr(ready, 0.5, "nil"), wholeOr(ready, 1.0, "nil"),
                READY_TARGET_MILLIS / 1000, ready.stream().filter(m -> m > READY_TARGET_MILLIS).count(),
                own.size(), wholeOr(own, 0.5, "nil"), wholeOr(own, 1.0, "nil"), READY_TARGET_MILLIS / 1000,
                own.stream().filter(m -> m > READY_TARGET_MILLIS).count(),
                restarts.stream().map(x -> String.format(java.util.Locale.ROOT, "{:node %d, :at-s %.3f, :ready-ms %s, :from-process-start-ms %s}",
                        x.node(), x.startNanos() / 1e9, x.ready() ? String.format(java.util.Locale.ROOT, "%.0f", x.readyMillis()) : "nil",
                        Double.isNaN(x.sinceProcessStartMillis()) ? "nil" : String.format(java.util.Locale.ROOT, "%.0f", x.sinceProcessStartMillis())))
                        .collect(java.util.stream.Collectors.joining(", ")));
    }

    /** The q-quantile of values in whole milliseconds, or the given text when there are none. */
    private static String wholeOr(List<Double> values, double q, String none) {
        return values.isEmpty() ? none : String.format(java.util.Locale.ROOT, "%.0f", Stats.quantile(values, q));
    }

    static String finalReadsEdn(KeyedWorkload.FinalReads f) {
        return "{:attempted " + f.attempted() + ", :ok " + f.ok() + "}";
    }

    private static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(Collections.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a scratch directory; the node logs were copied to the report already
        }
    }
}
