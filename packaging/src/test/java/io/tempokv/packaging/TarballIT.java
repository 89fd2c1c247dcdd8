package io.tempokv.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** tempokv-&lt;version&gt;.tar.gz: its layout as stored, and the unpacked launcher and node actually running. */
class TarballIT {
    @TempDir
    static Path work;

    static String top;
    static List<TarListing.Entry> entries;
    /** the unpacked tempokv-&lt;version&gt;/ */
    static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        top = "tempokv-" + Packages.version();
        entries = TarListing.read(Packages.tarball());
        Path unpacked = Files.createDirectories(work.resolve("unpacked"));
        Packages.ok(unpacked, "tar", "-xzf", Packages.tarball().toString());
        home = unpacked.resolve(top);
    }

    private static TarListing.Entry entry(String relative) {
        String want = top + "/" + relative;
        return entries.stream().filter(e -> e.path().equals(want)).findFirst()
                .orElseGet(() -> fail("the tarball has no " + want + "; it has " + entries.stream().map(TarListing.Entry::name).toList()));
    }

    @Test
    void everyEntryIsUnderOneTopLevelDirectoryNamedAfterTheVersion() {
        Set<String> tops = entries.stream().map(e -> e.path().split("/", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(top), tops, "top-level names in the tarball");
        assertTrue(entries.stream().anyMatch(e -> e.path().equals(top) && e.isDirectory()),
                "the tarball stores the directory " + top + "/ itself");
        assertTrue(entries.stream().noneMatch(e -> e.path().contains("..") || e.name().startsWith("/")), "no absolute or .. paths");
    }

    @Test
    void requiredEntriesAreThereWithTheirModes() {
        TarListing.Entry launcher = entry("bin/tempokv");
        assertTrue(launcher.isFile(), "bin/tempokv is a regular file");
        assertEquals(0755, launcher.mode() & 07777, "bin/tempokv mode");
        for (String doc : List.of("README", "LICENSE", "THIRD-PARTY", "conf/tempokv.yaml", "conf/tempokv-example.yaml",
                "monitoring/tempokv-alerts.yml", "monitoring/tempokv-dashboard.json")) {
            TarListing.Entry e = entry(doc);
            assertTrue(e.isFile(), doc + " is a regular file");
            assertEquals(0644, e.mode() & 07777, doc + " mode");
            assertTrue(e.size() > 0, doc + " is not empty");
        }
        for (String dir : List.of("bin", "lib", "conf", "monitoring")) {
            TarListing.Entry e = entry(dir);
            assertTrue(e.isDirectory(), dir + " is a directory");
            assertEquals(0755, e.mode() & 07777, dir + "/ mode");
        }
    }

    @Test
    void libHoldsExactlyTheRuntimeClassPath() throws IOException {
        List<String> inTar = entries.stream().map(TarListing.Entry::path).filter(p -> p.startsWith(top + "/lib/"))
                .map(p -> p.substring((top + "/lib/").length())).sorted().toList();
        assertEquals(Packages.stagedJars(), inTar, "lib/ of the tarball against target/lib");
        assertTrue(inTar.stream().anyMatch(n -> n.startsWith("xodus-environment-")), "the storage engine is shipped");
    }

    @Test
    void licenseIsTheApacheLicenseOfTheRepository() throws IOException {
        String shipped = Files.readString(home.resolve("LICENSE"));
        assertEquals(Files.readString(Packages.basedir().resolve("../LICENSE")), shipped, "LICENSE is the repository's");
        assertTrue(shipped.contains("Apache License") && shipped.contains("Version 2.0, January 2004"), "Apache License 2.0");
    }

    @Test
    void helpRunsFromAnyDirectory() throws Exception {
        Path elsewhere = Files.createDirectories(work.resolve("elsewhere"));
        Packages.Result r = Packages.run(elsewhere, home.resolve("bin/tempokv").toString(), "--help");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.out().startsWith("usage: tempokv <command>"), r.describe());
        for (String command : List.of("server", "get", "put", "status")) {
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(command + " ")), "--help lists " + command + ": " + r.out());
        }
    }

    @Test
    void helpRunsThroughSymbolicLinks() throws Exception {
        // a relative link to an absolute link: the launcher must follow both to find lib/
        Path links = Files.createDirectories(work.resolve("links"));
        Files.createSymbolicLink(links.resolve("absolute"), home.resolve("bin/tempokv"));
        Files.createSymbolicLink(links.resolve("tempokv"), Path.of("absolute"));
        Packages.Result r = Packages.run(work, links.resolve("tempokv").toString(), "--help");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.out().startsWith("usage: tempokv <command>"), r.describe());
    }

    @Test
    void javaOptionsReachTheJvmAndTempokvJavaOptsComeLast() throws Exception {
        // -XshowSettings:properties prints the system properties to stderr before main runs
        Packages.Result r = Packages.run(work, Map.of("JAVA_OPTS", "-Dtempokv.probe=from-java-opts -Dtempokv.only-java-opts=yes",
                "TEMPOKV_JAVA_OPTS", "-XshowSettings:properties -Dtempokv.probe=from-tempokv-java-opts"), 120,
                home.resolve("bin/tempokv").toString(), "--help");
        assertEquals(0, r.exit(), r.describe());
        assertTrue(r.err().lines().anyMatch(l -> l.trim().equals("tempokv.probe = from-tempokv-java-opts")), r.describe());
        assertTrue(r.err().lines().anyMatch(l -> l.trim().equals("tempokv.only-java-opts = yes")), r.describe());
    }

    @Test
    void aJavaHomeWithoutJavaIsAClearError() throws Exception {
        Packages.Result r = Packages.run(work, Map.of("JAVA_HOME", work.resolve("no-such-jdk").toString()), 60,
                home.resolve("bin/tempokv").toString(), "--help");
        assertEquals(69, r.exit(), r.describe());
        assertTrue(r.err().contains("JAVA_HOME") && r.err().contains("is not an executable"), r.describe());
    }

    @Test
    void aLauncherWithoutItsJarsSaysTheInstallationIsIncomplete() throws Exception {
        Path partial = Files.createDirectories(work.resolve("partial/bin"));
        Files.createDirectories(work.resolve("partial/lib"));
        Path copy = Files.copy(home.resolve("bin/tempokv"), partial.resolve("tempokv"));
        Packages.Result r = Packages.run(work, copy.toString(), "--help");
        assertEquals(69, r.exit(), r.describe());
        assertTrue(r.err().contains("no jars in " + work.resolve("partial/lib").toRealPath()) && r.err().contains("incomplete"), r.describe());
    }

    @Test
    void shippedConfigIsASingleNodeOnLoopbackWithRelativeData() {
        NodeConfig c = ConfigLoader.load(home.resolve("conf/tempokv.yaml"));
        assertEquals(1, c.nodeId());
        assertEquals("127.0.0.1", c.listen());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals(1, c.members().size());
        assertTrue(c.fsync());
    }

    /** The unpacked tarball alone runs a node (Xodus needs the launcher's --add-opens) and serves clients. */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theUnpackedTarballRunsANodeThatServesClients() throws Exception {
        int[] ports = freePorts(3);
        Path run = Files.createDirectories(work.resolve("node"));
        Files.writeString(run.resolve("node.yaml"), "data-dir: ./node-data\nlisten: 127.0.0.1\nports: {client: " + ports[0]
                + ", peer: " + ports[1] + ", http: " + ports[2] + "}\n");
        String launcher = home.resolve("bin/tempokv").toString();
        Process node = new ProcessBuilder(launcher, "server", "--config", "node.yaml").directory(run.toFile())
                .redirectError(run.resolve("node.err").toFile()).start();
        try {
            CompletableFuture<String> serving = CompletableFuture.supplyAsync(() -> firstLine(node));
            String line = serving.get(90, TimeUnit.SECONDS);
            assertTrue(line != null && line.contains("serving clients on 127.0.0.1:" + ports[0]),
                    "first line of the node: " + line + "\nstderr:\n" + Files.readString(run.resolve("node.err")));
            String endpoints = "127.0.0.1:" + ports[0];
            Packages.Result put = Packages.run(work, Map.of(), 150, launcher, "put", "packaged", "works", "--endpoints", endpoints);
            assertEquals(0, put.exit(), put.describe());
            Packages.Result get = Packages.run(work, Map.of(), 60, launcher, "get", "packaged", "--endpoints", endpoints);
            assertEquals(0, get.exit(), get.describe());
            assertEquals("works", get.out().trim());
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[2] + "/health")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(Files.isDirectory(run.resolve("node-data/shard-0")), "data-dir is relative to the server's working directory");
        } finally {
            node.destroy(); // SIGTERM: the node's shutdown hook closes its stores
            if (!node.waitFor(60, TimeUnit.SECONDS)) {
                node.destroyForcibly();
                fail("the node did not stop within 60 s of SIGTERM");
            }
        }
        String err = Files.readString(run.resolve("node.err"));
        assertFalse(err.contains("InaccessibleObjectException") || err.contains("illegal reflective access"), err);
        assertTrue(node.exitValue() == 143 || node.exitValue() == 0, "exit after SIGTERM: " + node.exitValue() + "\n" + err);
    }

    /**
     * class-archive writes an archive that a node started by the launcher maps. With -Xshare:on the
     * JVM refuses to start unless it maps the archive it is given, so `server --help` exiting 0
     * shows the launcher passed it and it fits; a damaged one must then stop the JVM (else that
     * check could not fail), and without -Xshare:on a damaged one only costs a warning.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void classArchiveWritesAnArchiveTheNodeMaps() throws Exception {
        String launcher = home.resolve("bin/tempokv").toString();
        Path dir = Files.createDirectories(work.resolve("cds"));
        Path archive = dir.resolve("classes.jsa");
        Packages.Result made = Packages.run(work, Map.of(), 240, launcher, "class-archive", archive.toString());
        assertEquals(0, made.exit(), made.describe());
        assertTrue(made.out().contains("wrote " + archive), made.describe());
        assertTrue(Files.size(archive) > 1 << 20, "an archive of a node's classes is megabytes, got " + Files.size(archive) + " bytes");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(archive), files.toList(), "nothing but the archive is left behind");
        }

        Packages.Result mapped = Packages.run(work, Map.of("TEMPOKV_CLASS_ARCHIVE", archive.toString(), "JAVA_OPTS", "-Xshare:on"), 120,
                launcher, "server", "--help");
        assertEquals(0, mapped.exit(), mapped.describe());

        Path damaged = Files.write(dir.resolve("damaged.jsa"), new byte[4096]);
        Packages.Result refused = Packages.run(work, Map.of("TEMPOKV_CLASS_ARCHIVE", damaged.toString(), "JAVA_OPTS", "-Xshare:on"), 120,
                launcher, "server", "--help");
        assertTrue(refused.exit() != 0, "-Xshare:on with a damaged archive must stop the JVM: " + refused.describe());
        Packages.Result tolerated = Packages.run(work, Map.of("TEMPOKV_CLASS_ARCHIVE", damaged.toString()), 120,
                launcher, "server", "--help");
        assertEquals(0, tolerated.exit(), "a damaged archive costs a warning, not the start: " + tolerated.describe());

        Packages.Result noFile = Packages.run(work, Map.of(), 60, launcher, "class-archive");
        assertEquals(64, noFile.exit(), noFile.describe());
        assertTrue(noFile.err().contains("expected one argument"), noFile.describe());
        Path nowhere = dir.resolve("no/such/dir/classes.jsa");
        Packages.Result noDir = Packages.run(work, Map.of(), 60, launcher, "class-archive", nowhere.toString());
        assertEquals(64, noDir.exit(), noDir.describe());
        assertTrue(noDir.err().contains(nowhere.getParent() + " is not a writable directory"), noDir.describe());
    }

    private static String firstLine(Process p) {
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            // keep draining so the node never blocks on a full pipe
            Thread drain = new Thread(() -> {
                try {
                    while (r.readLine() != null) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // the node went away
                }
            }, "node-stdout");
            drain.setDaemon(true);
            drain.start();
            return line;
        } catch (IOException e) {
            return "(stdout unreadable: " + e + ")";
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } finally {
            for (ServerSocket s : sockets) {
                s.close();
            }
        }
    }
}
