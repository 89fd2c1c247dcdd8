package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.Incarnations;
import io.tempokv.server.config.NodeConfig;
import io.tempokv.verify.cluster.LocalCluster;
import io.tempokv.wire.StatusInfo;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21 item 1, docs/protocol.md D14: a member restarted on an empty data directory in a cluster
 * that knew it serves nothing, says why in /health and /metrics, and stays so across restarts; a
 * new member that nobody knew joins; a new directory waits for f peers before it takes part.
 * Three real nodes on loopback, f = 1.
 */
class WipedDataDirTest {
    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int[] ports;
    private final Node[] nodes = new Node[4];

    @BeforeEach
    void choosePorts() throws Exception {
        ports = LocalCluster.freePorts(9);
    }

    @AfterEach
    void stopNodes() {
        for (Node n : nodes) {
            if (n != null) {
                n.close();
            }
        }
    }

    @Test
    void aMemberRestartedOnAnEmptyDataDirectoryServesNothingAndSaysWhy() throws Exception {
        nodes[1] = Node.start(config(1));
        assertTrue(await(1, r -> r.statusCode() == 503).body().contains("is new and 0 of the 1 peers needed have confirmed"),
                "a new directory alone waits for a peer");
        nodes[2] = Node.start(config(2));
        await(1, r -> r.statusCode() == 200);
        await(2, r -> r.statusCode() == 200);
        try (TempoClient c = client(1, 2)) {
            c.put("k", "v").get(30, TimeUnit.SECONDS);
        }
        // node 3 starts for the first time while 1 and 2 already hold data: nobody knew it, it joins
        nodes[3] = Node.start(config(3));
        await(3, r -> r.statusCode() == 200);
        try (TempoClient c = client(3)) {
            assertEquals(Optional.of("v"), c.get("k").get(30, TimeUnit.SECONDS));
        }
        String before = Files.readString(dir.resolve("data3").resolve(Incarnations.FILE_NAME));
        assertTrue(before.contains("confirmed=true"), before);

        nodes[3].close();
        wipe(dir.resolve("data3"));
        nodes[3] = Node.start(config(3));
        HttpResponse<String> refused = await(3, r -> r.body().contains("not the directory this node had"));
        assertEquals(503, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("\"problem\":\"node ") && refused.body().contains("A node lost its disk"), refused.body());
        String m = get(3, "/metrics").body();
        assertTrue(m.contains("\ntempokv_data_dir_lost 1\n"), m);
        try (TempoClient c = TempoClient.connect(List.of(new InetSocketAddress("127.0.0.1", ports[6])),
                new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(3), 4))) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.get("k").get(30, TimeUnit.SECONDS));
            assertTrue(String.valueOf(e.getCause().getMessage()).contains("serves nothing"), e.getCause().toString());
            assertTrue(c.status().get(30, TimeUnit.SECONDS).shards().stream().noneMatch(StatusInfo.ShardStatus::healthy),
                    "tempokv status shows no healthy shard on it");
        }
        // the others still serve, and say who is missing
        HttpResponse<String> one = await(1, r -> r.statusCode() == 200);
        assertTrue(one.body().contains("{\"node\":3,\"reachable\":false}"), one.body());
        try (TempoClient c = client(1, 2)) {
            assertEquals(Optional.of("v"), c.get("k").get(30, TimeUnit.SECONDS));
            c.put("k", "w").get(30, TimeUnit.SECONDS);
        }

        // a restart does not launder the directory: it was never confirmed, and the peers still know the old one
        nodes[3].close();
        String after = Files.readString(dir.resolve("data3").resolve(Incarnations.FILE_NAME));
        assertTrue(after.contains("confirmed=false"), after);
        nodes[3] = Node.start(config(3));
        assertEquals(503, await(3, r -> r.body().contains("not the directory this node had")).statusCode());
        assertTrue(get(1, "/metrics").body().contains("\ntempokv_data_dir_lost 0\n"));
    }

    private NodeConfig config(int id) {
        StringBuilder yaml = new StringBuilder("node-id: " + id + "\ndata-dir: " + dir.resolve("data" + id)
                + "\nlisten: 127.0.0.1\nmembers:\n");
        for (int i = 0; i < 3; i++) {
            yaml.append("  - {id: ").append(i + 1).append(", host: 127.0.0.1, client: ").append(ports[3 * i])
                    .append(", peer: ").append(ports[3 * i + 1]).append(", http: ").append(ports[3 * i + 2]).append("}\n");
        }
        return ConfigLoader.parse(yaml.toString(), "n" + id + ".yaml");
    }

    private TempoClient client(int... ids) {
        List<InetSocketAddress> endpoints = new ArrayList<>();
        for (int id : ids) {
            endpoints.add(new InetSocketAddress("127.0.0.1", ports[3 * (id - 1)]));
        }
        return TempoClient.connect(endpoints, new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofSeconds(20), 4));
    }

    private static void wipe(Path d) throws Exception {
        try (Stream<Path> all = Files.walk(d)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private HttpResponse<String> get(int id, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[3 * (id - 1) + 2] + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The first /health answer of node {@code id} that passes, asking every 100 ms for at most 30 s. */
    private HttpResponse<String> await(int id, Predicate<HttpResponse<String>> ok) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        HttpResponse<String> last = get(id, "/health");
        while (!ok.test(last)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("no passing /health from node " + id + " within 30 s; last: " + last.statusCode() + " "
                        + last.body());
            }
            Thread.sleep(100);
            last = get(id, "/health");
        }
        return last;
    }
}
