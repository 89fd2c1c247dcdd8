package io.tempokv.server.cli;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import io.tempokv.server.node.Node;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code tempokv class-archive FILE}: writes a class-data-sharing archive (the JVM's dynamic CDS,
 * Java 17) of the classes a node and a client load. The launcher maps it when it starts a node
 * ({@code TEMPOKV_CLASS_ARCHIVE}), so the JVM neither reads nor verifies those classes again:
 * issue 13 wants a restarted node to answer /health within 3 s, and on a busy 2-core host loading
 * classes was half of the start (docs/results.md, "Start-up time").
 *
 * <p>The archive is made by a child JVM started with {@code -XX:ArchiveClassesAtExit}; it runs a
 * one-node cluster on 127.0.0.1 (free ports, a temporary data directory), does a put, a get and a
 * status through the client, stops and exits, and the JVM writes what it loaded. The child uses
 * this JVM and this class path (made absolute), which is what makes the archive usable by a node
 * started the same way (the JVM ignores, with a warning, an archive made by another Java build or
 * for other jars, or for the same jars at other paths).
 */
final class ClassArchiveCommand implements Main.Command {
    /** The child's own argument: run the training instead of writing an archive. */
    static final String TRAIN = "--train-in";
    private static final long CHILD_TIMEOUT_SECONDS = 180;

    @Override
    public String summary() {
        return "write a class-data-sharing archive that makes a node start faster (TEMPOKV_CLASS_ARCHIVE)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 2 && args[0].equals(TRAIN)) {
            return train(Path.of(args[1]), err);
        }
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println("usage: tempokv class-archive FILE");
            out.println(summary() + ".");
            out.println("Runs a one-node cluster on 127.0.0.1 in a temporary directory in a child JVM and writes the classes it"
                    + " loaded to FILE (replaced atomically). The launcher starts `tempokv server` with the archive when the"
                    + " environment variable TEMPOKV_CLASS_ARCHIVE names it (the Debian package makes"
                    + " /var/cache/tempokv/classes.jsa at installation and uses it). Remake it after upgrading Java: the JVM"
                    + " ignores an archive made by another Java build, with a warning.");
            out.println("Exit codes: 0 written, 64 usage, 69 the child JVM failed (its output is shown).");
            return Main.EXIT_OK;
        }
        if (args.length != 1 || args[0].startsWith("-")) {
            err.println("tempokv class-archive: expected one argument, the archive file to write (e.g. /var/cache/tempokv/classes.jsa)");
            return Main.EXIT_USAGE;
        }
        Path target = Path.of(args[0]).toAbsolutePath();
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
            err.println("tempokv class-archive: cannot write " + target + ": " + dir + " is not a writable directory; create it"
                    + " or choose another place");
            return Main.EXIT_USAGE;
        }
        try {
            return write(target, out, err);
        } catch (IOException e) {
            err.println("tempokv class-archive: " + e.getMessage());
            return Main.EXIT_START;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_START;
        }
    }

    private int write(Path target, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path work = Files.createTempDirectory("tempokv-class-archive");
        Path partial = target.resolveSibling(target.getFileName() + ".partial-" + ProcessHandle.current().pid());
        try {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-XX:ArchiveClassesAtExit=" + partial);
            // Classes CDS cannot archive (old class-file versions in dependencies) are only skipped.
            cmd.add("-Xlog:cds=off");
            cmd.add("-Xlog:cds+dynamic=off");
            cmd.add("--add-opens");
            cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
            cmd.add("-cp");
            cmd.add(absoluteClassPath());
            cmd.add(Main.class.getName());
            cmd.add("class-archive");
            cmd.add(TRAIN);
            cmd.add(work.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            ByteArrayOutputStream output = new ByteArrayOutputStream();
            Thread drain = new Thread(() -> copy(p.getInputStream(), output), "class-archive-output");
            drain.start();
            if (!p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                drain.join();
                err.println("tempokv class-archive: the child JVM did not finish within " + CHILD_TIMEOUT_SECONDS + " s; its output:");
                err.print(output.toString(StandardCharsets.UTF_8));
                return Main.EXIT_START;
            }
            drain.join();
            if (p.exitValue() != 0 || !Files.isRegularFile(partial) || Files.size(partial) == 0) {
                err.println("tempokv class-archive: the child JVM exited with " + p.exitValue()
                        + (Files.isRegularFile(partial) ? "" : " and wrote no archive") + "; its output:");
                err.print(output.toString(StandardCharsets.UTF_8));
                return Main.EXIT_START;
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            out.printf("tempokv class-archive: wrote %s (%.1f MiB); a node started with TEMPOKV_CLASS_ARCHIVE=%s maps it%n",
                    target, Files.size(target) / 1048576.0, target);
            return Main.EXIT_OK;
        } finally {
            Files.deleteIfExists(partial);
            deleteTree(work);
        }
    }

    /**
     * This JVM's class path with every entry made absolute: the archive records the entries as
     * given, and a node started from another directory (the launcher gives absolute ones) could
     * not use an archive made with relative ones.
     */
    static String absoluteClassPath() {
        List<String> entries = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!e.isEmpty()) {
                entries.add(Path.of(e).toAbsolutePath().normalize().toString());
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }

    /** The child's part: a one-node cluster in {@code dir}, a put, a get and a status, then stop. */
    private static int train(Path dir, PrintStream err) {
        try {
            int[] ports = freePorts(3);
            Path config = dir.resolve("node.yaml");
            Files.writeString(config, "node-id: 1\n"
                    + "data-dir: " + dir.resolve("data") + "\n"
                    + "members:\n"
                    + "  - {id: 1, host: 127.0.0.1, client: " + ports[0] + ", peer: " + ports[1] + ", http: " + ports[2] + "}\n");
            NodeConfig c = ConfigLoader.load(config);
            try (Node node = Node.start(c);
                 TempoClient client = TempoClient.connect(List.of(new InetSocketAddress("127.0.0.1", ports[0])),
                         ClientOptions.defaults())) {
                client.put("class-archive", "training").get(30, TimeUnit.SECONDS);
                Optional<String> v = client.get("class-archive").get(30, TimeUnit.SECONDS);
                client.status().get(30, TimeUnit.SECONDS);
                if (!v.equals(Optional.of("training"))) {
                    err.println("class-archive training: read " + v + " after writing 'training'");
                    return Main.EXIT_INTERNAL;
                }
                node.health();
            }
            return Main.EXIT_OK;
        } catch (Exception e) {
            err.println("class-archive training failed: " + e);
            e.printStackTrace(err);
            return Main.EXIT_INTERNAL;
        }
    }

    private static int[] freePorts(int n) throws IOException {
        List<ServerSocket> held = new ArrayList<>();
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                held.add(s);
                ports[i] = s.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }

    private static void copy(InputStream in, ByteArrayOutputStream to) {
        try (in) {
            in.transferTo(to);
        } catch (IOException e) {
            // the child is gone; what was read is kept
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
