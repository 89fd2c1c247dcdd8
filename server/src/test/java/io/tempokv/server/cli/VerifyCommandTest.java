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
        assertTrue(Files.readString(run.resolve("results.edn")).contains(":availability"));
        List<Op> history = HistoryIO.read(run.resolve("history.edn"));
        assertTrue(history.stream().anyMatch(op -> op.isNemesis() && op.f().startsWith("start-")), "nemesis ops recorded");
        Verdict v = IndependentChecker.check(Model.named(workload.equals("set") ? "set" : "cas-register"), history,
                Budget.defaults().withMaxMillis(60_000)).verdict();
        assertEquals(Verdict.VALID, v);
    }

    @Test
    void clustersOfTheDistributionIssueAreAUsageError() {
        assertEquals(Main.EXIT_USAGE, verify("--cluster", "testbed", "--store", store.toString()));
        assertTrue(output().contains("distribution issue"), output());
        assertEquals(Main.EXIT_USAGE, verify("--cluster", "ssh", "--store", store.toString()));
        assertEquals(Main.EXIT_USAGE, verify("--nodes", "4", "--store", store.toString()));
        assertEquals(Main.EXIT_USAGE, verify("--nemesis", "partition", "--store", store.toString()));
        assertEquals(Main.EXIT_USAGE, verify("--workload", "bank", "--store", store.toString()));
    }
}
