package io.tempokv.verify;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tempokv.verify.cluster.Cluster;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Protocol counters summed over nodes and over the processes a node had (kills restart its counters). */
class ProtocolCountersTest {

    private static String metrics(long submitted, long fast, long slow, long recoveries, long executed) {
        return metrics(submitted, fast, slow, recoveries, executed, 0);
    }

    private static String metrics(long submitted, long fast, long slow, long recoveries, long executed, long degraded) {
        return "# HELP tempokv_commands_submitted Commands this node coordinated\n"
                + "# TYPE tempokv_commands_submitted gauge\n"
                + "tempokv_commands_submitted{shard=\"0\"} " + submitted + "\n"
                + "tempokv_fast_paths{shard=\"0\"} " + fast + "\n"
                + "tempokv_slow_paths{shard=\"0\"} " + slow + "\n"
                + "tempokv_recoveries_started{shard=\"0\"} " + recoveries + "\n"
                + "tempokv_commands_executed{shard=\"0\"} " + executed + "\n"
                + "tempokv_degraded_submits{shard=\"0\"} " + degraded + "\n"
                + "tempokv_commands_held{shard=\"0\"} 999\n"
                + "tempokv_request_seconds_bucket{le=\"0.5\"} 12\n";
    }

    @Test
    void parseSumsEachCounterOverItsShardsAndIgnoresTheRest() {
        String two = metrics(10, 6, 3, 2, 40, 1) + "tempokv_commands_submitted{shard=\"1\"} 5\ntempokv_fast_paths 1\nnot a sample\n"
                + "tempokv_slow_paths{shard=\"1\"} 1.5\n";
        assertArrayEquals(new long[] {15, 7, 3, 2, 40, 1}, ProtocolCounters.parse(two));
        assertArrayEquals(new long[6], ProtocolCounters.parse("# nothing here\n"));
    }

    @Test
    void aNodeWhoseCountersGoDownIsANewProcessAndTheOldOnesCountsAreKept() {
        ProtocolCounters c = new ProtocolCounters(cluster(List.of()), 1000);
        c.observe(1, new long[] {10, 8, 1, 0, 30, 0});
        c.observe(2, new long[] {5, 5, 0, 0, 30, 0});
        c.observe(1, new long[] {20, 15, 3, 1, 60, 1});
        c.observe(1, new long[] {4, 1, 0, 2, 9, 2}); // killed and restarted between samples
        c.observe(1, new long[] {6, 2, 1, 3, 12, 3});
        ProtocolCounters.Totals t = c.totals();
        assertEquals(20 + 6 + 5, t.submitted());
        assertEquals(15 + 2 + 5, t.fastPaths());
        assertEquals(3 + 1, t.slowPaths());
        assertEquals(1 + 3, t.recoveries());
        assertEquals(60 + 12 + 30, t.executed());
        assertEquals(1 + 3, t.degraded());
        assertEquals(22.0 / 26, t.fastShare(), 1e-9);
        assertEquals(4.0 / 31, t.recoveriesPerCommand(), 1e-9);
        assertEquals(5, t.scrapes());
        assertTrue(t.toEdn().contains(":recoveries 4,"), t.toEdn());
        assertTrue(t.toEdn().contains(":fast-share 0.8462"), t.toEdn());
    }

    @Test
    void withNoCommandsTheRatiosAreUnknownNotZero() {
        ProtocolCounters.Totals t = new ProtocolCounters(cluster(List.of()), 1000).totals();
        assertTrue(Double.isNaN(t.fastShare()));
        assertTrue(Double.isNaN(t.recoveriesPerCommand()));
        assertTrue(t.toEdn().contains(":fast-share nil"), t.toEdn());
    }

    @Test
    void samplesRealEndpointsCountingFromStartAcrossARestart() throws Exception {
        AtomicReference<String> body = new AtomicReference<>(metrics(100, 80, 10, 5, 300));
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", ex -> {
            byte[] b = body.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        try {
            URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
            // node 2 has no endpoint the control machine reaches: it is left out, not counted as missed
            ProtocolCounters c = new ProtocolCounters(cluster(List.of(Optional.of(base), Optional.empty())), 20);
            c.start(); // baseline: 100 coordinated before the workload
            body.set(metrics(150, 120, 15, 6, 400));
            Thread.sleep(200);
            body.set(metrics(30, 25, 2, 1, 90)); // the node restarted
            Thread.sleep(200);
            c.close();
            ProtocolCounters.Totals t = c.totals();
            assertEquals(50 + 30, t.submitted());
            assertEquals(40 + 25, t.fastPaths());
            assertEquals(1 + 1, t.recoveries());
            assertEquals(0, t.missed());
            assertTrue(t.scrapes() >= 3, "samples taken: " + t.scrapes());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aNodeThatDoesNotAnswerIsCountedAsMissed() throws Exception {
        ProtocolCounters c = new ProtocolCounters(cluster(List.of(Optional.of(URI.create("http://127.0.0.1:1/")))), 1000);
        c.start();
        c.close();
        assertEquals(0, c.totals().submitted());
        assertTrue(c.totals().missed() >= 1, "at least the sample at close; the one at start is the baseline: " + c.totals());
    }

    /** A cluster that only has node ids and HTTP endpoints (ids 1..n, endpoint i-1); every other method throws. */
    private static Cluster cluster(List<Optional<URI>> endpoints) {
        return (Cluster) Proxy.newProxyInstance(Cluster.class.getClassLoader(), new Class<?>[] {Cluster.class}, (proxy, m, args) ->
                switch (m.getName()) {
                    case "nodeIds" -> java.util.stream.IntStream.rangeClosed(1, endpoints.size()).boxed().toList();
                    case "httpUri" -> endpoints.get((Integer) args[0] - 1);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
