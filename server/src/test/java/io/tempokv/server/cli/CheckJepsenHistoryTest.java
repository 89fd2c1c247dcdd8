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

/**
 * {@code tempokv check} on histories in the shape Jepsen 0.3.11 writes to store/.../history.edn: the
 * fixtures of the check module (check/src/test/resources/jepsen/, see JepsenStoreHistoryTest there).
 */
class CheckJepsenHistoryTest {
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

    /** Surefire runs in the module directory; the fixtures live in the check module. */
    private static Path fixture(String name) {
        Path p = Path.of(System.getProperty("basedir", ".")).resolve("../check/src/test/resources/jepsen").resolve(name);
        assertTrue(Files.isRegularFile(p), "fixture " + p);
        return p;
    }

    @Test
    void jepsenRegisterHistoryIsValid() {
        int code = run("check", "--model", "cas-register", fixture("register-independent.edn").toString());
        assertEquals(0, code, out() + err);
        assertTrue(out().startsWith("VALID (cas-register, 16 independent keys)"), out());
    }

    @Test
    void jepsenRegisterHistoryWithAStaleReadIsInvalid() throws IOException {
        String text = Files.readString(fixture("register-independent.edn"));
        String line = "{:index 111, :time 2724522417, :type :ok, :process 0, :f :read, :value [10 4]}";
        assertTrue(text.contains(line));
        Path bad = Files.writeString(dir.resolve("history.edn"), text.replace(line, line.replace("[10 4]", "[10 7]")));
        assertEquals(1, run("check", "--model", "cas-register", bad.toString()));
        assertTrue(out().startsWith("INVALID (cas-register, 16 independent keys)"), out());
        assertTrue(out().contains("not linearizable: key 10"), out());
    }

    @Test
    void jepsenRegisterHistoryAsEdn() {
        assertEquals(0, run("check", "--edn", fixture("register-independent.edn").toString()));
        assertTrue(out().startsWith("{:valid? true, :model :cas-register, :key-count 16, :failures [], :unknown []"), out());
    }

    @Test
    void jepsenSetHistoryWithFinalReadsIsValid() {
        assertEquals(0, run("check", "--model", "set", fixture("set.edn").toString()), out() + err);
        assertTrue(out().startsWith("VALID (set): 112 :ok ops, 5 with unknown outcome"), out());
    }
}
