package io.tempokv.verify.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * A cluster of tempokv nodes as separate JVM processes on loopback, each with its own config and
 * data directory under one base directory. Nodes are killed and stopped by their process handles,
 * never by name. Used by the demo, bench, the robustness suite and the integration tests.
 *
 * <p>It can kill and pause nodes but not partition them or skew their clocks: the nodes share the
 * host's loopback interface and its clock, which the suite never changes. Those faults need
 * {@link SshCluster} (test nodes or real hosts); the methods here say so.
 */
public final class LocalCluster implements Cluster {
    /** One node: its ports, directory and current process (null while down). */
    public static final class NodeProcess {
        public final int id;
        public final int clientPort;
        public final int peerPort;
        public final int httpPort;
        public final Path dir;
        Process process;
        boolean paused;

        NodeProcess(int id, int clientPort, int peerPort, int httpPort, Path dir) {
            this.id = id;
            this.clientPort = clientPort;
            this.peerPort = peerPort;
            this.httpPort = httpPort;
            this.dir = dir;
        }

        public boolean running() {
            return process != null && process.isAlive();
        }

        public long pid() {
            return process == null ? -1 : process.pid();
        }

        public InetSocketAddress clientAddress() {
            return new InetSocketAddress("127.0.0.1", clientPort);
        }
    }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    static final String NO_PARTITION = "a LocalCluster cannot partition its nodes: they are processes on one host's "
            + "loopback interface; partition needs --cluster testbed or ssh (SshCluster, TestbedCluster)";
    static final String NO_CLOCK = "a LocalCluster cannot skew its nodes' clocks: they share the host's clock, which the "
            + "suite never changes; clock needs --cluster testbed or ssh (SshCluster, TestbedCluster)";

    private final Path base;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final String classPath;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final int shards;

    private LocalCluster(Path base, String classPath, int shards) {
        this.base = base;
        this.classPath = classPath;
        this.shards = shards;
    }

    /** Writes configs for n nodes (f = (n-1)/2, 2 shards) under base; starts nothing yet. */
    public static LocalCluster create(Path base, int n) throws IOException {
        return create(base, n, 2);
    }

    /** Writes configs for n nodes (f = (n-1)/2) with the given number of shards under base; starts nothing yet. */
    public static LocalCluster create(Path base, int n, int shards) throws IOException {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, got " + shards);
        }
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        LocalCluster c = new LocalCluster(base, cp, shards);
        for (int id = 1; id <= n; id++) {
            int[] ports = freePorts(3);
            c.nodes.add(new NodeProcess(id, ports[0], ports[1], ports[2], base.resolve("n" + id)));
        }
        for (NodeProcess node : c.nodes) {
            Files.createDirectories(node.dir);
            Files.writeString(node.dir.resolve("tempokv.yaml"), c.config(node));
        }
        return c;
    }

    private String config(NodeProcess self) {
        StringBuilder sb = new StringBuilder();
        sb.append("node-id: ").append(self.id).append('\n');
        sb.append("cluster-id: local-").append(Integer.toHexString(base.hashCode())).append('\n');
        sb.append("data-dir: ").append(self.dir.resolve("data")).append('\n');
        sb.append("listen: 127.0.0.1\n");
        sb.append("shards: ").append(shards).append('\n');
        sb.append("f: ").append((nodes.size() - 1) / 2).append('\n');
        sb.append("members:\n");
        for (NodeProcess m : nodes) {
            sb.append("  - {id: ").append(m.id).append(", host: 127.0.0.1, client: ").append(m.clientPort)
                    .append(", peer: ").append(m.peerPort).append(", http: ").append(m.httpPort).append("}\n");
        }
        return sb.toString();
    }

    /** Ports handed out by this JVM, never handed out twice (a closed node's port may linger). */
    private static final java.util.Set<Integer> HANDED_OUT = new java.util.HashSet<>();
    private static final java.util.Random PORT_RANDOM = new java.util.Random();

    /**
     * Free loopback ports BELOW the kernel's ephemeral range. A port from bind(0) comes from that
     * range, so between our check and the node's own bind any outgoing connection (a health poll,
     * a peer link) could take it as its source port; the node then fails to bind and exits. That
     * race explains the one CI stall of a first write on a fresh cluster (issue 3): the client saw
     * no reachable endpoint, which is what a node that died at start-up looks like. Tests that bind a
     * port again after a while use these too: an ephemeral port can be taken meanwhile, also by a
     * connection to that very port (a TCP self-connect to a port nobody listens on).
     */
    public static synchronized int[] freePorts(int count) throws IOException {
        int[] range = ephemeralRange();
        int low = Math.max(10_000, range[0] - 12_000);
        int high = range[0] - 1;
        if (high - low < 1_000) {
            low = 10_000;
            high = 30_000;
        }
        int[] ports = new int[count];
        for (int i = 0, tries = 0; i < count; tries++) {
            if (tries > 10_000) {
                throw new IOException("no free loopback port found in " + low + ".." + high);
            }
            int p = low + PORT_RANDOM.nextInt(high - low + 1);
            if (HANDED_OUT.contains(p)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(false);
                s.bind(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), p), 1);
            } catch (IOException busy) {
                continue;
            }
            HANDED_OUT.add(p);
            ports[i++] = p;
        }
        return ports;
    }

    /**
     * The kernel's ephemeral port range (Linux). If it cannot be read, Linux's default range: the
     * IANA range used before put the nodes' ports inside Linux's ephemeral range once (a CI run
     * on 2026-12-02 handed out 42459..44752), where an outgoing connection took one of them
     * before the node could bind it.
     */
    private static int[] ephemeralRange() {
        // A FileInputStream, not Files: an NIO channel read fails when the thread's interrupt flag is set.
        try (java.io.InputStream in = new java.io.FileInputStream("/proc/sys/net/ipv4/ip_local_port_range")) {
            String[] parts = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).trim().split("\\s+");
            return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
        } catch (IOException | RuntimeException e) {
            return new int[] {32_768, 60_999};
        }
    }

    public List<NodeProcess> nodes() {
        return nodes;
    }

    /** The handles of the node processes running now (for their CPU time), in node order. */
    public List<ProcessHandle> processHandles() {
        List<ProcessHandle> out = new ArrayList<>();
        for (NodeProcess n : nodes) {
            if (n.process != null && n.process.isAlive()) {
                out.add(n.process.toHandle());
            }
        }
        return out;
    }

    @Override
    public Set<Capability> capabilities() {
        return Set.of(Capability.PROCESS);
    }

    /** Always throws: nodes on one loopback interface cannot be partitioned from each other. */
    @Override
    public void partition(Grudge grudge) {
        throw new UnsupportedOperationException(NO_PARTITION);
    }

    /** No partition can exist here, so there is nothing to heal. */
    @Override
    public void healPartition() {
        // nothing to do: partition always refuses
    }

    /** Always throws: the nodes share the host's clock, which the suite never changes. */
    @Override
    public void setClockOffsets(Map<Integer, Long> offsetSeconds) {
        throw new UnsupportedOperationException(NO_CLOCK);
    }

    /** Always throws, as {@link #setClockOffsets}. */
    @Override
    public void strobeClocks(List<Integer> nodes, long deltaSeconds, long periodMillis) {
        throw new UnsupportedOperationException(NO_CLOCK);
    }

    /** No clock was ever skewed here, so there is nothing to reset. */
    @Override
    public void resetClocks() {
        // nothing to do: setClockOffsets and strobeClocks always refuse
    }

    @Override
    public List<Integer> nodeIds() {
        return IntStream.rangeClosed(1, nodes.size()).boxed().toList();
    }

    public NodeProcess node(int id) {
        return nodes.get(id - 1);
    }

    @Override
    public List<InetSocketAddress> clientEndpoints() {
        return nodes.stream().map(NodeProcess::clientAddress).toList();
    }

    @Override
    public void startAll() throws IOException {
        for (NodeProcess n : nodes) {
            start(n.id);
        }
    }

    @Override
    public void start(int id) throws IOException {
        NodeProcess n = node(id);
        if (n.running()) {
            return;
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx384m", "-XX:+UseSerialGC", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "-cp", classPath,
                "io.tempokv.server.cli.Main", "server", "--config", n.dir.resolve("tempokv.yaml").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(n.dir.resolve("node.log").toFile()));
        n.process = pb.start();
        n.paused = false;
    }

    /** SIGKILL: no shutdown hook, no flush. */
    @Override
    public void kill(int id) throws InterruptedException {
        NodeProcess n = node(id);
        if (n.process != null) {
            n.process.destroyForcibly();
            n.process.waitFor(10, TimeUnit.SECONDS);
            n.process = null;
            n.paused = false;
        }
    }

    @Override
    public void pause(int id) throws IOException, InterruptedException {
        NodeProcess n = node(id);
        if (n.running() && !n.paused) {
            signal(n, "-STOP");
            n.paused = true;
        }
    }

    @Override
    public void resume(int id) throws IOException, InterruptedException {
        NodeProcess n = node(id);
        if (n.running() && n.paused) {
            signal(n, "-CONT");
            n.paused = false;
        }
    }

    /** Java has no SIGSTOP/SIGCONT API; kill(1) on the node's own pid is the narrowest tool. */
    private static void signal(NodeProcess n, String sig) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", sig, Long.toString(n.pid())).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IOException("kill " + sig + " " + n.pid() + " (node " + n.id + ") failed: " + output);
        }
    }

    @Override
    public void collectLogs(Path dir) throws IOException {
        for (NodeProcess n : nodes) {
            Path log = n.dir.resolve("node.log");
            if (Files.exists(log)) {
                Path to = dir.resolve("n" + n.id);
                Files.createDirectories(to);
                Files.copy(log, to.resolve("node.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /**
     * Waits until every running node reports /health ready; throws naming the nodes that are not,
     * or at once naming a node that exited on its own (it could not bind its ports, say).
     */
    @Override
    public void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        List<Integer> notReady = List.of();
        while (System.nanoTime() < deadline) {
            for (NodeProcess n : nodes) {
                if (n.process != null && !n.process.isAlive()) {
                    // started, not killed by us, and gone: a node that cannot start is an error, not "not running"
                    throw new IllegalStateException("node " + n.id + " exited with code " + n.process.exitValue()
                            + " while starting; last lines of " + n.dir.resolve("node.log") + ":\n" + tail(n.dir.resolve("node.log")));
                }
            }
            // every started node counts, even one that exits right after the check above: it is
            // never ready, so the next round reports it instead of this one skipping it
            notReady = nodes.stream().filter(n -> n.process != null).filter(n -> !ready(n)).map(n -> n.id).toList();
            if (notReady.isEmpty()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("nodes " + notReady + " not ready within " + READY_TIMEOUT + "; see their node.log under " + base);
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public Optional<URI> httpUri(int id) {
        return Optional.of(URI.create("http://127.0.0.1:" + node(id).httpPort + "/"));
    }

    private boolean ready(NodeProcess n) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(httpUri(n.id).orElseThrow().resolve("/health"))
                    .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops every node this cluster started (SIGTERM, then SIGKILL after a grace period). */
    @Override
    public void close() {
        for (NodeProcess n : nodes) {
            if (n.process != null && n.paused) {
                // a stopped process would not act on SIGTERM until the grace period ran out
                try {
                    resume(n.id);
                } catch (IOException e) {
                    n.process.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        for (NodeProcess n : nodes) {
            if (n.process != null) {
                n.process.destroy();
            }
        }
        for (NodeProcess n : nodes) {
            if (n.process != null) {
                try {
                    if (!n.process.waitFor(10, TimeUnit.SECONDS)) {
                        n.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    n.process.destroyForcibly();
                    Thread.currentThread().interrupt();
                }
                n.process = null;
            }
        }
    }
}
