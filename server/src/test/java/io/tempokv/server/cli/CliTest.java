package io.tempokv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tempokv command line: exit codes scripts can rely on and errors that name the problem. */
class CliTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void noCommandPrintsUsageAndExits64() {
        assertEquals(64, run());
        assertTrue(err().contains("usage: tempokv <command>"), err());
    }

    @Test
    void versionPrintsTheVersionTheBuildRecorded() {
        assertEquals(0, run("--version"));
        assertTrue(out().matches("tempokv \\d+\\.\\d+\\.\\d+\\S*\\R"), out());
    }

    @Test
    void unknownCommandIsNamed() {
        assertEquals(64, run("frobnicate"));
        assertTrue(err().contains("unknown command 'frobnicate'"), err());
    }

    @Test
    void simulateRejectsBadArgumentsWithTheReason() {
        assertEquals(64, run("simulate", "--nodes", "4"));
        assertTrue(err().contains("--nodes must be an odd number"), err());
        assertEquals(64, run("simulate", "--faults", "meteor"));
        assertTrue(err().contains("unknown fault 'meteor'") && err().contains("crash"), err());
        assertEquals(64, run("simulate", "--runs", "many"));
        assertTrue(err().contains("--runs needs a whole number"), err());
    }

    @Test
    void simulatePrintsASummaryPerBatchAndExitsZeroWithoutViolations() {
        assertEquals(0, run("simulate", "--seed", "3", "--runs", "4", "--batch", "2", "--faults", "crash,drop"));
        assertTrue(out().contains("runs 1-2: runs=2 commands="), out());
        assertTrue(out().contains("runs 3-4: runs=2"), out());
        assertTrue(out().contains("violations=0"), out());
    }

    @Test
    void checkGivesExitCodesByVerdict() throws IOException {
        Path valid = Files.writeString(dir.resolve("valid.edn"),
                "{:index 0, :type :invoke, :process 0, :f :write, :value 1, :time 1}\n"
                        + "{:index 1, :type :ok, :process 0, :f :write, :value 1, :time 2}\n"
                        + "{:index 2, :type :invoke, :process 1, :f :read, :value nil, :time 3}\n"
                        + "{:index 3, :type :ok, :process 1, :f :read, :value 1, :time 4}\n");
        assertEquals(0, run("check", valid.toString()));
        Path stale = Files.writeString(dir.resolve("stale.edn"),
                "{:index 0, :type :invoke, :process 0, :f :write, :value 1, :time 1}\n"
                        + "{:index 1, :type :ok, :process 0, :f :write, :value 1, :time 2}\n"
                        + "{:index 2, :type :invoke, :process 1, :f :read, :value nil, :time 3}\n"
                        + "{:index 3, :type :ok, :process 1, :f :read, :value 7, :time 4}\n");
        assertEquals(1, run("check", "--model", "cas-register", stale.toString()));
        Path broken = Files.writeString(dir.resolve("broken.edn"),
                "{:index 0, :type :invoke, :process 0, :f :write, :value 1, :time 1}\n{:index 1, :type :okay}\n");
        assertEquals(3, run("check", broken.toString()));
        assertTrue(err().contains("broken.edn:2"), err());
    }

    @Test
    void checkUsageErrorsExit64() {
        assertEquals(64, run("check"));
        assertTrue(err().contains("expected exactly one history file"), err());
        assertEquals(64, run("check", "--max-ms", "-5", "x.edn"));
        assertTrue(err().contains("--max-ms needs a positive whole number"), err());
    }

    @Test
    void demoRunsACheckedWorkloadOnRealProcessesAndPrintsTheVerdict() {
        assertEquals(0, run("demo", "--time-limit", "6"), out() + err());
        assertTrue(out().contains("demo: verdict VALID"), out());
        assertTrue(out().contains("killed node 3") && out().contains("restarted node 3"), out());
        assertTrue(out().contains("latency p50"), out());
    }

    @Test
    void demoRejectsBadArguments() {
        assertEquals(64, run("demo", "--nodes", "4"));
        assertTrue(err().contains("--nodes must be 3 or 5"), err());
    }
}
