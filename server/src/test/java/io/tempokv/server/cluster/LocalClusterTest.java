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
    void aNodeThatCannotStartIsReportedNotIgnored() throws Exception {
        try (LocalCluster c = LocalCluster.create(dir, 3);
             java.net.ServerSocket squatter = new java.net.ServerSocket()) {
            // what the old bind(0) port choice allowed: another socket takes a node's port first
            squatter.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), c.node(2).clientPort));
            c.startAll();
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, c::awaitReady);
            assertTrue(e.getMessage().startsWith("node 2 exited with code "), e.getMessage());
            assertTrue(e.getMessage().contains(String.valueOf(c.node(2).clientPort)), "the log tail names the port: " + e.getMessage());
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
     * The first write on a freshly started cluster; if it fails, the node logs go to the test
     * output (they report any command unfinished for over 5 s with what it waits for). It once
     * stalled in CI: a node had died at start-up because another socket took its port, and
     * awaitReady ignored dead nodes; both are fixed (see aNodeThatCannotStartIsReportedNotIgnored).
     */
    private static void firstWrite(LocalCluster cluster, TempoClient c, String key, String value) throws Exception {
        try {
            c.put(key, value).get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            System.out.println("LocalClusterTest: the first write failed (" + e + "); node logs follow");
            Path logs = java.nio.file.Files.createTempDirectory("tempokv-stall-");
            cluster.collectLogs(logs);
            try (var files = java.nio.file.Files.walk(logs)) {
                for (Path f : files.filter(java.nio.file.Files::isRegularFile).sorted().toList()) {
                    System.out.println("==== " + logs.relativize(f));
                    System.out.println(java.nio.file.Files.readString(f));
                }
            }
            throw e;
        }
    }

    /** Progress, not speed: waits (up to 90 s, however loaded the machine) for n more :ok completions. */
    private static void awaitOk(RegisterWorkload w, long n, String when) throws InterruptedException {
        long target = w.history().completions()[0] + n;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (w.history().completions()[0] < target) {
            assertTrue(System.nanoTime() < deadline, "fewer than " + n + " operations succeeded " + when + " within 90 s");
            Thread.sleep(50);
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
            awaitOk(w, 20, "before the crash");
            c.kill(1);
            awaitOk(w, 20, "while node 1 is down");
            c.start(1);
            c.awaitReady();
            awaitOk(w, 20, "after node 1 restarted");
            w.stopAndJoin();
            clients.forEach(TempoClient::close);
            io.tempokv.check.Report r = io.tempokv.check.IndependentChecker.check(new io.tempokv.check.CasRegister(), w.history().ops(),
                    io.tempokv.check.Budget.defaults().withMaxMillis(60_000));
            assertEquals(io.tempokv.check.Verdict.VALID, r.verdict(), r.render());
        }
    }
}
