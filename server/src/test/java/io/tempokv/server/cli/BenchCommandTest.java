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
        assertEquals(Main.EXIT_USAGE, bench("--clients", "abc"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--clients: expected a whole number, got 'abc'"), err.toString());
        err.reset();
        assertEquals(Main.EXIT_USAGE, bench("--workload", "scan"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--workload: expected put, get or mixed, got 'scan'"), err.toString());
        err.reset();
        assertEquals(Main.EXIT_USAGE, bench("--value-bytes", "0"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--value-bytes: must be at least 1, got 0"), err.toString());
        err.reset();
        assertEquals(Main.EXIT_USAGE, bench("--warmup", "-1"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--warmup: must be at least 0, got -1"), err.toString());
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

    @Test
    void putWorkloadOnALocalNodeCountsOnlyAfterTheWarmUp() {
        int rc = bench("--local", "1", "--clients", "4", "--time-limit", "2", "--warmup", "1", "--workload", "put", "--value-bytes", "1000");
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_OK, rc, text + err.toString(StandardCharsets.UTF_8));
        Matcher m = Pattern.compile("bench: clients=4 seconds=2 ok=(\\d+) errors=(\\d+) .* workload=put value-bytes=1000 warmup=1s").matcher(text);
        assertTrue(m.find(), text);
        assertTrue(Long.parseLong(m.group(1)) > 0, "no request completed: " + text);
        assertEquals("0", m.group(2), text);
    }
}
