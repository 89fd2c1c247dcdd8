package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's "ready N ms after the process started" figure comes from the kernel's counters, so a
 * clock fault cannot make it negative. Under Jepsen's libfaketime clock nemesis a node restarted
 * with its clock set back measured a negative wall-clock difference, took that for "not ready yet"
 * and logged "ready" in a busy loop (15,629 lines in one second) until it was killed.
 */
class ProcessAgeTest {
    private static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

    @TempDir
    Path dir;

    @Test
    void theProcessAgeIsAboutTheJvmUptime() {
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        long age = Node.processAgeMillis();
        // the process starts before the JVM (the launcher), and /proc/uptime has 10 ms steps
        assertTrue(age >= uptime - 50 && age <= uptime + 10_000, "process age " + age + " ms, JVM uptime " + uptime + " ms");
    }

    @Test
    void aClockSetBackADayDoesNotMoveTheProcessAge() throws Exception {
        Assumptions.assumeTrue(Files.isReadable(LIBFAKETIME),
                "skipped: needs libfaketime (apt-get install faketime; .ci/run installs it) at " + LIBFAKETIME);
        Path probe = dir.resolve("Probe.java");
        Files.writeString(probe, """
                public class Probe {
                    public static void main(String[] a) {
                        long wall = System.currentTimeMillis()
                                - ProcessHandle.current().info().startInstant().orElseThrow().toEpochMilli();
                        System.out.println(wall + " " + io.tempokv.server.node.Node.processAgeMillis());
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), probe.toString()));
        pb.environment().put("LD_PRELOAD", LIBFAKETIME.toString());
        pb.environment().put("FAKETIME", "-1d");
        pb.environment().put("FAKETIME_DONT_FAKE_MONOTONIC", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        String[] last = out.lines().reduce((a, b) -> b).orElse("").split(" ");
        long wall = Long.parseLong(last[0]);
        long age = Long.parseLong(last[1]);
        assertTrue(wall < -3_600_000, "libfaketime did not set the probe's clock back: wall-clock age " + wall + " ms; output: " + out);
        assertTrue(age >= 0 && age < 60_000, "process age under a clock set back a day: " + age + " ms; output: " + out);
    }
}
