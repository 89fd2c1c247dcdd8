package io.tempokv.verify.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Time from a restart being asked for to the node's first /health 200. */
class RestartTimerTest {

    @Test
    void measuresUntilTheFirstReadyAnswer() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        long t0 = System.nanoTime();
        server.createContext("/health", ex -> {
            asked.incrementAndGet();
            // not ready (503, as a node catching up answers) for the first 300 ms
            ex.sendResponseHeaders(System.nanoTime() - t0 < 300_000_000L ? 503 : 200, -1);
            ex.close();
        });
        AtomicInteger metricsAsked = new AtomicInteger();
        server.createContext("/metrics", ex -> {
            // the node publishes its own figure a moment after its first ready /health
            byte[] body = ("tempokv_ready 1\ntempokv_ready_after_start_millis " + (metricsAsked.incrementAndGet() < 2 ? -1 : 2345)
                    + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            AtomicLong clock = new AtomicLong(7_000_000_000L);
            RestartTimer timer = new RestartTimer(cluster(Optional.of(base)), clock::get);
            timer.starting(1);
            List<RestartTimer.Restart> r = timer.restarts();
            assertEquals(1, r.size());
            assertEquals(1, r.get(0).node());
            assertEquals(7_000_000_000L, r.get(0).startNanos(), "history time of the start");
            assertTrue(r.get(0).ready());
            assertTrue(r.get(0).readyMillis() >= 250 && r.get(0).readyMillis() < 5_000, "ready after " + r.get(0).readyMillis() + " ms");
            assertTrue(asked.get() >= 2, "polled until ready: " + asked.get() + " requests");
            assertEquals(2345.0, r.get(0).sinceProcessStartMillis(), "the node's own figure, once it was published");
            assertEquals(2, metricsAsked.get());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aClusterWithoutHttpEndpointsRecordsNothing() throws Exception {
        RestartTimer timer = new RestartTimer(cluster(Optional.empty()), () -> 0L);
        timer.starting(1);
        assertTrue(timer.restarts().isEmpty());
        assertFalse(new RestartTimer.Restart(1, 0, Double.NaN, Double.NaN).ready());
    }

    private static Cluster cluster(Optional<URI> endpoint) {
        return (Cluster) Proxy.newProxyInstance(Cluster.class.getClassLoader(), new Class<?>[] {Cluster.class}, (proxy, m, args) ->
                switch (m.getName()) {
                    case "nodeIds" -> List.of(1);
                    case "httpUri" -> endpoint;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
