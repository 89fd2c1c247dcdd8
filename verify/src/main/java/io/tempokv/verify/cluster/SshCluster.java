package io.tempokv.verify.cluster;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * tempokv nodes on hosts reached over SSH: test nodes ({@link TestbedCluster}) or real machines with
 * the Debian package. Every action is a command run as {@code ssh [-F config] HOST -- SCRIPT}
 * through a {@link CommandRunner}, with a timeout; a failure names the host, the command and its
 * stderr. Node {@code i} is the i-th host.
 *
 * <p>What it does on a node, and where (the Debian package's layout):
 * <ul>
 *   <li>{@link #setUp()}: stops a node left running, installs the .deb if one was given ({@code scp},
 *       then {@code apt-get install} of the file, which needs nothing from the network when the
 *       dependencies are installed), deletes the data in {@value #DATA_DIR}, empties the log, writes
 *       {@value #CONFIG} (this node's id, every member by address, listen 0.0.0.0) and a marked
 *       block in {@value #DEFAULTS} (JVM options; for clock faults, libfaketime's settings).</li>
 *   <li>Service control through the init script or systemd, detected once per host: systemd when
 *       {@code systemctl is-system-running} reports a running system, the init script otherwise.
 *       On systemd hosts a runtime drop-in sets {@code Restart=no}, so a killed node stays down.</li>
 *   <li>Kill, pause and resume signal the node's own pid ({@value #PID_FILE}, or systemd's MainPID;
 *       kill on systemd is {@code systemctl kill --signal=KILL}): never a process name.</li>
 *   <li>Partitions: iptables rules in a chain of their own, {@value #CHAIN}, hooked first in INPUT;
 *       each node drops packets from the addresses its grudge names. Healing flushes only that
 *       chain. Only incoming packets are dropped, which kills TCP links both ways, as Jepsen does.</li>
 *   <li>Clocks: libfaketime preloaded into the node's JVM only, reading its offset from
 *       {@value #FAKETIME_FILE}; the host's clock is never touched. See {@link #defaultsBlock}.</li>
 * </ul>
 * Readiness and the clocks the nodes see are checked from the control machine over HTTP.
 */
public final class SshCluster implements Cluster {
    /** A host: the name ssh uses, and the address the nodes and clients reach it at. */
    public record Host(String name, String address) {
        public Host {
            if (name == null || name.isBlank() || address == null || address.isBlank()) {
                throw new IllegalArgumentException("a host needs a name and an address, got '" + name + "', '" + address + "'");
            }
        }
    }

    /**
     * How to reach the hosts and what to put on them.
     *
     * @param sshConfig       ssh's {@code -F} file; null for ssh's defaults
     * @param user            the remote user (root, or one that may run apt-get, iptables and the service); null: as configured
     * @param identity        ssh's {@code -i} key; null: as configured
     * @param deb             the package to install in {@link #setUp()}; null: use the installed one
     * @param nodeJavaOptions TEMPOKV_JAVA_OPTS for the nodes; null: the package's default
     * @param clockFaults     preload libfaketime into the nodes, so clock faults work (costs ~0.2 us per wall-clock read)
     * @param commandTimeout  for every command but the install
     * @param installTimeout  for copying and installing the package
     * @param readyTimeout    for {@link #awaitReady()}
     */
    public record Options(Path sshConfig, String user, Path identity, Path deb, String nodeJavaOptions, boolean clockFaults,
                          Duration commandTimeout, Duration installTimeout, Duration readyTimeout) {
        public Options {
            if (nodeJavaOptions != null && (nodeJavaOptions.contains("\"") || nodeJavaOptions.contains("\\")
                    || nodeJavaOptions.contains("$") || nodeJavaOptions.contains("`") || nodeJavaOptions.contains("\n"))) {
                throw new IllegalArgumentException("node JVM options may not contain quotes, backslashes, $, ` or newlines: "
                        + nodeJavaOptions);
            }
        }

        public static Options defaults() {
            return new Options(null, null, null, null, null, false, Duration.ofSeconds(90), Duration.ofMinutes(10), Duration.ofMinutes(2));
        }

        public Options withSshConfig(Path p) {
            return new Options(p, user, identity, deb, nodeJavaOptions, clockFaults, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withUser(String u) {
            return new Options(sshConfig, u, identity, deb, nodeJavaOptions, clockFaults, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withIdentity(Path i) {
            return new Options(sshConfig, user, i, deb, nodeJavaOptions, clockFaults, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withDeb(Path d) {
            return new Options(sshConfig, user, identity, d, nodeJavaOptions, clockFaults, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withNodeJavaOptions(String o) {
            return new Options(sshConfig, user, identity, deb, o, clockFaults, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withClockFaults(boolean c) {
            return new Options(sshConfig, user, identity, deb, nodeJavaOptions, c, commandTimeout, installTimeout, readyTimeout);
        }

        public Options withReadyTimeout(Duration t) {
            return new Options(sshConfig, user, identity, deb, nodeJavaOptions, clockFaults, commandTimeout, installTimeout, t);
        }
    }

    /** How a host runs services. */
    enum Init { SYSV, SYSTEMD }

    public static final int CLIENT_PORT = 7400;
    public static final int PEER_PORT = 7500;
    public static final int HTTP_PORT = 7600;
    public static final String CHAIN = "TEMPOKV-NEMESIS";
    public static final String LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
    public static final String FAKETIME_FILE = "/etc/tempokv/faketime";
    static final String PID_FILE = "/run/tempokv.pid";
    static final String INIT_SCRIPT = "/etc/init.d/tempokv";
    static final String CONFIG = "/etc/tempokv/tempokv.yaml";
    static final String DEFAULTS = "/etc/default/tempokv";
    static final String DATA_DIR = "/var/lib/tempokv";
    static final String LOG = "/var/log/tempokv/tempokv.log";
    static final String STROBE_PID = "/run/tempokv-verify-strobe.pid";
    static final String DROP_IN_DIR = "/run/systemd/system/tempokv.service.d";
    static final String DROP_IN = DROP_IN_DIR + "/tempokv-verify.conf";
    static final String REMOTE_DEB = "/tmp/tempokv-verify.deb";
    static final String BLOCK_BEGIN = "# BEGIN tempokv-verify";
    static final String BLOCK_END = "# END tempokv-verify";
    static final String CLUSTER_ID = "tempokv-verify";
    private static final Duration SHORT = Duration.ofSeconds(20);

    private final List<Host> hosts;
    private final Options options;
    private final CommandRunner runner;
    private final PrintStream log;
    private final Init[] init;
    private final boolean[] running;
    private final boolean[] paused;
    private final long[] logSince;
    private final ExecutorService pool;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private SshCluster(List<Host> hosts, Options options, CommandRunner runner, PrintStream log) {
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("an SshCluster needs at least one host");
        }
        this.hosts = List.copyOf(hosts);
        this.options = options;
        this.runner = runner;
        this.log = log;
        int n = hosts.size() + 1;
        this.init = new Init[n];
        this.running = new boolean[n];
        this.paused = new boolean[n];
        this.logSince = new long[n];
        this.pool = Executors.newFixedThreadPool(hosts.size(), r -> {
            Thread t = new Thread(r, "ssh-cluster");
            t.setDaemon(true);
            return t;
        });
    }

    /** A cluster over the hosts (node i is hosts[i-1]); nothing runs on them until {@link #setUp()}. */
    public static SshCluster create(List<Host> hosts, Options options, PrintStream log) {
        return new SshCluster(hosts, options, CommandRunner.processes(), log);
    }

    /** As {@link #create(List, Options, PrintStream)}, with the commands run by {@code runner} (tests). */
    public static SshCluster create(List<Host> hosts, Options options, CommandRunner runner, PrintStream log) {
        return new SshCluster(hosts, options, runner, log);
    }

    /**
     * For {@link io.tempokv.verify.Verify#run}: creates the cluster over the hosts and sets it up
     * (installs {@code options.deb()} when given, wipes, configures). Verify closes it.
     */
    public static io.tempokv.verify.Verify.ClusterFactory factory(List<Host> hosts, Options options, PrintStream log) {
        return (base, n) -> {
            if (n != hosts.size()) {
                throw new IllegalArgumentException("the run wants " + n + " nodes but " + hosts.size() + " hosts were given");
            }
            return setUpOrClose(create(hosts, options, log));
        };
    }

    /** Sets the cluster up, closing it (which stops what was started and cleans up) if that fails. */
    static SshCluster setUpOrClose(SshCluster c) throws IOException {
        try {
            c.setUp();
            return c;
        } catch (InterruptedException e) {
            c.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while setting the hosts up");
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /**
     * Hosts from {@code name} or {@code name=address} specs; a name without an address gets the
     * host name ssh would connect to ({@code ssh -G}), so an ssh_config's HostName lines count.
     */
    public static List<Host> resolveHosts(List<String> specs, Options options, CommandRunner runner)
            throws IOException, InterruptedException {
        List<Host> out = new ArrayList<>();
        for (String spec : specs) {
            String s = spec.trim();
            int eq = s.indexOf('=');
            if (eq >= 0) {
                out.add(new Host(s.substring(0, eq), s.substring(eq + 1)));
                continue;
            }
            List<String> argv = new ArrayList<>(List.of("ssh"));
            argv.addAll(sshOptions(options));
            argv.addAll(List.of("-G", s));
            CommandRunner.Result r = runner.run(new CommandRunner.Command(argv, null, null, SHORT));
            if (r.exitCode() != 0) {
                throw new IOException("cannot find the address of host " + s + ": `" + String.join(" ", argv) + "` exited with "
                        + r.exitCode() + ": " + r.stderr().strip());
            }
            String address = r.stdout().lines().filter(l -> l.startsWith("hostname ")).map(l -> l.substring(9).trim())
                    .findFirst().orElse(s);
            out.add(new Host(s, address));
        }
        return out;
    }

    public List<Host> hosts() {
        return hosts;
    }

    public Options options() {
        return options;
    }

    public Host host(int id) {
        if (id < 1 || id > hosts.size()) {
            throw new IllegalArgumentException("no node " + id + "; nodes are 1.." + hosts.size());
        }
        return hosts.get(id - 1);
    }

    @Override
    public Set<Capability> capabilities() {
        return options.clockFaults() ? EnumSet.allOf(Capability.class) : EnumSet.of(Capability.PROCESS, Capability.NETWORK);
    }

    @Override
    public List<Integer> nodeIds() {
        return IntStream.rangeClosed(1, hosts.size()).boxed().toList();
    }

    @Override
    public List<InetSocketAddress> clientEndpoints() {
        return hosts.stream().map(h -> new InetSocketAddress(h.address(), CLIENT_PORT)).toList();
    }

    // ---------------------------------------------------------------- set-up

    /**
     * Makes every node ready to start, in parallel: stops what runs there and clears what an earlier
     * run left (partition chain, clock strobe), installs the package if one was given, deletes the
     * data and the log, and writes the config and the defaults block. Starts nothing.
     */
    public void setUp() throws IOException, InterruptedException {
        if (options.deb() != null && !Files.isRegularFile(options.deb())) {
            throw new IOException("the package " + options.deb() + " does not exist");
        }
        parallel(nodeIds(), id -> {
            Init in = init(id);
            ssh(id, cleanupScript(in), null, options.commandTimeout());
            if (options.deb() != null) {
                log.println("verify: " + host(id).name() + ": installing " + options.deb().getFileName());
                scp(id, options.deb(), REMOTE_DEB);
                ssh(id, installScript(), null, options.installTimeout());
            }
            ssh(id, wipeScript(in), null, options.commandTimeout());
            ssh(id, writeFileScript(CONFIG), renderConfig(id), options.commandTimeout());
            ssh(id, defaultsScript(), defaultsBlock(in, options.nodeJavaOptions(), options.clockFaults()), options.commandTimeout());
            if (options.clockFaults()) {
                ssh(id, faketimeSetupScript(), null, options.commandTimeout());
            }
            if (in == Init.SYSTEMD) {
                ssh(id, dropInScript(), dropIn(), options.commandTimeout());
                String since = ssh(id, "date +%s", null, SHORT).strip();
                logSince[id] = Long.parseLong(since);
            }
        });
        log.println("verify: " + hosts.size() + " hosts set up (" + hosts.stream().map(h -> h.name() + "=" + h.address())
                .collect(Collectors.joining(" ")) + "; " + initSummary() + ")");
    }

    private String initSummary() {
        return nodeIds().stream().map(id -> init[id] == null ? "?" : init[id] == Init.SYSTEMD ? "systemd" : "init script")
                .distinct().collect(Collectors.joining(", "));
    }

    /** The host's service manager, detected by its first use and remembered. */
    Init init(int id) throws IOException, InterruptedException {
        synchronized (init) {
            if (init[id] != null) {
                return init[id];
            }
        }
        String out = ssh(id, DETECT_INIT, null, SHORT).strip();
        Init detected = out.equals("systemd") ? Init.SYSTEMD : Init.SYSV;
        synchronized (init) {
            init[id] = detected;
        }
        return detected;
    }

    /** The node's tempokv.yaml: its id, every member by address with the package's ports, listen 0.0.0.0. */
    public String renderConfig(int id) {
        StringBuilder sb = new StringBuilder();
        sb.append("# written by tempokv verify (SshCluster) for node ").append(id).append(" of ").append(hosts.size())
                .append("; the next run rewrites it\n");
        sb.append("node-id: ").append(id).append('\n');
        sb.append("cluster-id: ").append(CLUSTER_ID).append('\n');
        sb.append("data-dir: ").append(DATA_DIR).append('\n');
        sb.append("listen: 0.0.0.0\n");
        sb.append("ports: {client: ").append(CLIENT_PORT).append(", peer: ").append(PEER_PORT).append(", http: ")
                .append(HTTP_PORT).append("}\n");
        sb.append("shards: 2\n");
        sb.append("members:\n");
        for (int m : nodeIds()) {
            sb.append("  - {id: ").append(m).append(", host: ").append(host(m).address()).append(", client: ").append(CLIENT_PORT)
                    .append(", peer: ").append(PEER_PORT).append(", http: ").append(HTTP_PORT).append("}\n");
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- scripts (package-private for tests)

    static final String DETECT_INIT = "if command -v systemctl >/dev/null 2>&1; then s=$(systemctl is-system-running 2>/dev/null); "
            + "else s=none; fi; case \"$s\" in running|degraded|starting|initializing|maintenance|stopping) echo systemd ;; "
            + "*) echo sysv ;; esac";

    /** The node's pid as a shell expression: empty or 0 when it is not running. */
    static String pidExpr(Init in) {
        return in == Init.SYSTEMD ? "$(systemctl show -p MainPID --value tempokv 2>/dev/null)" : "$(cat " + PID_FILE + " 2>/dev/null)";
    }

    /**
     * True (as a shell condition) when $pid is a live tempokv process: on init-script hosts the pid
     * file could be stale and its pid reused, so the process must also belong to the tempokv user.
     */
    static String isNodeProcess(Init in) {
        String live = "[ -n \"$pid\" ] && [ \"$pid\" != 0 ] && kill -0 \"$pid\" 2>/dev/null";
        return in == Init.SYSTEMD ? live : live + " && [ \"$(stat -c %U /proc/$pid 2>/dev/null)\" = tempokv ]";
    }

    static String signalScript(Init in, String signal) {
        return "pid=" + pidExpr(in) + "; if " + isNodeProcess(in) + "; then kill -" + signal + " \"$pid\"; fi";
    }

    static String startScript(Init in) {
        return in == Init.SYSTEMD ? "systemctl start tempokv" : INIT_SCRIPT + " start";
    }

    static String stopScript(Init in) {
        // a paused node would act on SIGTERM only once continued
        return signalScript(in, "CONT") + "; " + (in == Init.SYSTEMD ? "systemctl stop tempokv" : INIT_SCRIPT + " stop");
    }

    /** SIGKILL, then wait (up to 10 s) until the process is gone or a zombie, so its ports are free. */
    static String killScript(Init in) {
        if (in == Init.SYSTEMD) {
            return "systemctl kill --signal=KILL tempokv 2>/dev/null; i=0; while [ $i -lt 100 ] && systemctl is-active --quiet tempokv; "
                    + "do sleep 0.1; i=$((i+1)); done";
        }
        return "pid=" + pidExpr(in) + "; if " + isNodeProcess(in) + "; then kill -KILL \"$pid\"; i=0; "
                + "while [ $i -lt 100 ] && [ -e /proc/$pid ] && [ \"$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)\" != Z ]; "
                + "do sleep 0.1; i=$((i+1)); done; fi";
    }

    /** Stops a node left running and removes what an earlier run's faults left (strobe loop, partition chain, libfaketime's files). */
    static String cleanupScript(Init in) {
        return "if [ -x /usr/bin/tempokv ]; then " + stopScript(in) + "; fi; " + STROBE_STOP + "; " + CHAIN_REMOVE + "; " + FAKETIME_SHM_CLEAN;
    }

    /**
     * libfaketime leaves a shared memory file and a semaphore in /dev/shm per process it was loaded
     * into (the launcher's exec into java skips its clean-up, and SIGKILL does too); removes those of
     * processes that no longer exist.
     */
    static final String FAKETIME_SHM_CLEAN = "for f in /dev/shm/faketime_shm_*; do [ -e \"$f\" ] || continue; p=${f##*_}; "
            + "[ -d /proc/$p ] || rm -f \"$f\" /dev/shm/sem.faketime_sem_$p; done";

    static String installScript() {
        return "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall --allow-downgrades "
                + "-o Dpkg::Options::=--force-confnew " + REMOTE_DEB + "; rc=$?; rm -f " + REMOTE_DEB + "; exit $rc";
    }

    static String wipeScript(Init in) {
        return "test -x /usr/bin/tempokv || { echo 'tempokv is not installed here: give the .deb to install' >&2; exit 1; }; "
                + stopScript(in) + " && find " + DATA_DIR + " -mindepth 1 -delete && if [ -f " + LOG + " ]; then : > " + LOG + "; fi";
    }

    /** Writes standard input to the file, keeping the file's owner and mode when it exists. */
    static String writeFileScript(String file) {
        return "cat > " + file;
    }

    /** Replaces the marked block of the defaults file with standard input. */
    static String defaultsScript() {
        return "sed -i '/^" + BLOCK_BEGIN + "/,/^" + BLOCK_END + "/d' " + DEFAULTS + " && cat >> " + DEFAULTS;
    }

    /**
     * The block appended to /etc/default/tempokv, which /usr/bin/tempokv sources (init script) and
     * systemd reads as an EnvironmentFile; NAME="value" lines suit both, and the export line (left
     * out on systemd, which would not accept it) passes them on from the launcher to the JVM.
     *
     * <p>libfaketime's settings, measured with OpenJDK 17 and libfaketime 0.9.10 (Debian 12):
     * FAKETIME_DONT_FAKE_MONOTONIC=1 keeps System.nanoTime real; FAKETIME_FORCE_MONOTONIC_FIX=0 is
     * needed besides, or timed waits go wrong whenever the offset is not 0 (Object.wait(10) returned
     * at once with +37 s; Thread.sleep(10) took 35-50 ms); FAKETIME_CACHE_DURATION=0 re-reads the
     * offset file at most once per second, so an offset change is seen within a second, for about
     * 0.2 us per System.currentTimeMillis() (0.03 us without libfaketime). FAKETIME_NO_CACHE=1 reads
     * the file on every call: 35-65 us per call, too slow for a node.
     */
    static String defaultsBlock(Init in, String javaOptions, boolean clock) {
        StringBuilder b = new StringBuilder();
        b.append(BLOCK_BEGIN).append(": written by tempokv verify (SshCluster); removed when the run ends\n");
        if (javaOptions != null) {
            b.append("TEMPOKV_JAVA_OPTS=\"").append(javaOptions).append("\"\n");
        }
        if (clock) {
            b.append("LD_PRELOAD=\"").append(LIBFAKETIME).append("\"\n");
            b.append("FAKETIME_TIMESTAMP_FILE=\"").append(FAKETIME_FILE).append("\"\n");
            b.append("FAKETIME_CACHE_DURATION=\"0\"\n");
            b.append("FAKETIME_DONT_FAKE_MONOTONIC=\"1\"\n");
            b.append("FAKETIME_FORCE_MONOTONIC_FIX=\"0\"\n");
            if (in == Init.SYSV) {
                b.append("export LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_CACHE_DURATION FAKETIME_DONT_FAKE_MONOTONIC "
                        + "FAKETIME_FORCE_MONOTONIC_FIX\n");
            }
        }
        b.append(BLOCK_END).append('\n');
        return b.toString();
    }

    static String faketimeSetupScript() {
        return "test -r " + LIBFAKETIME + " || { echo 'libfaketime is missing (" + LIBFAKETIME
                + "); install the libfaketime package' >&2; exit 1; }; " + offsetScript(0);
    }

    /** Writes the offset file atomically (a reader never sees it empty), readable by the tempokv user. */
    static String offsetScript(long seconds) {
        return "umask 022; printf '%s\\n' '" + offset(seconds) + "' > " + FAKETIME_FILE + ".tmp && mv -f " + FAKETIME_FILE
                + ".tmp " + FAKETIME_FILE;
    }

    /** libfaketime's relative offset syntax: a sign, then seconds. */
    static String offset(long seconds) {
        return (seconds < 0 ? "-" : "+") + Math.abs(seconds);
    }

    /** Marks the strobe loop's command line, so a stale pid file never makes us kill another process. */
    static final String STROBE_MARK = "tempokv-verify-strobe";

    /** Ends the strobe loop recorded in its pid file, then waits for a write it may have had under way. */
    static final String STROBE_STOP = "pid=$(cat " + STROBE_PID + " 2>/dev/null); if [ -n \"$pid\" ] && grep -qa " + STROBE_MARK
            + " /proc/$pid/cmdline 2>/dev/null; then kill \"$pid\"; sleep 0.2; fi; rm -f " + STROBE_PID;

    /**
     * Starts a loop in the background of the node that flips its offset between +delta and 0 every
     * period, and records the loop's pid; {@link #resetClockScript()} ends it by that pid. The loop
     * writes through a temporary file of its own, so it never races the reset's write.
     */
    static String strobeScript(long deltaSeconds, long periodMillis) {
        String sleep = String.format(Locale.ROOT, "%d.%03d", periodMillis / 1000, periodMillis % 1000);
        String tmp = FAKETIME_FILE + ".strobe";
        return STROBE_STOP + "; umask 022; nohup sh -c ': " + STROBE_MARK + "; while :; do echo " + offset(deltaSeconds) + " > " + tmp
                + " && mv -f " + tmp + " " + FAKETIME_FILE + "; sleep " + sleep + "; echo " + offset(0) + " > " + tmp + " && mv -f "
                + tmp + " " + FAKETIME_FILE + "; sleep " + sleep + "; done' >/dev/null 2>&1 </dev/null & echo $! > " + STROBE_PID;
    }

    static String resetClockScript() {
        return STROBE_STOP + "; " + offsetScript(0);
    }

    static final String CHAIN_REMOVE = "if iptables -w -n -L " + CHAIN + " >/dev/null 2>&1; then iptables -w -F " + CHAIN
            + "; while iptables -w -D INPUT -j " + CHAIN + " 2>/dev/null; do :; done; iptables -w -X " + CHAIN + "; fi";

    /** The node's rules for a grudge: its chain (made and hooked first in INPUT if missing), flushed, then one DROP per address. */
    static String partitionScript(Collection<String> dropAddresses) {
        StringBuilder b = new StringBuilder();
        b.append("set -e; iptables -w -N ").append(CHAIN).append(" 2>/dev/null || true; ");
        b.append("iptables -w -C INPUT -j ").append(CHAIN).append(" 2>/dev/null || iptables -w -I INPUT 1 -j ").append(CHAIN).append("; ");
        b.append("iptables -w -F ").append(CHAIN);
        for (String a : dropAddresses) {
            b.append("; iptables -w -A ").append(CHAIN).append(" -s ").append(a).append(" -j DROP");
        }
        return b.toString();
    }

    static final String HEAL_SCRIPT = "if iptables -w -n -L " + CHAIN + " >/dev/null 2>&1; then iptables -w -F " + CHAIN + "; fi";

    static String dropInScript() {
        return "mkdir -p " + DROP_IN_DIR + " && cat > " + DROP_IN + " && systemctl daemon-reload";
    }

    static String dropIn() {
        return "# written by tempokv verify (SshCluster): a killed node stays down until the run starts it\n[Service]\nRestart=no\n";
    }

    /** Undoes the set-up: stops the node, and removes the strobe, the partition chain, libfaketime's settings and the drop-in. */
    static String teardownScript(Init in) {
        String s = "if [ -x /usr/bin/tempokv ]; then " + stopScript(in) + "; fi; " + STROBE_STOP + "; " + CHAIN_REMOVE + "; "
                + FAKETIME_SHM_CLEAN + "; rm -f " + FAKETIME_FILE + "; if [ -f " + DEFAULTS + " ]; then sed -i '/^" + BLOCK_BEGIN + "/,/^" + BLOCK_END + "/d' "
                + DEFAULTS + "; fi";
        if (in == Init.SYSTEMD) {
            s += "; rm -f " + DROP_IN + "; systemctl daemon-reload";
        }
        return s;
    }

    static String logScript(Init in, long since) {
        return in == Init.SYSTEMD ? "journalctl -u tempokv --no-pager -o short-iso --since @" + since
                : "if [ -f " + LOG + " ]; then cat " + LOG + "; fi";
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void startAll() throws IOException {
        try {
            parallel(nodeIds(), this::startNode);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting the nodes");
        }
    }

    /** Starts the node's service (a no-op on a running node). */
    @Override
    public void start(int id) throws IOException {
        try {
            startNode(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting node " + id);
        }
    }

    private void startNode(int id) throws IOException, InterruptedException {
        ssh(id, startScript(init(id)), null, options.commandTimeout());
        synchronized (this) {
            running[id] = true;
            paused[id] = false;
        }
    }

    /** Stops the node's service (SIGTERM through the service manager; a paused node is continued first). */
    public void stop(int id) throws IOException, InterruptedException {
        ssh(id, stopScript(init(id)), null, options.commandTimeout());
        synchronized (this) {
            running[id] = false;
            paused[id] = false;
        }
    }

    /** Stops the node and deletes its data and log. */
    public void wipe(int id) throws IOException, InterruptedException {
        ssh(id, wipeScript(init(id)), null, options.commandTimeout());
        synchronized (this) {
            running[id] = false;
            paused[id] = false;
        }
    }

    @Override
    public void kill(int id) throws IOException, InterruptedException {
        ssh(id, killScript(init(id)), null, options.commandTimeout());
        synchronized (this) {
            running[id] = false;
            paused[id] = false;
        }
    }

    @Override
    public void pause(int id) throws IOException, InterruptedException {
        synchronized (this) {
            if (!running[id] || paused[id]) {
                return;
            }
        }
        ssh(id, signalScript(init(id), "STOP"), null, options.commandTimeout());
        synchronized (this) {
            paused[id] = true;
        }
    }

    @Override
    public void resume(int id) throws IOException, InterruptedException {
        synchronized (this) {
            if (!paused[id]) {
                return;
            }
        }
        ssh(id, signalScript(init(id), "CONT"), null, options.commandTimeout());
        synchronized (this) {
            paused[id] = false;
        }
    }

    /** Waits until every node started by this cluster answers GET /health with 200, from the control machine. */
    @Override
    public void awaitReady() throws InterruptedException {
        long deadline = System.nanoTime() + options.readyTimeout().toNanos();
        List<Integer> notReady = List.of();
        while (System.nanoTime() < deadline) {
            notReady = nodeIds().stream().filter(this::isRunning).filter(id -> !ready(id)).toList();
            if (notReady.isEmpty()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("nodes " + notReady + " (" + notReady.stream().map(id -> host(id).name())
                .collect(Collectors.joining(", ")) + ") not ready within " + options.readyTimeout().toSeconds()
                + " s; see " + LOG + " (or journalctl -u tempokv) on them");
    }

    private synchronized boolean isRunning(int id) {
        return running[id];
    }

    private boolean ready(int id) {
        try {
            return health(id).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public Optional<URI> httpUri(int id) {
        return Optional.of(URI.create("http://" + host(id).address() + ":" + HTTP_PORT + "/"));
    }

    private HttpResponse<String> health(int id) throws IOException, InterruptedException {
        URI uri = httpUri(id).orElseThrow().resolve("/health");
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * The wall-clock offset each running node's tempokv process has, in whole seconds, from the Date
     * header of its HTTP answers (the JVM's own clock) against this machine's clock; within a second.
     * Nodes that do not answer are left out.
     */
    @Override
    public Map<Integer, Long> observedClockOffsets() throws InterruptedException {
        Map<Integer, Long> out = new TreeMap<>();
        for (int id : nodeIds()) {
            if (!isRunning(id)) {
                continue;
            }
            try {
                long before = System.currentTimeMillis();
                HttpResponse<String> r = health(id);
                long after = System.currentTimeMillis();
                Optional<String> date = r.headers().firstValue("date");
                if (date.isPresent()) {
                    long nodeMillis = ZonedDateTime.parse(date.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant().toEpochMilli();
                    // the header is truncated to the second: the node's time was in [date, date + 1 s)
                    out.put(id, Math.round((nodeMillis + 500 - (before + after) / 2.0) / 1000.0));
                }
            } catch (IOException | DateTimeParseException e) {
                // left out: a node that does not answer has no clock to report
            }
        }
        return out;
    }

    @Override
    public void collectLogs(Path dir) throws IOException {
        try {
            parallel(nodeIds(), id -> {
                Path to = dir.resolve("n" + id);
                Files.createDirectories(to);
                ssh(id, logScript(init(id), logSince[id]), null, to.resolve("node.log"), options.commandTimeout());
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while collecting logs");
        }
    }

    // ---------------------------------------------------------------- network and clock faults

    @Override
    public void partition(Grudge grudge) throws IOException, InterruptedException {
        if (!grudge.nodes().equals(nodeIds())) {
            throw new IllegalArgumentException("the grudge is for nodes " + grudge.nodes() + ", the cluster has " + nodeIds());
        }
        parallel(nodeIds(), id -> ssh(id, partitionScript(grudge.dropsAt(id).stream().map(d -> host(d).address()).toList()),
                null, options.commandTimeout()));
    }

    @Override
    public void healPartition() throws IOException, InterruptedException {
        parallel(nodeIds(), id -> ssh(id, HEAL_SCRIPT, null, options.commandTimeout()));
    }

    @Override
    public void setClockOffsets(Map<Integer, Long> offsetSeconds) throws IOException, InterruptedException {
        requireClock();
        parallel(offsetSeconds.keySet(), id -> ssh(id, offsetScript(offsetSeconds.get(id)), null, options.commandTimeout()));
    }

    @Override
    public void strobeClocks(List<Integer> nodes, long deltaSeconds, long periodMillis) throws IOException, InterruptedException {
        requireClock();
        if (periodMillis < 1) {
            throw new IllegalArgumentException("strobe period must be at least 1 ms, got " + periodMillis);
        }
        parallel(nodes, id -> ssh(id, strobeScript(deltaSeconds, periodMillis), null, options.commandTimeout()));
    }

    @Override
    public void resetClocks() throws IOException, InterruptedException {
        requireClock();
        parallel(nodeIds(), id -> ssh(id, resetClockScript(), null, options.commandTimeout()));
    }

    private void requireClock() {
        if (!options.clockFaults()) {
            throw new UnsupportedOperationException("this SshCluster was set up without clock faults, so libfaketime is not "
                    + "preloaded into its nodes; create it with Options.withClockFaults(true) (the CLI does so when --nemesis "
                    + "includes clock)");
        }
    }

    /**
     * Best effort, on every node in parallel: continues and stops tempokv, ends any strobe, removes
     * the partition chain, libfaketime's settings and the systemd drop-in. Failures are printed.
     */
    @Override
    public void close() {
        try {
            parallel(nodeIds(), id -> ssh(id, teardownScript(init(id)), null, options.commandTimeout()));
        } catch (IOException e) {
            log.println("verify: tearing the nodes down: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            synchronized (this) {
                java.util.Arrays.fill(running, false);
                java.util.Arrays.fill(paused, false);
            }
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- running commands

    List<String> sshArgv(int id, String script) {
        List<String> argv = new ArrayList<>(List.of("ssh"));
        argv.addAll(sshOptions(options));
        argv.addAll(List.of(host(id).name(), "--", script));
        return argv;
    }

    List<String> scpArgv(int id, Path local, String remote) {
        List<String> argv = new ArrayList<>(List.of("scp", "-q"));
        argv.addAll(sshOptions(options));
        argv.addAll(List.of(local.toString(), host(id).name() + ":" + remote));
        return argv;
    }

    static List<String> sshOptions(Options o) {
        List<String> argv = new ArrayList<>();
        if (o.sshConfig() != null) {
            argv.addAll(List.of("-F", o.sshConfig().toString()));
        }
        argv.addAll(List.of("-o", "BatchMode=yes", "-o", "ConnectTimeout=10"));
        if (o.user() != null) {
            argv.addAll(List.of("-o", "User=" + o.user()));
        }
        if (o.identity() != null) {
            argv.addAll(List.of("-i", o.identity().toString(), "-o", "IdentitiesOnly=yes"));
        }
        return argv;
    }

    private String ssh(int id, String script, String stdin, Duration timeout) throws IOException, InterruptedException {
        return ssh(id, script, stdin, null, timeout);
    }

    private String ssh(int id, String script, String stdin, Path stdoutFile, Duration timeout) throws IOException, InterruptedException {
        return check(id, script, run(id, script, new CommandRunner.Command(sshArgv(id, script), stdin, stdoutFile, timeout)));
    }

    private CommandRunner.Result run(int id, String what, CommandRunner.Command c) throws IOException, InterruptedException {
        try {
            return runner.run(c);
        } catch (IOException e) {
            throw new IOException(where(id) + ": `" + what + "`: " + e.getMessage(), e);
        }
    }

    private void scp(int id, Path local, String remote) throws IOException, InterruptedException {
        List<String> argv = scpArgv(id, local, remote);
        String what = String.join(" ", argv);
        check(id, what, run(id, what, new CommandRunner.Command(argv, null, null, options.installTimeout())));
    }

    private String check(int id, String what, CommandRunner.Result r) throws IOException {
        if (r.exitCode() != 0) {
            String why = r.stderr().strip().isEmpty() ? r.stdout().strip() : r.stderr().strip();
            throw new IOException(where(id) + ": `" + what + "` exited with " + r.exitCode() + (why.isEmpty() ? "" : ": " + why)
                    + (r.exitCode() == 255 ? " (255: ssh could not reach the host)" : ""));
        }
        return r.stdout();
    }

    private String where(int id) {
        return "node " + id + " (" + host(id).name() + (host(id).name().equals(host(id).address()) ? "" : ", " + host(id).address()) + ")";
    }

    @FunctionalInterface
    private interface NodeAction {
        void run(int id) throws IOException, InterruptedException;
    }

    /** Runs the action for every node at once; if some fail, throws one IOException naming them all. */
    private void parallel(Collection<Integer> ids, NodeAction action) throws IOException, InterruptedException {
        List<Future<?>> futures = new ArrayList<>();
        for (int id : ids) {
            futures.add(pool.submit(() -> {
                action.run(id);
                return null;
            }));
        }
        List<Throwable> failures = new ArrayList<>();
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failures.add(e.getCause());
            } catch (InterruptedException e) {
                futures.forEach(g -> g.cancel(true));
                throw e;
            }
        }
        if (failures.isEmpty()) {
            return;
        }
        if (failures.size() == 1 && failures.get(0) instanceof IOException io) {
            throw new IOException(io.getMessage(), io);
        }
        IOException e = new IOException(failures.stream().map(t -> t instanceof IOException || t instanceof UncheckedIOException
                ? t.getMessage() : t.toString()).collect(Collectors.joining("; ")), failures.get(0));
        failures.stream().skip(1).forEach(e::addSuppressed);
        throw e;
    }
}
