package io.tempokv.verify;

import io.tempokv.verify.cluster.Cluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The protocol's own counters over a whole run, summed over every node: commands coordinated, fast
 * and slow paths, recoveries started, commands executed. A node's counters live in its process and
 * start again at 0 when it restarts, so a run with kills cannot read them once at the end: this
 * samples each node's /metrics every period and, when a node's counters go down (a new process),
 * banks what the old process had reached. What a killed process counted after its last sample is
 * lost, at most one period's worth.
 */
public final class ProtocolCounters implements AutoCloseable {
    /** The counters kept, by their metric name. */
    public static final List<String> NAMES = List.of("tempokv_commands_submitted", "tempokv_fast_paths", "tempokv_slow_paths",
            "tempokv_recoveries_started", "tempokv_commands_executed", "tempokv_degraded_submits");

    /**
     * Totals over all nodes and processes. {@code scrapes} counts the answers read, {@code missed}
     * the samples of running-or-not nodes that did not answer (a killed or paused node misses).
     */
    public record Totals(long submitted, long fastPaths, long slowPaths, long recoveries, long executed, long degraded,
                         long scrapes, long missed) {
        /** Share of commits on the fast path among fast and slow path commits; NaN if there were none. */
        public double fastShare() {
            long paths = fastPaths + slowPaths;
            return paths == 0 ? Double.NaN : (double) fastPaths / paths;
        }

        /**
         * Recovery ballots started per command coordinated; NaN if none was. A command coordinated
         * with no fast quorum reachable starts as a recovery (the spec's 6.7), so this counts those
         * too: see {@link #degraded}.
         */
        public double recoveriesPerCommand() {
            return submitted == 0 ? Double.NaN : (double) recoveries / submitted;
        }

        public String toEdn() {
            return String.format(Locale.ROOT, "{:submitted %d, :fast-paths %d, :slow-paths %d, :recoveries %d, :executed %d, "
                            + ":degraded-submits %d, :fast-share %s, :recoveries-per-command %s, :scrapes %d, :missed %d}", submitted,
                    fastPaths, slowPaths, recoveries, executed, degraded, ednDouble(fastShare()), ednDouble(recoveriesPerCommand()),
                    scrapes, missed);
        }

        private static String ednDouble(double d) {
            return Double.isNaN(d) ? "nil" : String.format(Locale.ROOT, "%.4f", d);
        }
    }

    private final Cluster cluster;
    private final long periodMillis;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    /** Per node: the values its current process showed last, and what its earlier processes reached. */
    private final Map<Integer, long[]> last = new HashMap<>();
    private final Map<Integer, long[]> banked = new HashMap<>();
    private long scrapes;
    private long missed;
    private Thread sampler;
    private volatile boolean stopping;
    /** The sums when {@link #start} was called: what the nodes counted before (start-up, warm-up) is left out. */
    private long[] baseline = new long[NAMES.size()];

    public ProtocolCounters(Cluster cluster, long periodMillis) {
        if (periodMillis <= 0) {
            throw new IllegalArgumentException("period must be positive, got " + periodMillis);
        }
        this.cluster = cluster;
        this.periodMillis = periodMillis;
    }

    /**
     * Takes a first sample of every node now, as the baseline the totals count from, then samples
     * in a daemon thread until {@link #close}.
     */
    public void start() {
        synchronized (this) {
            if (sampler != null) {
                throw new IllegalStateException("already started");
            }
        }
        sampleAll();
        synchronized (this) {
            baseline = sums();
            scrapes = 0;
            missed = 0;
            startSampler();
        }
    }

    private void startSampler() {
        sampler = new Thread(() -> {
            while (!stopping) {
                sampleAll();
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "tempokv-verify-counters");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Stops the sampler and takes one last sample of every node. */
    @Override
    public void close() throws InterruptedException {
        Thread t;
        synchronized (this) {
            stopping = true;
            t = sampler;
        }
        if (t != null) {
            t.interrupt();
            t.join();
        }
        sampleAll();
    }

    private void sampleAll() {
        for (int id : cluster.nodeIds()) {
            Optional<URI> base = cluster.httpUri(id);
            if (base.isEmpty()) {
                continue;
            }
            Optional<String> text = fetch(base.get().resolve("/metrics"));
            if (Thread.currentThread().isInterrupted()) {
                return; // the sampler was stopped while it asked: not a node that failed to answer
            }
            synchronized (this) {
                if (text.isPresent()) {
                    observe(id, parse(text.get()));
                } else {
                    missed++;
                }
            }
        }
    }

    private Optional<String> fetch(URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * Records one sample of a node's counters (in {@link #NAMES} order). If any of them is below the
     * last sample, the node is a new process: the old one's last values are banked first.
     */
    synchronized void observe(int node, long[] values) {
        if (values.length != NAMES.size()) {
            throw new IllegalArgumentException("expected " + NAMES.size() + " values, got " + values.length);
        }
        scrapes++;
        long[] prev = last.get(node);
        if (prev != null) {
            boolean restarted = false;
            for (int i = 0; i < values.length; i++) {
                restarted |= values[i] < prev[i];
            }
            if (restarted) {
                long[] b = banked.computeIfAbsent(node, k -> new long[NAMES.size()]);
                for (int i = 0; i < b.length; i++) {
                    b[i] += prev[i];
                }
            }
        }
        last.put(node, values.clone());
    }

    /** What the nodes counted since {@link #start} (since the first sample when it was not called). */
    public synchronized Totals totals() {
        long[] sum = sums();
        for (int i = 0; i < sum.length; i++) {
            sum[i] -= baseline[i];
        }
        return new Totals(sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], scrapes, missed);
    }

    private long[] sums() {
        long[] sum = new long[NAMES.size()];
        for (Map<Integer, long[]> m : List.of(last, banked)) {
            for (long[] v : m.values()) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += v[i];
                }
            }
        }
        return sum;
    }

    /**
     * The {@link #NAMES} counters from a Prometheus text exposition, each summed over its label
     * sets (one per shard); a counter the text does not have is 0. Lines that do not parse are
     * skipped: a node that exports something else must not break the run's report.
     */
    public static long[] parse(String text) {
        long[] out = new long[NAMES.size()];
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String name = line.substring(0, brace >= 0 && brace < space ? brace : space);
            int i = NAMES.indexOf(name);
            if (i < 0) {
                continue;
            }
            try {
                out[i] += Long.parseLong(line.substring(space + 1).trim());
            } catch (NumberFormatException e) {
                // not an integer sample; left out
            }
        }
        return out;
    }
}
