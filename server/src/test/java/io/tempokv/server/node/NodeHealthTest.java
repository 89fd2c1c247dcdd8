package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import io.tempokv.verify.cluster.LocalCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /health names each peer's reachability, and /metrics carries what an alert needs: readiness,
 * per-peer reachability, the pending-command limit, and the version (issue 21 item 8). Two of
 * three members run; the third never starts.
 */
class NodeHealthTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void healthAndMetricsNameEachPeerAndTheLimits() throws Exception {
        int[] p = LocalCluster.freePorts(9);
        StringBuilder members = new StringBuilder("members:\n");
        for (int i = 0; i < 3; i++) {
            members.append("  - {id: ").append(i + 1).append(", host: 127.0.0.1, client: ").append(p[3 * i])
                    .append(", peer: ").append(p[3 * i + 1]).append(", http: ").append(p[3 * i + 2]).append("}\n");
        }
        String base = "http://127.0.0.1:" + p[2];
        try (Node one = Node.start(config(1, members))) {
            HttpResponse<String> alone = await(base + "/health", r -> r.statusCode() == 503);
            assertTrue(alone.body().contains("\"peers\":[{\"node\":2,\"reachable\":false},{\"node\":3,\"reachable\":false}]"), alone.body());
            String m = get(base + "/metrics").body();
            assertEquals(0, value(m, "tempokv_ready"), m);
            assertEquals(-1, value(m, "tempokv_ready_after_start_millis"), "not ready yet: " + m);
            assertEquals(0, value(m, "tempokv_peer_reachable{peer=\"2\"}"), m);
            assertNotEquals("unknown", BuildInfo.version(), "the build recorded its version");
            assertEquals(1, value(m, "tempokv_build_info{version=\"" + BuildInfo.version() + "\"}"), m);
            assertTrue(value(m, "tempokv_commands_pending_limit{shard=\"0\"}") > 0, m);

            try (Node two = Node.start(config(2, members))) {
                HttpResponse<String> ready = await(base + "/health", r -> r.statusCode() == 200);
                assertTrue(ready.body().contains("\"peers\":[{\"node\":2,\"reachable\":true},{\"node\":3,\"reachable\":false}]"),
                        ready.body());
                String after = get(base + "/metrics").body();
                assertEquals(1, value(after, "tempokv_ready"), after);
                assertEquals(1, value(after, "tempokv_peer_reachable{peer=\"2\"}"), after);
                assertEquals(0, value(after, "tempokv_peer_reachable{peer=\"3\"}"), after);
                shippedMonitoringNamesOnlyExportedMetrics(after);
                // The first ready /health, counted from this process's start (the test JVM's, so
                // well after it), is published once the 20 ms watcher sees it.
                long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
                String timed = await(base + "/metrics", r -> value(r.body(), "tempokv_ready_after_start_millis") >= 0).body();
                long readyAfter = value(timed, "tempokv_ready_after_start_millis");
                assertTrue(readyAfter > 0 && readyAfter <= uptime + 1_000, "ready " + readyAfter + " ms after the start; uptime " + uptime);
            }
        }
    }

    /**
     * packaging/src/main/monitoring (Prometheus rules and a Grafana dashboard, shipped in the .deb and
     * the tarball) parse, every rule is complete, and every tempokv_ metric they name is one this
     * node exports: a renamed metric fails here instead of silencing an alert.
     */
    private static void shippedMonitoringNamesOnlyExportedMetrics(String metrics) throws IOException {
        Path dir = Path.of("..", "packaging", "src", "main", "monitoring");
        Path rules = dir.resolve("tempokv-alerts.yml");
        Path dashboard = dir.resolve("tempokv-dashboard.json");
        org.snakeyaml.engine.v2.api.Load load = new org.snakeyaml.engine.v2.api.Load(
                org.snakeyaml.engine.v2.api.LoadSettings.builder().build());
        Map<?, ?> top = (Map<?, ?>) load.loadFromString(Files.readString(rules));
        int alerts = 0;
        for (Object g : (List<?>) top.get("groups")) {
            for (Object r : (List<?>) ((Map<?, ?>) g).get("rules")) {
                Map<?, ?> rule = (Map<?, ?>) r;
                assertTrue(rule.get("alert") instanceof String && rule.get("expr") instanceof String, "rule " + rule);
                assertTrue(((Map<?, ?>) rule.get("labels")).get("severity") != null, "severity of " + rule.get("alert"));
                assertTrue(((Map<?, ?>) rule.get("annotations")).get("summary") != null, "summary of " + rule.get("alert"));
                alerts++;
            }
        }
        assertTrue(alerts >= 5, "alert rules: " + alerts);
        Map<?, ?> dash = (Map<?, ?>) load.loadFromString(Files.readString(dashboard)); // JSON is YAML 1.2
        assertTrue(((List<?>) dash.get("panels")).size() >= 5, "dashboard panels");
        Set<String> exported = new TreeSet<>();
        Matcher type = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(metrics);
        while (type.find()) {
            exported.add(type.group(1));
        }
        Set<String> missing = new TreeSet<>();
        for (Path f : List.of(rules, dashboard)) {
            Matcher named = Pattern.compile("tempokv_[a-z_]+").matcher(Files.readString(f));
            while (named.find()) {
                String n = named.group().replaceFirst("_(bucket|count|sum)$", "");
                if (!exported.contains(n)) {
                    missing.add(f.getFileName() + ": " + named.group());
                }
            }
        }
        assertEquals(Set.of(), missing, "metrics named by the shipped monitoring files but not exported; exported: " + exported);
    }

    private NodeConfig config(int id, CharSequence members) throws Exception {
        return ConfigLoader.parse("node-id: " + id + "\ndata-dir: " + dir.resolve("data" + id) + "\nlisten: 127.0.0.1\n" + members,
                "n" + id + ".yaml");
    }

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The first answer that passes, asking every 100 ms for at most 30 s; the last answer in the failure. */
    private HttpResponse<String> await(String url, Predicate<HttpResponse<String>> ok) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> last = get(url);
        while (!ok.test(last)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no passing answer from " + url + " within 30 s; last: " + last.statusCode() + " " + last.body());
            }
            Thread.sleep(100);
            last = get(url);
        }
        return last;
    }

    /** The sample of one series in Prometheus text, e.g. {@code tempokv_ready 1}. */
    private static long value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (-?\\d+)$").matcher(text);
        if (!m.find()) {
            throw new AssertionError("no series " + series + " in /metrics");
        }
        return Long.parseLong(m.group(1));
    }
}
