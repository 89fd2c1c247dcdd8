package io.tempokv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code tempokv bench}'s options: bad values are refused naming the option, and a short run on a
 * one-node local cluster does what was asked (this checks the options, not speed: figures are
 * measured in docs/results.md, never asserted here).
 */
class BenchCommandTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int bench(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        return Main.run(all, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void badValuesNameTheOption() {
        refused("--clients: expected a whole number, got 'abc'", "--clients", "abc");
        refused("--workload: expected put, get or mixed, got 'scan'", "--workload", "scan");
        refused("--value-bytes: must be at least 1, got 0", "--value-bytes", "0");
        refused("--warmup: must be at least 0, got -1", "--warmup", "-1");
        refused("--target: expected tempokv or etcd, got 'redis'", "--target", "redis");
        refused("--compare: only etcd can be compared with, got 'zookeeper'", "--compare", "zookeeper");
        refused("--etcd-endpoints: expected http://HOST:PORT,..., got 'http://nohost'", "--target", "etcd", "--etcd-endpoints", "http://nohost");
    }

    /** The run is refused as bad usage, and the error says what. */
    private void refused(String message, String... args) {
        err.reset();
        assertEquals(Main.EXIT_USAGE, bench(args));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains(message), err.toString());
    }

    @Test
    void theComparisonTableGivesTheRatiosOfTheRoundsMedians() {
        BenchCommand.Load load = new BenchCommand.Load(64, 30, 10_000, 0, BenchCommand.Workload.PUT, 256, 5);
        java.util.List<BenchCommand.Result> rs = java.util.List.of(
                new BenchCommand.Result("tempokv", BenchCommand.Workload.PUT, 64, 30, 30_000, 0, 10, 40, 50, 60, 1.5,
                        new long[] {1000, 990, 10, 5, 3000, 0}, 60_000),
                new BenchCommand.Result("etcd", BenchCommand.Workload.PUT, 64, 30, 60_000, 0, 5, 20, 30, 40, 1.6, null, 30_000),
                new BenchCommand.Result("tempokv", BenchCommand.Workload.PUT, 64, 30, 90_000, 2, 30, 80, 90, 99, 1.7,
                        new long[] {3000, 2997, 3, 0, 9000, 0}, 90_000),
                new BenchCommand.Result("etcd", BenchCommand.Workload.PUT, 64, 30, 60_000, 0, 15, 20, 30, 40, 1.8, null, Double.NaN));
        String t = BenchCommand.table(rs, 3, load, 2);
        // tempokv: median throughput (1000 + 3000) / 2 = 2000 ops/s, p50 20, p99 60, CPU per op (2 + 1) / 2 = 1.5 ms;
        // etcd: 2000, 10, 20, and 0.5 ms of CPU per op (its second run did not tell)
        assertTrue(t.contains("put      tempokv       1000      10.0      40.0       0   1.50    99.0   0.0050      2.000"), t);
        assertTrue(t.contains("put      etcd          2000      15.0      20.0       0   1.80       -        -          -"), t);
        assertTrue(t.contains("put                       1.00x     2.00x     3.00x     3.00x"), t);
        assertTrue(t.contains("3 nodes, 64 clients, 256 B values, 10000 keys, 30 s counted after 5 s warm-up per run, 2 round(s)"), t);
    }

    /** The comparison end to end on one node of each (needs Debian's etcd-server, which .ci/run installs). */
    @Test
    void compareRunsBothSystemsWithTheSameLoopAndPrintsTheTable() {
        boolean etcd = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(d -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(d, "etcd")));
        org.junit.jupiter.api.Assumptions.assumeTrue(etcd, "skipped: no etcd on PATH (apt-get install etcd-server; .ci/run installs it)");
        int rc = bench("--compare", "etcd", "--local", "1", "--workloads", "put", "--rounds", "1", "--clients", "2",
                "--time-limit", "3", "--warmup", "2");
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_OK, rc, text + err.toString(StandardCharsets.UTF_8));
        for (String system : new String[] {"tempokv", "etcd"}) {
            Matcher m = Pattern.compile("bench: clients=2 seconds=3 ok=(\\d+) errors=(\\d+) .* workload=put .* target=" + system + " ").matcher(text);
            assertTrue(m.find(), system + ": " + text);
            assertTrue(Long.parseLong(m.group(1)) > 0, system + " completed no request: " + text);
        }
        assertTrue(Pattern.compile("(?m)^put +\\d+\\.\\d\\dx +\\d+\\.\\d\\dx +\\d+\\.\\d\\dx +\\d+\\.\\d\\dx$").matcher(text).find(), text);
        for (String system : new String[] {"tempokv", "etcd"}) {
            Matcher c = Pattern.compile("target=" + system + " load1=\\S+ server-cpu=(\\d+\\.\\d+) cores, (\\d+\\.\\d+) ms per op").matcher(text);
            assertTrue(c.find(), system + " reported no server CPU: " + text);
            assertTrue(Double.parseDouble(c.group(2)) > 0, system + "'s servers used no CPU: " + text);
        }
        Matcher p = Pattern.compile("bench: tempokv protocol over the run: (\\d+) commands coordinated, (\\d+) fast and (\\d+) slow paths").matcher(text);
        assertTrue(p.find(), text);
        assertTrue(Long.parseLong(p.group(1)) > 0 && Long.parseLong(p.group(2)) + Long.parseLong(p.group(3)) > 0, "counters over the run: " + text);
    }

    @Test
    void valuesHaveExactlyTheAskedSizeAndDiffer() {
        char[] pad = new char[300];
        java.util.Arrays.fill(pad, 'x');
        String a = BenchCommand.value(pad, 1_700_000_000_123L);
        String b = BenchCommand.value(pad, 1_700_000_000_124L);
        assertEquals(300, a.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(a.startsWith("1700000000123x"), a.substring(0, 20));
        assertTrue(!a.equals(b));
        assertEquals("17", BenchCommand.value(new char[2], 1_700_000_000_123L));
    }

    /** --rate paces the clients: 20 ops/s for 3 counted seconds completes about 60 requests, not as many as the node can take. */
    @Test
    void rateLimitsTheOfferedLoad() {
        int rc = bench("--local", "1", "--clients", "2", "--rate", "20", "--time-limit", "3", "--warmup", "1", "--workload", "put");
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_OK, rc, text + err.toString(StandardCharsets.UTF_8));
        Matcher m = Pattern.compile("bench: clients=2 seconds=3 ok=(\\d+) errors=0 .* warmup=1s rate=20 target=tempokv").matcher(text);
        assertTrue(m.find(), text);
        long ok = Long.parseLong(m.group(1));
        assertTrue(ok >= 30 && ok <= 66, "about 60 requests in 3 s at 20 ops/s, got " + ok + ": " + text);
    }

    @Test
    void putWorkloadOnALocalNodeCountsOnlyAfterTheWarmUp() {
        int rc = bench("--local", "1", "--clients", "4", "--time-limit", "2", "--warmup", "1", "--workload", "put", "--value-bytes", "1000");
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_OK, rc, text + err.toString(StandardCharsets.UTF_8));
        Matcher m = Pattern.compile("bench: clients=4 seconds=2 ok=(\\d+) errors=(\\d+) .* workload=put value-bytes=1000 warmup=1s").matcher(text);
        assertTrue(m.find(), text);
        assertTrue(Long.parseLong(m.group(1)) > 0, "no request completed: " + text);
        assertEquals("0", m.group(2), text);
        Matcher cpu = Pattern.compile("server-cpu=\\d+\\.\\d+ cores, (\\d+\\.\\d+) ms per op").matcher(text);
        assertTrue(cpu.find(), "the node's CPU per operation: " + text);
        Matcher dir = Pattern.compile("data in (\\S+) \\(removed at the end\\)").matcher(text);
        assertTrue(dir.find(), text);
        assertTrue(!java.nio.file.Files.exists(java.nio.file.Path.of(dir.group(1))), "the data directory was left behind: " + dir.group(1));
    }
}
