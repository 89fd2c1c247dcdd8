package io.tempokv.verify.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * How long each node the nemesis restarts takes to be ready: from the moment its start was asked
 * for (over SSH on the test nodes, so the figure includes the init script) to its first /health
 * 200, polled every {@link #POLL_MILLIS} from the control machine. A node that is not ready within
 * {@link #LIMIT_MILLIS} is recorded as never ready (NaN). Polling runs in a daemon thread per
 * restart, so the nemesis's schedule does not wait for it. Once ready, the node's own figure is
 * read from its /metrics ({@code tempokv_ready_after_start_millis}: from its process start to its
 * first ready /health, without the SSH and init script before the process began); NaN when the
 * node does not export it.
 */
public final class RestartTimer {
    static final long POLL_MILLIS = 50;
    public static final long LIMIT_MILLIS = 60_000;

    /**
     * One restart: the node, when its start was asked for (history time), milliseconds from then to
     * ready, and milliseconds from the node's process start to ready as the node measured it.
     */
    public record Restart(int node, long startNanos, double readyMillis, double sinceProcessStartMillis) {
        public boolean ready() {
            return !Double.isNaN(readyMillis);
        }
    }

    private final Cluster cluster;
    private final LongSupplier clock;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
    private final List<Restart> restarts = new ArrayList<>();
    private final List<Thread> watchers = new ArrayList<>();

    /** @param clock history time in nanoseconds, for the record */
    public RestartTimer(Cluster cluster, LongSupplier clock) {
        this.cluster = cluster;
        this.clock = clock;
    }

    /**
     * Call just before asking the cluster to start node id; watches it until ready. Does nothing
     * when the cluster offers no HTTP endpoint for the node.
     */
    public synchronized void starting(int id) {
        Optional<URI> base = cluster.httpUri(id);
        if (base.isEmpty()) {
            return;
        }
        URI health = base.get().resolve("/health");
        URI metrics = base.get().resolve("/metrics");
        long at = clock.getAsLong();
        long t0 = System.nanoTime();
        Thread t = new Thread(() -> {
            double ready = Double.NaN;
            double sinceStart = Double.NaN;
            while (System.nanoTime() - t0 < LIMIT_MILLIS * 1_000_000L) {
                if (answersReady(health)) {
                    ready = (System.nanoTime() - t0) / 1e6;
                    sinceStart = nodesOwnFigure(metrics);
                    break;
                }
                try {
                    Thread.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return; // stopped: this restart is left out rather than recorded as never ready
                }
            }
            synchronized (RestartTimer.this) {
                restarts.add(new Restart(id, at, ready, sinceStart));
            }
        }, "tempokv-verify-ready-" + id);
        t.setDaemon(true);
        watchers.add(t);
        t.start();
    }

    /** The node's tempokv_ready_after_start_millis, asked for up to 1 s (the node publishes it within 20 ms of ready); else NaN. */
    private double nodesOwnFigure(URI metrics) {
        java.util.regex.Pattern series = java.util.regex.Pattern.compile("(?m)^tempokv_ready_after_start_millis (-?\\d+)$");
        long end = System.nanoTime() + 1_000_000_000L;
        do {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).timeout(Duration.ofMillis(500)).build(),
                        HttpResponse.BodyHandlers.ofString());
                java.util.regex.Matcher m = series.matcher(r.statusCode() == 200 ? r.body() : "");
                if (!m.find()) {
                    return Double.NaN; // an older node without the figure
                }
                long v = Long.parseLong(m.group(1));
                if (v >= 0) {
                    return v;
                }
                Thread.sleep(POLL_MILLIS);
            } catch (IOException e) {
                return Double.NaN;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Double.NaN;
            }
        } while (System.nanoTime() < end);
        return Double.NaN;
    }

    private boolean answersReady(URI health) {
        try {
            return http.send(HttpRequest.newBuilder(health).timeout(Duration.ofMillis(500)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Waits up to the limit for every watched restart to be decided, then returns them in start order. */
    public List<Restart> restarts() throws InterruptedException {
        List<Thread> ts;
        synchronized (this) {
            ts = List.copyOf(watchers);
        }
        for (Thread t : ts) {
            t.join(LIMIT_MILLIS + 5_000);
        }
        synchronized (this) {
            List<Restart> out = new ArrayList<>(restarts);
            out.sort((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
            return out;
        }
    }
}
