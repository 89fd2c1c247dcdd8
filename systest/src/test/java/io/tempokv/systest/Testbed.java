package io.tempokv.systest;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The Debian test nodes of testbed/, shared by every test class of a run: brought up once (five
 * nodes, TESTBED_ID 7 so that a developer's own testbed 0 is left alone), from scratch (whatever
 * an interrupted earlier run left of testbed 7 is removed first), and taken down when the run
 * ends. Commands reach the nodes over SSH with the generated ssh_config, as they would reach VMs.
 */
final class Testbed implements AutoCloseable, ExtensionContext.Store.CloseableResource {
    static final int ID = Integer.getInteger("tempokv.testbed.id", 7);
    static final int NODES = 5;

    /** One command's outcome on a node. */
    record Result(int exit, String out, String err) {
        Result orThrow(String what) {
            if (exit != 0) {
                throw new IllegalStateException(what + " failed with exit " + exit + ": " + err.strip() + " " + out.strip());
            }
            return this;
        }
    }

    final Path repo;
    final Path sshConfig;
    final Path inventory;
    final List<String> names;
    final List<String> ips;
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Testbed(Path repo, Map<String, String> env) {
        this.repo = repo;
        this.env = env;
        this.sshConfig = Path.of(env.get("TESTBED_SSH_CONFIG"));
        this.inventory = Path.of(env.get("TESTBED_INVENTORY"));
        this.names = List.of(env.get("TESTBED_NODES").split(" "));
        this.ips = List.of(env.get("TESTBED_NODE_IPS").split(" "));
    }

    /** The run's testbed; skips the calling test (with the reason on the console) when this machine cannot host one. */
    static Testbed get(ExtensionContext context) {
        requireHost();
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent("tempokv-testbed", k -> up(), Testbed.class);
    }

    static Path repo() {
        return Path.of(System.getProperty("tempokv.repo", "..")).toAbsolutePath().normalize();
    }

    /** The version in the package file names: the Maven version with '-' turned into '~' (packaging/README.md). */
    static String packageVersion() {
        return System.getProperty("tempokv.version", "*").replace('-', '~');
    }

    /** The .deb and tarball the packaging module built in this run. */
    static Path packageFile(String glob) throws IOException {
        Path dir = Path.of(System.getProperty("tempokv.packages", "../packaging/target")).toAbsolutePath().normalize();
        try (var s = Files.newDirectoryStream(dir, glob)) {
            List<Path> found = new ArrayList<>();
            s.forEach(found::add);
            if (found.size() != 1) {
                throw new IllegalStateException("expected one " + glob + " in " + dir + " (built by the packaging module), found " + found
                        + "; run mvn verify from the repository root");
            }
            return found.get(0);
        }
    }

    static void requireHost() {
        skipUnless(System.getProperty("os.name").equals("Linux"), "the test nodes need Linux namespaces");
        skipUnless("root".equals(System.getProperty("user.name")), "the test nodes need root (CI runs as root)");
        for (String tool : List.of("debootstrap", "unshare", "ip", "ssh", "iptables")) {
            skipUnless(onPath(tool), tool + " is not installed (.ci/run installs it with apt)");
        }
    }

    static void skipUnless(boolean ok, String why) {
        if (!ok) {
            System.out.println("SKIPPED (systest): " + why);
        }
        assumeTrue(ok, why);
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    private static Testbed up() {
        Path repo = repo();
        long t0 = System.nanoTime();
        // Start from nothing: testbed/up keeps the disks of nodes it finds crashed, so a run that was
        // interrupted (a stopped session, a killed JVM) would hand its installed packages and data
        // to this one. The classes build on each other's state and need fresh nodes.
        script(repo, Duration.ofMinutes(5), "down").orThrow("testbed/down before the run (TESTBED_ID=" + ID + ")");
        System.out.printf("systest: testbed %d cleared in %.1f s%n", ID, (System.nanoTime() - t0) / 1e9);
        Result r = script(repo, Duration.ofMinutes(20), "up", "--nodes", Integer.toString(NODES), "--quiet");
        r.orThrow("testbed/up --nodes " + NODES + " (TESTBED_ID=" + ID + ")");
        Result envOut = script(repo, Duration.ofSeconds(30), "env").orThrow("testbed/env");
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : envOut.out().split("\n")) {
            line = line.strip();
            if (line.startsWith("export ")) {
                String kv = line.substring("export ".length());
                int eq = kv.indexOf('=');
                String v = kv.substring(eq + 1);
                if (v.length() >= 2 && (v.startsWith("'") && v.endsWith("'") || v.startsWith("\"") && v.endsWith("\""))) {
                    v = v.substring(1, v.length() - 1);
                }
                env.put(kv.substring(0, eq), v);
            }
        }
        System.out.printf("systest: testbed %d up with %d nodes in %.1f s%n", ID, NODES, (System.nanoTime() - t0) / 1e9);
        Testbed tb = new Testbed(repo, env);
        tb.assertPristine();
        return tb;
    }

    /** Every node is as testbed/up makes it: no tempokv package, data, process or unpacked tarball. */
    void assertPristine() {
        for (int i = 1; i <= NODES; i++) {
            Result r = ssh(i, "dpkg -s tempokv >/dev/null 2>&1 && echo package; test -e /var/lib/tempokv && echo data; "
                    + "test -e /opt/tk && echo tarball; pgrep -f '[i]o.tempokv.server' >/dev/null && echo process; true");
            r.orThrow("checking that " + name(i) + " is fresh");
            if (!r.out().isBlank()) {
                throw new IllegalStateException(name(i) + " is not fresh after testbed/down + up (found: "
                        + r.out().strip().replace('\n', ' ') + "); its overlay was kept from an earlier run");
            }
        }
    }

    /** One of the testbed/ scripts for this run's TESTBED_ID. */
    private static Result script(Path repo, Duration timeout, String name, String... args) {
        List<String> cmd = new ArrayList<>(List.of(repo.resolve("testbed/" + name).toString()));
        cmd.addAll(List.of(args));
        return run(cmd, Map.of("TESTBED_ID", Integer.toString(ID)), timeout);
    }

    /** Runs a local command; never throws on a non-zero exit (see {@link Result#orThrow}). */
    static Result run(List<String> cmd, Map<String, String> extraEnv, Duration timeout) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putAll(extraEnv);
            Path out = Files.createTempFile("systest-out", ".txt");
            Path err = Files.createTempFile("systest-err", ".txt");
            pb.redirectOutput(out.toFile());
            pb.redirectError(err.toFile());
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout + "; output so far: "
                        + Files.readString(out) + Files.readString(err));
            }
            Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            return r;
        } catch (IOException e) {
            throw new IllegalStateException("could not run " + cmd + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + cmd, e);
        }
    }

    /** Environment for tools that use the testbed (ansible-playbook, the testbed scripts). */
    Map<String, String> env() {
        return env;
    }

    String name(int i) {
        return names.get(i - 1);
    }

    String ip(int i) {
        return ips.get(i - 1);
    }

    InetSocketAddress client(int i) {
        return new InetSocketAddress(ip(i), 7400);
    }

    /** A shell command as root on node i (1-based). */
    Result ssh(int i, String command) {
        return ssh(i, command, Duration.ofMinutes(3));
    }

    Result ssh(int i, String command, Duration timeout) {
        return run(List.of("ssh", "-F", sshConfig.toString(), name(i), command), Map.of(), timeout);
    }

    void copyTo(int i, Path local, String remote) {
        run(List.of("scp", "-q", "-F", sshConfig.toString(), local.toString(), name(i) + ":" + remote), Map.of(), Duration.ofMinutes(3))
                .orThrow("scp " + local + " to " + name(i) + ":" + remote);
    }

    /** GET http://node:port/path; -1 when nothing answers. */
    int httpStatus(int i, int port, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + ip(i) + ":" + port + path)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** GET http://node:port/path: the status and the body; status -1 and an empty body when nothing answers. */
    Result httpGet(int i, int port, String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip(i) + ":" + port + path))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return new Result(r.statusCode(), r.body(), "");
        } catch (IOException e) {
            return new Result(-1, "", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "", e.toString());
        }
    }

    /** Waits until /health answers 200 on each given node; fails naming the ones that did not. */
    void awaitHealthy(Duration timeout, int... nodes) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Integer> waiting = new ArrayList<>(Arrays.stream(nodes).boxed().toList());
        while (true) {
            waiting.removeIf(i -> httpStatus(i, 7600, "/health") == 200);
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                StringBuilder logs = new StringBuilder();
                for (int i : waiting) {
                    logs.append("\n--- ").append(name(i)).append(" /var/log/tempokv/tempokv.log (tail)\n")
                            .append(ssh(i, "tail -n 30 /var/log/tempokv/tempokv.log 2>&1").out());
                }
                throw new AssertionError("nodes " + waiting + " not healthy within " + timeout + logs);
            }
            Thread.sleep(250);
        }
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        Result r = script(repo, Duration.ofMinutes(5), "down");
        System.out.println("systest: testbed/down (TESTBED_ID=" + ID + ") exit " + r.exit());
    }
}
