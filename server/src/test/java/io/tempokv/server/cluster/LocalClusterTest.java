package io.tempokv.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.client.ClientOptions;
import io.tempokv.verify.cluster.Generator;
import io.tempokv.verify.cluster.History;
import io.tempokv.verify.cluster.LocalCluster;
import io.tempokv.verify.cluster.RegisterWorkload;
import io.tempokv.client.TempoClient;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real node processes on loopback: reads and writes through every node, SIGKILL and restart from disk. */
class LocalClusterTest {
    @TempDir
    Path dir;

    private static TempoClient client(InetSocketAddress... endpoints) {
        return TempoClient.connect(List.of(endpoints), new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofSeconds(30), 64));
    }

    @Test
    void threeNodesServeReadsAndWritesThroughEveryNode() throws Exception {
        try (LocalCluster c = LocalCluster.create(dir, 3)) {
            c.startAll();
            c.awaitReady();
            try (TempoClient one = client(c.node(1).clientAddress());
                 TempoClient two = client(c.node(2).clientAddress());
                 TempoClient three = client(c.node(3).clientAddress())) {
                firstWrite(c, one, "greeting", "hello");
                assertEquals(Optional.of("hello"), two.get("greeting").get(30, TimeUnit.SECONDS));
                assertTrue(three.cas("greeting", "hello", "bonjour").get(30, TimeUnit.SECONDS).applied());
                assertEquals(Optional.of("bonjour"), one.get("greeting").get(30, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void aNodeKilledWithSigkillRestartsFromDiskAndCatchesUp() throws Exception {
        try (LocalCluster c = LocalCluster.create(dir, 3)) {
            c.startAll();
            c.awaitReady();
            try (TempoClient one = client(c.node(1).clientAddress())) {
                firstWrite(c, one, "before", "1");
                c.kill(3);
                for (int i = 0; i < 20; i++) {
                    one.put("during-" + i, Integer.toString(i)).get(30, TimeUnit.SECONDS);
                }
                c.start(3);
                c.awaitReady();
                try (TempoClient three = client(c.node(3).clientAddress())) {
                    assertEquals(Optional.of("1"), three.get("before").get(30, TimeUnit.SECONDS));
                    for (int i = 0; i < 20; i++) {
                        assertEquals(Optional.of(Integer.toString(i)), three.get("during-" + i).get(30, TimeUnit.SECONDS));
                    }
                }
            }
        }
    }

    @Test
    void sigkillOfEveryNodeDuringAWriteLoadLosesNoAcknowledgedWrite() throws Exception {
        Map<String, String> acked = new ConcurrentHashMap<>();
        try (LocalCluster c = LocalCluster.create(dir, 3)) {
            c.startAll();
            c.awaitReady();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int writer = w;
                Thread t = new Thread(() -> write(c, writer, stop, acked));
                t.start();
                writers.add(t);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (acked.size() < 50 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            for (int id = 1; id <= 3; id++) {
                c.kill(id);
            }
            stop.set(true);
            for (Thread t : writers) {
                t.join(60_000);
            }
            assertTrue(acked.size() > 20, "the load wrote something before the crash: " + acked.size());
            c.startAll();
            c.awaitReady();
            try (TempoClient reader = client(c.clientEndpoints().toArray(new InetSocketAddress[0]))) {
                List<CompletableFuture<Optional<String>>> reads = new ArrayList<>();
                List<String> keys = new ArrayList<>(acked.keySet());
                for (String k : keys) {
                    reads.add(reader.get(k));
                }
                for (int i = 0; i < keys.size(); i++) {
                    assertEquals(Optional.of(acked.get(keys.get(i))), reads.get(i).get(60, TimeUnit.SECONDS), "key " + keys.get(i));
                }
            }
        }
    }

    /**
     * The first write on a freshly started cluster. Once (in about ten CI runs, before the
     * stuck-command log existed) it did not complete within 30 s, and 100+ loop runs have not
     * reproduced it since (see the issue note). So: if the first attempt takes over 30 s, the node
     * logs, which now report any command unfinished for over 5 s with what it waits for, go to the
     * test output for diagnosis; the write then gets up to 120 s in all and must still complete.
     */
    private static void firstWrite(LocalCluster cluster, TempoClient c, String key, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean dumped = false;
        while (true) {
            try {
                c.put(key, value).get(30, TimeUnit.SECONDS);
                return;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                if (!dumped) {
                    dumped = true;
                    System.out.println("LocalClusterTest: first write not done after 30 s (" + e + "); node logs follow");
                    Path logs = java.nio.file.Files.createTempDirectory("tempokv-stall-");
                    cluster.collectLogs(logs);
                    try (var files = java.nio.file.Files.walk(logs)) {
                        for (Path f : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                            System.out.println("==== " + logs.relativize(f));
                            System.out.println(java.nio.file.Files.readString(f));
                        }
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
        }
    }

    private static void write(LocalCluster c, int writer, AtomicBoolean stop, Map<String, String> acked) {
        try (TempoClient cl = TempoClient.connect(List.of(c.node(1 + writer % 3).clientAddress()),
                new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(6), 4))) {
            for (int i = 0; !stop.get(); i++) {
                String k = "w" + writer + "-" + i;
                try {
                    cl.put(k, "v" + i).get(30, TimeUnit.SECONDS);
                    acked.put(k, "v" + i);
                } catch (Exception e) {
                    // not acknowledged (slow machine, or the nodes are being killed): keep going until told to stop
                }
            }
        }
    }

    @Test
    void withAMinorityKilledTheClusterStillCommitsAndTheyCatchUp() throws Exception {
        try (LocalCluster c = LocalCluster.create(dir, 5)) {
            c.startAll();
            c.awaitReady();
            c.kill(4);
            c.kill(5);
            try (TempoClient one = client(c.node(1).clientAddress()); TempoClient two = client(c.node(2).clientAddress())) {
                for (int i = 0; i < 10; i++) {
                    one.put("m" + i, "v" + i).get(30, TimeUnit.SECONDS);
                }
                assertEquals(Optional.of("v9"), two.get("m9").get(30, TimeUnit.SECONDS));
            }
            c.start(4);
            c.start(5);
            c.awaitReady();
            try (TempoClient five = client(c.node(5).clientAddress())) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(Optional.of("v" + i), five.get("m" + i).get(30, TimeUnit.SECONDS));
                }
            }
        }
    }

    /** Clients talk to node 1 first; node 1 (their coordinator) is killed mid-load and restarted. */
    @Test
    void killingTheCoordinatorMidLoadKeepsTheHistoryLinearizable() throws Exception {
        try (LocalCluster c = LocalCluster.create(dir, 3)) {
            c.startAll();
            c.awaitReady();
            List<TempoClient> clients = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                clients.add(TempoClient.connect(c.clientEndpoints(),
                        new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), 4)));
            }
            RegisterWorkload w = new RegisterWorkload(new History(), new Generator(clients.size(), 2, 200, 0));
            w.start(clients);
            Thread.sleep(2000);
            c.kill(1);
            Thread.sleep(3000);
            c.start(1);
            Thread.sleep(3000);
            w.stopAndJoin();
            clients.forEach(TempoClient::close);
            long[] done = w.history().completions();
            assertTrue(done[0] > 50, "operations succeeded around the crash: " + done[0]);
            io.tempokv.check.Report r = io.tempokv.check.IndependentChecker.check(new io.tempokv.check.CasRegister(), w.history().ops(),
                    io.tempokv.check.Budget.defaults().withMaxMillis(60_000));
            assertEquals(io.tempokv.check.Verdict.VALID, r.verdict(), r.render());
        }
    }
}
