package io.tempokv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.check.Budget;
import io.tempokv.check.HistoryIO;
import io.tempokv.check.IndependentChecker;
import io.tempokv.check.Model;
import io.tempokv.check.Op;
import io.tempokv.check.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounded robustness runs through the CLI, as CI runs them: real node processes on loopback,
 * SIGKILL and SIGSTOP faults, a report in the store, and the written history checked again from
 * the file. 2 s quiet and fault periods, so a 12 s run sees three faults; about 100 s in all.
 */
class VerifyCommandTest {
    @TempDir
    Path store;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int verify(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "verify";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String output() {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void registerWithKillAndPauseOnThreeNodesIsValid() throws Exception {
        bounded("register", 3, 12);
    }

    @Test
    void registerWithKillAndPauseOnFiveNodesIsValid() throws Exception {
        bounded("register", 5, 12);
    }

    @Test
    void setWithKillAndPauseIsValid() throws Exception {
        bounded("set", 3, 6);
    }

    private void bounded(String workload, int nodes, int seconds) throws Exception {
        int rc = verify("--workload", workload, "--nemesis", "kill,pause", "--time-limit", Integer.toString(seconds),
                "--nodes", Integer.toString(nodes), "--cluster", "local", "--nemesis-interval", "2", "--recovery", "2",
                "--store", store.toString());
        assertEquals(Main.EXIT_OK, rc, output());
        Path run = store.resolve("latest").toRealPath();
        assertTrue(output().contains(run.getFileName().toString()), "the run directory is printed: " + output());
        assertTrue(output().contains("verdict VALID"), output());
        for (String f : List.of("history.edn", "results.edn", "latency-raw.png", "rate.png", "timeline.html")) {
            assertTrue(Files.size(run.resolve(f)) > 0, f + " in " + run);
        }
        for (int id = 1; id <= nodes; id++) {
            assertTrue(Files.size(run.resolve("n" + id).resolve("node.log")) > 0, "log of node " + id);
        }
        String results = Files.readString(run.resolve("results.edn"));
        List<Op> history = HistoryIO.read(run.resolve("history.edn"));
        assertTrue(results.contains(":availability"), results);
        assertTrue(results.contains(":gaps {:longest-ms "), results);
        java.util.regex.Matcher fr = java.util.regex.Pattern.compile(":final-reads \\{:attempted (\\d+), :ok (\\d+)\\}").matcher(results);
        assertTrue(fr.find(), results);
        assertTrue(Long.parseLong(fr.group(1)) > 0, "keys were read at the end: " + fr.group());
        assertEquals(fr.group(1), fr.group(2), "every final read ok after the recovery wait: " + fr.group());
        assertTrue(output().contains("verify: longest time without an ok: "), output());
        java.util.regex.Matcher pc = java.util.regex.Pattern.compile(":protocol \\{:submitted (\\d+), :fast-paths (\\d+), "
                + ":slow-paths (\\d+), :recoveries (\\d+), :executed (\\d+),").matcher(results);
        assertTrue(pc.find(), results);
        long coordinated = Long.parseLong(pc.group(1));
        long ok = history.stream().filter(op -> !op.isNemesis() && op.type() == Op.Type.OK).count();
        // every ok was coordinated by some node (reads too); counts lost with a killed process are at most a second's worth
        assertTrue(coordinated > ok / 2, "commands coordinated " + coordinated + " against " + ok + " ok operations: " + pc.group());
        assertTrue(Long.parseLong(pc.group(2)) + Long.parseLong(pc.group(3)) > 0, "commits counted: " + pc.group());
        assertTrue(output().contains("verify: protocol (all nodes, workload start to final reads): "), output());
        java.util.regex.Matcher rs = java.util.regex.Pattern.compile(":restarts \\{:count (\\d+), :never-ready (\\d+),").matcher(results);
        assertTrue(rs.find(), results);
        long killed = history.stream().filter(op -> op.isNemesis() && op.f().equals("stop-kill"))
                .mapToLong(op -> ((List<?>) op.value()).size()).sum();
        assertEquals(killed, Long.parseLong(rs.group(1)), "one readiness figure per node restarted at a kill's heal: " + rs.group());
        assertEquals("0", rs.group(2), "every restarted node became ready: " + results);
        java.util.regex.Matcher own = java.util.regex.Pattern.compile(":from-process-start \\{:count (\\d+),").matcher(results);
        assertTrue(own.find(), "the nodes' own start-to-ready figures: " + results);
        assertEquals(killed, Long.parseLong(own.group(1)), "each restarted node published its own figure: " + own.group());
        assertTrue(history.stream().anyMatch(op -> op.isNemesis() && op.f().startsWith("start-")), "nemesis ops recorded");
        Verdict v = IndependentChecker.check(Model.named(workload.equals("set") ? "set" : "cas-register"), history,
                Budget.defaults().withMaxMillis(60_000)).verdict();
        assertEquals(Verdict.VALID, v);
    }

    private void usageError(String expected, String... args) {
        out.reset();
        err.reset();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--store";
        all[args.length + 1] = store.toString();
        assertEquals(Main.EXIT_USAGE, verify(all), String.join(" ", args) + ": " + output());
        assertTrue(output().contains(expected), "'" + expected + "' for " + String.join(" ", args) + ": " + output());
        assertTrue(output().contains("(see tempokv verify --help)"), output());
    }

    @Test
    void partitionsAndClocksOnTheLocalClusterAreAUsageError() {
        usageError("tempokv verify: partition needs --cluster testbed or ssh", "--nemesis", "kill,partition");
        usageError("tempokv verify: partition needs --cluster testbed or ssh", "--nemesis", "partition-bridge", "--cluster", "local");
        usageError("tempokv verify: clock needs --cluster testbed or ssh", "--nemesis", "clock-skew");
        assertTrue(Files.notExists(store.resolve("latest")), "nothing ran");
    }

    @Test
    void badClusterOptionsAreAUsageError() {
        usageError("--cluster must be local, testbed or ssh, got 'docker'", "--cluster", "docker");
        usageError("--cluster ssh needs --hosts H1,H2,H3", "--cluster", "ssh");
        usageError("--hosts must name 3 or 5 hosts, got 2: [a, b]", "--cluster", "ssh", "--hosts", "a,b");
        usageError("--nodes 5 but --hosts names 3 hosts", "--cluster", "ssh", "--hosts", "a,b,c", "--nodes", "5");
        usageError("--hosts is for --cluster ssh, not testbed", "--cluster", "testbed", "--testbed-id", "5", "--hosts", "a,b,c");
        usageError("--testbed-id is for --cluster testbed, not local", "--testbed-id", "5");
        usageError("--deb is for --cluster testbed or ssh, not local", "--deb", "x.deb");
        usageError("--deb /nonexistent/tempokv.deb: no such file", "--cluster", "testbed", "--testbed-id", "5", "--deb",
                "/nonexistent/tempokv.deb");
        usageError("--cluster testbed needs --testbed-id K (0..9: the TESTBED_ID the testbed was brought up with; got '12')",
                "--cluster", "testbed", "--testbed-id", "12");
        usageError("--nemesis: partition-ring needs at least 4 nodes, the cluster has 3", "--cluster", "testbed", "--testbed-id", "5",
                "--nemesis", "partition-ring");
        usageError("--nemesis: unknown fault 'split-brain'", "--cluster", "testbed", "--testbed-id", "5", "--nemesis", "split-brain");
        usageError("--nodes must be 3 or 5, got 4", "--nodes", "4");
        usageError("--workload must be register or set, got 'bank'", "--workload", "bank");
    }

    private static VerifyCommand.Plan plan(String env, String... args) throws Exception {
        return VerifyCommand.plan(new org.apache.commons.cli.DefaultParser().parse(VerifyCommand.options(), args), env);
    }

    @Test
    void testbedPlansTakeTheIdFromTheOptionOrTheEnvironment() throws Exception {
        org.apache.commons.cli.ParseException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.apache.commons.cli.ParseException.class, () -> plan(null, "--cluster", "testbed"));
        assertTrue(e.getMessage().startsWith("--cluster testbed needs --testbed-id K"), e.getMessage());
        assertEquals(7, plan("7", "--cluster", "testbed").target().testbedId());
        assertEquals(5, plan("7", "--cluster", "testbed", "--testbed-id", "5").target().testbedId());

        VerifyCommand.Plan all = plan(null, "--cluster", "testbed", "--testbed-id", "5", "--nodes", "5", "--nemesis", "all");
        assertEquals(List.of(io.tempokv.verify.cluster.Nemesis.Fault.values()), all.config().faults(), "all kinds on 5 nodes");
        assertTrue(all.target().ssh().clockFaults(), "clock faults set libfaketime up");
        assertEquals("register-kill+pause+partition+clock-n5", all.config().testName());
        VerifyCommand.Plan partition = plan(null, "--cluster", "testbed", "--testbed-id", "5", "--nemesis", "partition");
        assertEquals(3, partition.config().faults().size(), "no ring on 3 nodes");
        assertTrue(!partition.target().ssh().clockFaults(), "no libfaketime without clock faults");
        VerifyCommand.Plan local = plan(null, "--nemesis", "all");
        assertEquals(List.of(io.tempokv.verify.cluster.Nemesis.Fault.KILL, io.tempokv.verify.cluster.Nemesis.Fault.PAUSE),
                local.config().faults(), "all on the local cluster is what it can do");
        VerifyCommand.Plan ssh = plan(null, "--cluster", "ssh", "--hosts", "db1,db2=10.0.0.2,db3", "--nemesis", "clock");
        assertEquals(List.of("db1", "db2=10.0.0.2", "db3"), ssh.target().hosts());
        assertEquals(3, ssh.config().nodes());
    }
}
