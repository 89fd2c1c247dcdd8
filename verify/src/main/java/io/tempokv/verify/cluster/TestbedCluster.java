package io.tempokv.verify.cluster;

import io.tempokv.verify.Verify;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The test nodes made by {@code TESTBED_ID=k testbed/up --nodes N} as an {@link SshCluster}: reads
 * the files testbed/up writes into {@code /var/lib/tempokv-testbed/<k>/}, {@code nodes.txt}
 * ({@code n1 10.77.k.11} a line) and {@code ssh_config} (Host n1.., root, the testbed's key), and
 * uses the first n nodes. The testbed must be up; this class never starts or stops it.
 */
public final class TestbedCluster {
    /** Where testbed/up keeps each testbed's state: {@code <root>/<k>/}. */
    public static final Path STATE_ROOT = Path.of("/var/lib/tempokv-testbed");

    /**
     * The node JVMs' options on test nodes, which share the machine's cores and memory: as the
     * local cluster's nodes (small heap, serial GC), and exit on running out of memory.
     */
    public static final String NODE_JAVA_OPTIONS = "-Xmx384m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError";

    private TestbedCluster() {
    }

    /** The state directory of testbed k. */
    public static Path stateDir(int testbedId) {
        if (testbedId < 0 || testbedId > 9) {
            throw new IllegalArgumentException("a testbed id is 0..9, got " + testbedId);
        }
        return STATE_ROOT.resolve(Integer.toString(testbedId));
    }

    /**
     * The first {@code nodes} hosts of testbed k, with its ssh_config set in the options (and
     * {@link #NODE_JAVA_OPTIONS} unless the options give others). Nothing is run on them yet.
     *
     * @throws IOException when the testbed is not up or has fewer nodes, saying how to bring it up
     */
    public static SshCluster create(int testbedId, int nodes, SshCluster.Options options, PrintStream log) throws IOException {
        return SshCluster.create(hosts(stateDir(testbedId), testbedId, nodes), options(stateDir(testbedId), options), log);
    }

    /** As {@link #create(int, int, SshCluster.Options, PrintStream)}, with commands run by {@code runner} (tests). */
    static SshCluster create(Path stateDir, int testbedId, int nodes, SshCluster.Options options, CommandRunner runner, PrintStream log)
            throws IOException {
        return SshCluster.create(hosts(stateDir, testbedId, nodes), options(stateDir, options), runner, log);
    }

    /**
     * For {@link Verify#run}: creates the cluster over testbed k's first n nodes and sets it up
     * (installs {@code options.deb()} when given, wipes, configures). Verify closes it.
     */
    public static Verify.ClusterFactory factory(int testbedId, SshCluster.Options options, PrintStream log) {
        return (base, n) -> SshCluster.setUpOrClose(create(testbedId, n, options, log));
    }

    private static SshCluster.Options options(Path stateDir, SshCluster.Options options) {
        SshCluster.Options o = options.withSshConfig(stateDir.resolve("ssh_config"));
        return o.nodeJavaOptions() == null ? o.withNodeJavaOptions(NODE_JAVA_OPTIONS) : o;
    }

    static List<SshCluster.Host> hosts(Path stateDir, int testbedId, int nodes) throws IOException {
        Path list = stateDir.resolve("nodes.txt");
        Path config = stateDir.resolve("ssh_config");
        String up = "TESTBED_ID=" + testbedId + " testbed/up --nodes " + nodes;
        if (!Files.isRegularFile(list) || !Files.isRegularFile(config)) {
            throw new IOException("testbed " + testbedId + " is not up: " + (Files.isRegularFile(list) ? config : list)
                    + " is missing (bring it up with: " + up + ")");
        }
        List<SshCluster.Host> hosts = new ArrayList<>();
        for (String line : Files.readAllLines(list)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && !f[0].startsWith("#")) {
                hosts.add(new SshCluster.Host(f[0], f[1]));
            }
        }
        if (hosts.size() < nodes) {
            throw new IOException("testbed " + testbedId + " has " + hosts.size() + " nodes (" + list + "), the run needs " + nodes
                    + " (grow it with: " + up + ")");
        }
        return hosts.subList(0, nodes);
    }
}
