package io.tempokv.verify.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exact commands SshCluster runs for each action, through a recording runner (no hosts needed). */
class SshClusterTest {
    private static final Path CFG = Path.of("/var/lib/tempokv-testbed/5/ssh_config");
    private static final List<SshCluster.Host> HOSTS = List.of(new SshCluster.Host("n1", "10.77.5.11"),
            new SshCluster.Host("n2", "10.77.5.12"), new SshCluster.Host("n3", "10.77.5.13"));
    private static final String CHAIN_SETUP = "set -e; iptables -w -N TEMPOKV-NEMESIS 2>/dev/null || true; "
            + "iptables -w -C INPUT -j TEMPOKV-NEMESIS 2>/dev/null || iptables -w -I INPUT 1 -j TEMPOKV-NEMESIS; "
            + "iptables -w -F TEMPOKV-NEMESIS";

    @TempDir
    Path tmp;

    /** Records every command; answers the init detection with {@code init} and everything else with success. */
    static final class Recorder implements CommandRunner {
        final List<Command> commands = Collections.synchronizedList(new ArrayList<>());
        final String init;
        Function<Command, Result> override = c -> null;

        Recorder(String init) {
            this.init = init;
        }

        @Override
        public Result run(Command c) throws IOException {
            commands.add(c);
            Result r = override.apply(c);
            if (r != null) {
                return r;
            }
            String script = c.argv().get(c.argv().size() - 1);
            if (script.equals(SshCluster.DETECT_INIT)) {
                return new Result(0, init + "\n", "");
            }
            if (script.equals("date +%s")) {
                return new Result(0, "1700000000\n", "");
            }
            return new Result(0, "", "");
        }

        /** Remote scripts by host name, in the order run, leaving out the init detection. */
        Map<String, List<String>> scripts() {
            Map<String, List<String>> out = new TreeMap<>();
            synchronized (commands) {
                for (Command c : commands) {
                    if (c.argv().get(0).equals("ssh") && !last(c).equals(SshCluster.DETECT_INIT)) {
                        out.computeIfAbsent(c.argv().get(c.argv().size() - 3), k -> new ArrayList<>()).add(last(c));
                    }
                }
            }
            return out;
        }

        List<Command> forHost(String host) {
            synchronized (commands) {
                return commands.stream().filter(c -> c.argv().contains(host) || c.argv().stream().anyMatch(a -> a.startsWith(host + ":")))
                        .filter(c -> !last(c).equals(SshCluster.DETECT_INIT)).collect(Collectors.toList());
            }
        }

        static String last(Command c) {
            return c.argv().get(c.argv().size() - 1);
        }
    }

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    private SshCluster cluster(Recorder r, boolean clock) {
        return SshCluster.create(HOSTS, SshCluster.Options.defaults().withSshConfig(CFG).withClockFaults(clock), r, log);
    }

    @Test
    void everyCommandIsSshWithTheConfigBatchModeAndTheHost() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, false).healPartition();
        for (CommandRunner.Command c : r.commands) {
            List<String> argv = c.argv();
            assertEquals(List.of("ssh", "-F", CFG.toString(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"), argv.subList(0, 7));
            assertEquals("--", argv.get(8));
            assertTrue(List.of("n1", "n2", "n3").contains(argv.get(7)), argv.toString());
            assertEquals(10, argv.size());
        }
        assertEquals(3, r.commands.size(), "one command per node: " + r.commands);
    }

    @Test
    void partitionAppliesEachNodesDropsInItsOwnChain() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, false).partition(Grudge.isolate(List.of(1, 2, 3), 2));
        assertEquals(Map.of(
                "n1", List.of(CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.12 -j DROP"),
                "n2", List.of(CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.11 -j DROP; "
                        + "iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.13 -j DROP"),
                "n3", List.of(CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.12 -j DROP")), r.scripts());
    }

    @Test
    void aBridgeLeavesTheBridgeNodesChainEmpty() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, false).partition(Grudge.bridge(List.of(1, 2, 3)));
        assertEquals(Map.of(
                "n1", List.of(CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.13 -j DROP"),
                "n2", List.of(CHAIN_SETUP),
                "n3", List.of(CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.11 -j DROP")), r.scripts());
    }

    @Test
    void healingFlushesOnlyTheNemesisChain() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, false).healPartition();
        String heal = "if iptables -w -n -L TEMPOKV-NEMESIS >/dev/null 2>&1; then iptables -w -F TEMPOKV-NEMESIS; fi";
        assertEquals(Map.of("n1", List.of(heal), "n2", List.of(heal), "n3", List.of(heal)), r.scripts());
    }

    @Test
    void aGrudgeForOtherNodesIsRefused() {
        Recorder r = new Recorder("sysv");
        assertThrows(IllegalArgumentException.class, () -> cluster(r, false).partition(Grudge.isolate(List.of(1, 2, 3, 4, 5), 1)));
        assertTrue(r.commands.isEmpty());
    }

    @Test
    void clockOffsetsAreWrittenAtomicallyToTheFaketimeFileOfTheGivenNodesOnly() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, true).setClockOffsets(Map.of(1, 37L, 3, -12L));
        assertEquals(Map.of(
                "n1", List.of("umask 022; printf '%s\\n' '+37' > /etc/tempokv/faketime.tmp && mv -f /etc/tempokv/faketime.tmp "
                        + "/etc/tempokv/faketime"),
                "n3", List.of("umask 022; printf '%s\\n' '-12' > /etc/tempokv/faketime.tmp && mv -f /etc/tempokv/faketime.tmp "
                        + "/etc/tempokv/faketime")), r.scripts());
    }

    @Test
    void aStrobeIsABackgroundLoopOnTheNodeEndedByItsRecordedPid() throws Exception {
        Recorder r = new Recorder("sysv");
        SshCluster c = cluster(r, true);
        c.strobeClocks(List.of(2), 17, 1000);
        String stop = "pid=$(cat /run/tempokv-verify-strobe.pid 2>/dev/null); if [ -n \"$pid\" ] && grep -qa tempokv-verify-strobe "
                + "/proc/$pid/cmdline 2>/dev/null; then kill \"$pid\"; sleep 0.2; fi; rm -f /run/tempokv-verify-strobe.pid";
        assertEquals(Map.of("n2", List.of(stop + "; umask 022; nohup sh -c ': tempokv-verify-strobe; while :; do "
                + "echo +17 > /etc/tempokv/faketime.strobe && mv -f /etc/tempokv/faketime.strobe /etc/tempokv/faketime; sleep 1.000; "
                + "echo +0 > /etc/tempokv/faketime.strobe && mv -f /etc/tempokv/faketime.strobe /etc/tempokv/faketime; sleep 1.000; "
                + "done' >/dev/null 2>&1 </dev/null & echo $! > /run/tempokv-verify-strobe.pid")), r.scripts());
        r.commands.clear();
        c.resetClocks();
        String reset = stop + "; umask 022; printf '%s\\n' '+0' > /etc/tempokv/faketime.tmp && mv -f /etc/tempokv/faketime.tmp "
                + "/etc/tempokv/faketime";
        assertEquals(Map.of("n1", List.of(reset), "n2", List.of(reset), "n3", List.of(reset)), r.scripts());
    }

    @Test
    void clockFaultsNeedAClusterSetUpForThem() {
        Recorder r = new Recorder("sysv");
        SshCluster c = cluster(r, false);
        assertEquals(Set.of(Cluster.Capability.PROCESS, Cluster.Capability.NETWORK), c.capabilities());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> c.setClockOffsets(Map.of(1, 5L)));
        assertTrue(e.getMessage().contains("withClockFaults(true)"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> c.strobeClocks(List.of(1), 5, 1000));
        assertTrue(r.commands.isEmpty());
        assertEquals(Set.of(Cluster.Capability.values()), Set.copyOf(cluster(r, true).capabilities()));
    }

    @Test
    void killPauseAndResumeSignalTheNodesOwnPid() throws Exception {
        Recorder r = new Recorder("sysv");
        SshCluster c = cluster(r, false);
        c.start(1);
        c.pause(1);
        c.resume(1);
        c.kill(1);
        String node = "[ -n \"$pid\" ] && [ \"$pid\" != 0 ] && kill -0 \"$pid\" 2>/dev/null && [ \"$(stat -c %U /proc/$pid 2>/dev/null)\" = tempokv ]";
        assertEquals(Map.of("n1", List.of(
                "/etc/init.d/tempokv start",
                "pid=$(cat /run/tempokv.pid 2>/dev/null); if " + node + "; then kill -STOP \"$pid\"; fi",
                "pid=$(cat /run/tempokv.pid 2>/dev/null); if " + node + "; then kill -CONT \"$pid\"; fi",
                "pid=$(cat /run/tempokv.pid 2>/dev/null); if " + node + "; then kill -KILL \"$pid\"; i=0; while [ $i -lt 100 ] "
                        + "&& [ -e /proc/$pid ] && [ \"$(cut -d' ' -f3 /proc/$pid/stat 2>/dev/null)\" != Z ]; do sleep 0.1; "
                        + "i=$((i+1)); done; fi")), r.scripts());
        r.commands.clear();
        c.pause(1);
        c.resume(1);
        assertTrue(r.commands.isEmpty(), "a killed node is neither paused nor resumed: " + r.commands);
    }

    @Test
    void onSystemdTheServiceIsControlledBySystemctl() throws Exception {
        Recorder r = new Recorder("systemd");
        SshCluster c = cluster(r, false);
        c.start(2);
        c.pause(2);
        c.kill(2);
        assertEquals(Map.of("n2", List.of(
                "systemctl start tempokv",
                "pid=$(systemctl show -p MainPID --value tempokv 2>/dev/null); if [ -n \"$pid\" ] && [ \"$pid\" != 0 ] && kill -0 "
                        + "\"$pid\" 2>/dev/null; then kill -STOP \"$pid\"; fi",
                "systemctl kill --signal=KILL tempokv 2>/dev/null; i=0; while [ $i -lt 100 ] && systemctl is-active --quiet tempokv; "
                        + "do sleep 0.1; i=$((i+1)); done")), r.scripts());
    }

    @Test
    void setUpInstallsWipesAndConfiguresEveryNode() throws Exception {
        Path deb = Files.writeString(tmp.resolve("tempokv_0.1.0_all.deb"), "not really a package");
        Recorder r = new Recorder("sysv");
        SshCluster c = SshCluster.create(HOSTS, SshCluster.Options.defaults().withSshConfig(CFG).withClockFaults(true).withDeb(deb)
                .withNodeJavaOptions("-Xmx384m -XX:+UseSerialGC"), r, log);
        c.setUp();
        List<CommandRunner.Command> n2 = r.forHost("n2");
        assertEquals(7, n2.size(), n2.toString());
        assertTrue(Recorder.last(n2.get(0)).startsWith("if [ -x /usr/bin/tempokv ]; then pid=$(cat /run/tempokv.pid"), "stops first");
        assertTrue(Recorder.last(n2.get(0)).contains("iptables -w -X TEMPOKV-NEMESIS"), "and removes an old chain");
        assertEquals(List.of("scp", "-q", "-F", CFG.toString(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", deb.toString(),
                "n2:/tmp/tempokv-verify.deb"), n2.get(1).argv());
        assertEquals("DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall --allow-downgrades "
                + "-o Dpkg::Options::=--force-confnew /tmp/tempokv-verify.deb; rc=$?; rm -f /tmp/tempokv-verify.deb; exit $rc",
                Recorder.last(n2.get(2)));
        assertTrue(Recorder.last(n2.get(3)).endsWith("/etc/init.d/tempokv stop && find /var/lib/tempokv -mindepth 1 -delete && "
                + "if [ -f /var/log/tempokv/tempokv.log ]; then : > /var/log/tempokv/tempokv.log; fi"), Recorder.last(n2.get(3)));
        assertEquals("cat > /etc/tempokv/tempokv.yaml", Recorder.last(n2.get(4)));
        assertEquals(c.renderConfig(2), n2.get(4).stdin());
        assertEquals("sed -i '/^# BEGIN tempokv-verify/,/^# END tempokv-verify/d' /etc/default/tempokv && cat >> /etc/default/tempokv",
                Recorder.last(n2.get(5)));
        assertEquals("""
                # BEGIN tempokv-verify: written by tempokv verify (SshCluster); removed when the run ends
                TEMPOKV_JAVA_OPTS="-Xmx384m -XX:+UseSerialGC"
                LD_PRELOAD="/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
                FAKETIME_TIMESTAMP_FILE="/etc/tempokv/faketime"
                FAKETIME_CACHE_DURATION="0"
                FAKETIME_DONT_FAKE_MONOTONIC="1"
                FAKETIME_FORCE_MONOTONIC_FIX="0"
                export LD_PRELOAD FAKETIME_TIMESTAMP_FILE FAKETIME_CACHE_DURATION FAKETIME_DONT_FAKE_MONOTONIC FAKETIME_FORCE_MONOTONIC_FIX
                # END tempokv-verify
                """, n2.get(5).stdin());
        assertTrue(Recorder.last(n2.get(6)).startsWith("test -r /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 || "),
                "checks libfaketime, then sets offset 0: " + Recorder.last(n2.get(6)));
        assertTrue(Recorder.last(n2.get(6)).endsWith("printf '%s\\n' '+0' > /etc/tempokv/faketime.tmp && mv -f /etc/tempokv/faketime.tmp "
                + "/etc/tempokv/faketime"));
    }

    @Test
    void onSystemdSetUpAddsARuntimeDropInAndLeavesOutTheExportLine() throws Exception {
        Recorder r = new Recorder("systemd");
        SshCluster c = cluster(r, true);
        c.setUp();
        List<CommandRunner.Command> n1 = r.forHost("n1");
        CommandRunner.Command defaults = n1.stream().filter(x -> Recorder.last(x).contains("cat >> /etc/default/tempokv")).findFirst()
                .orElseThrow();
        assertTrue(defaults.stdin().contains("LD_PRELOAD=\"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1\"\n"));
        assertTrue(!defaults.stdin().contains("export"), "systemd's EnvironmentFile takes no export: " + defaults.stdin());
        CommandRunner.Command dropIn = n1.stream().filter(x -> Recorder.last(x).contains("tempokv.service.d")).findFirst().orElseThrow();
        assertEquals("mkdir -p /run/systemd/system/tempokv.service.d && cat > /run/systemd/system/tempokv.service.d/tempokv-verify.conf "
                + "&& systemctl daemon-reload", Recorder.last(dropIn));
        assertTrue(dropIn.stdin().contains("[Service]\nRestart=no\n"), dropIn.stdin());
        Path logs = tmp.resolve("logs");
        c.collectLogs(logs);
        assertTrue(r.commands.stream().anyMatch(x -> Recorder.last(x).equals("journalctl -u tempokv --no-pager -o short-iso --since @1700000000")
                && logs.resolve("n1").resolve("node.log").equals(x.stdoutFile())), "the journal since set-up goes to n1/node.log");
    }

    @Test
    void theRenderedConfigNamesEveryMemberByAddress() {
        SshCluster c = cluster(new Recorder("sysv"), false);
        assertEquals("""
                # written by tempokv verify (SshCluster) for node 3 of 3; the next run rewrites it
                node-id: 3
                cluster-id: tempokv-verify
                data-dir: /var/lib/tempokv
                listen: 0.0.0.0
                ports: {client: 7400, peer: 7500, http: 7600}
                shards: 2
                members:
                  - {id: 1, host: 10.77.5.11, client: 7400, peer: 7500, http: 7600}
                  - {id: 2, host: 10.77.5.12, client: 7400, peer: 7500, http: 7600}
                  - {id: 3, host: 10.77.5.13, client: 7400, peer: 7500, http: 7600}
                """, c.renderConfig(3));
    }

    @Test
    void aFailingCommandNamesTheHostTheCommandAndItsStderr() {
        Recorder r = new Recorder("sysv");
        r.override = c -> Recorder.last(c).contains("iptables -w -A") && c.argv().contains("n2")
                ? new CommandRunner.Result(4, "", "iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied\n")
                : null;
        IOException e = assertThrows(IOException.class, () -> cluster(r, false).partition(Grudge.isolate(List.of(1, 2, 3), 3)));
        assertTrue(e.getMessage().startsWith("node 2 (n2, 10.77.5.12): `" + CHAIN_SETUP + "; iptables -w -A TEMPOKV-NEMESIS -s 10.77.5.13 "
                + "-j DROP` exited with 4: iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied"),
                e.getMessage());
    }

    @Test
    void aCommandThatTimesOutNamesTheHost() {
        Recorder r = new Recorder("sysv");
        r.override = c -> {
            throw new java.io.UncheckedIOException(new IOException("timed out after 90 s"));
        };
        CommandRunner timingOut = c -> {
            try {
                return r.run(c);
            } catch (java.io.UncheckedIOException u) {
                throw u.getCause();
            }
        };
        SshCluster c = SshCluster.create(HOSTS, SshCluster.Options.defaults(), timingOut, log);
        IOException e = assertThrows(IOException.class, () -> c.start(3));
        assertTrue(e.getMessage().startsWith("node 3 (n3, 10.77.5.13): `" + SshCluster.DETECT_INIT + "`: timed out after 90 s"),
                e.getMessage());
    }

    @Test
    void severalFailuresAreReportedTogether() {
        Recorder r = new Recorder("sysv");
        r.override = c -> Recorder.last(c).startsWith("if iptables") ? new CommandRunner.Result(255, "", "ssh: connect to host: No route\n")
                : null;
        IOException e = assertThrows(IOException.class, () -> cluster(r, false).healPartition());
        for (String h : List.of("n1", "n2", "n3")) {
            assertTrue(e.getMessage().contains("(" + h + ", "), e.getMessage());
        }
        assertTrue(e.getMessage().contains("255: ssh could not reach the host"), e.getMessage());
    }

    @Test
    void hostsWithoutAnAddressGetSshsHostName() throws Exception {
        Recorder r = new Recorder("sysv");
        r.override = c -> c.argv().contains("-G") ? new CommandRunner.Result(0, "user root\nhostname 10.0.0.7\nport 22\n", "") : null;
        List<SshCluster.Host> hosts = SshCluster.resolveHosts(List.of("db1", "db2=192.168.1.2"),
                SshCluster.Options.defaults().withSshConfig(CFG), r);
        assertEquals(List.of(new SshCluster.Host("db1", "10.0.0.7"), new SshCluster.Host("db2", "192.168.1.2")), hosts);
        assertEquals(List.of("ssh", "-F", CFG.toString(), "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-G", "db1"),
                r.commands.get(0).argv());
    }

    @Test
    void userAndIdentityOptionsGoToSshAndScp() {
        SshCluster c = SshCluster.create(HOSTS, SshCluster.Options.defaults().withUser("admin").withIdentity(Path.of("/k/id")),
                new Recorder("sysv"), log);
        assertEquals(List.of("ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "User=admin", "-i", "/k/id", "-o",
                "IdentitiesOnly=yes", "n1", "--", "true"), c.sshArgv(1, "true"));
        assertEquals(List.of("scp", "-q", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "-o", "User=admin", "-i", "/k/id", "-o",
                "IdentitiesOnly=yes", "/x.deb", "n1:/tmp/x.deb"), c.scpArgv(1, Path.of("/x.deb"), "/tmp/x.deb"));
    }

    @Test
    void closeUndoesEverythingOnEveryNode() throws Exception {
        Recorder r = new Recorder("sysv");
        cluster(r, true).close();
        Map<String, List<String>> s = r.scripts();
        assertEquals(3, s.size());
        String down = s.get("n1").get(0);
        for (String part : List.of("/etc/init.d/tempokv stop", "iptables -w -X TEMPOKV-NEMESIS", "rm -f /etc/tempokv/faketime",
                "sed -i '/^# BEGIN tempokv-verify/,/^# END tempokv-verify/d' /etc/default/tempokv", "kill \"$pid\"",
                "[ -d /proc/$p ] || rm -f \"$f\" /dev/shm/sem.faketime_sem_$p")) {
            assertTrue(down.contains(part), part + " in " + down);
        }
    }
}
