package io.tempokv.check;

import static io.tempokv.check.Hist.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.bpsm.edn.Keyword;

class CheckMainTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    private Path file(String name, List<Op> ops) throws IOException {
        StringWriter w = new StringWriter();
        HistoryIO.write(w, ops);
        return Files.writeString(dir.resolve(name), w.toString(), StandardCharsets.UTF_8);
    }

    private static final List<Op> VALID = new Hist().call(0, "write", 1L, 1L).call(1, "read", null, 1L).ops();
    private static final List<Op> STALE = new Hist().call(0, "write", 1L, 1L).call(0, "write", 2L, 2L)
            .call(1, "read", null, 1L).ops();

    @Test
    void validHistoryExitsZero() throws IOException {
        assertEquals(0, CheckMain.run("cas-register", file("history.edn", VALID), false, out, err));
        assertTrue(out().startsWith("VALID (cas-register)"), out());
        assertEquals("", err());
    }

    @Test
    void invalidHistoryExitsOneAndExplains() throws IOException {
        assertEquals(1, CheckMain.run("cas-register", file("history.edn", STALE), false, out, err));
        assertTrue(out().startsWith("INVALID (cas-register)"), out());
        assertTrue(out().contains("read 1 but the register held 2"), out());
    }

    @Test
    void exhaustedBudgetExitsTwo() throws IOException {
        List<Op> hard = RegisterHistories.corruptRead(RegisterHistories.generate(8, 2000, 20, 0.05), 8);
        Path f = file("hard.edn", hard);
        int status = CheckMain.run("cas-register", f, CheckMain.KeyMode.SINGLE,
                Budget.defaults().withMaxStates(100), false, out, err);
        assertEquals(2, status);
        assertTrue(out().startsWith("UNKNOWN"), out());
    }

    @Test
    void malformedFileExitsThreeWithLocatedMessage() throws IOException {
        Path f = Files.writeString(dir.resolve("history.edn"),
                "{:index 0, :type :invoke, :process 0, :f :read, :value nil, :time 1}\n"
                + "{:index 1, :type :okay, :process 0, :f :read, :value nil, :time 2}\n");
        assertEquals(3, CheckMain.run("cas-register", f, false, out, err));
        assertTrue(err().contains("history.edn:2: :type must be one of :invoke :ok :fail :info, got :okay"), err());
        assertEquals("", out());
    }

    @Test
    void otherBadInputExitsThree() throws IOException {
        assertEquals(3, CheckMain.run("cas-register", dir.resolve("missing.edn"), false, out, err));
        assertEquals(3, CheckMain.run("queue", file("h.edn", VALID), false, out, err));
        assertTrue(err().contains("unknown model 'queue'"), err());
        List<Op> busy = new Hist().invoke(0, "write", 1L).invoke(0, "write", 2L).ops();
        assertEquals(3, CheckMain.run("cas-register", file("busy.edn", busy), false, out, err));
        assertTrue(err().contains("invoked again"), err());
        assertEquals(3, CheckMain.run("cas-register", file("v.edn", VALID), true, out, err));
        assertTrue(err().contains("not a [key value] tuple"), err());
    }

    @Test
    void independentHistoriesAreDetected() throws IOException {
        List<Op> multi = new Hist()
                .invoke(0, "write", vec(1L, 5L)).ok(0, "write", vec(1L, 5L))
                .invoke(1, "cas", vec(2L, vec(null, 1L))).ok(1, "cas", vec(2L, vec(null, 1L)))
                .invoke(0, "read", vec(1L, null)).ok(0, "read", vec(1L, 6L)).ops();
        assertTrue(CheckMain.looksIndependent(multi));
        assertEquals(1, CheckMain.run("cas-register", file("multi.edn", multi), false, out, err));
        assertTrue(out().contains("2 independent keys"), out());
        assertTrue(out().contains("not linearizable: key 1"), out());
    }

    @Test
    void autoDetectionRule() {
        assertFalse(CheckMain.looksIndependent(VALID));
        assertFalse(CheckMain.looksIndependent(List.of()));
        // A single register doing cas [1 2]: the second element is not a pair.
        assertFalse(CheckMain.looksIndependent(new Hist().call(0, "cas", vec(1L, 2L), vec(1L, 2L)).ops()));
        assertTrue(CheckMain.looksIndependent(new Hist().call(0, "cas", vec(7L, vec(1L, 2L)), vec(7L, vec(1L, 2L)))
                .nemesis("kill", null).ops()));
        assertFalse(CheckMain.looksIndependent(new Hist().call(0, "add", 1L, 1L).ops()));
        assertTrue(CheckMain.looksIndependent(new Hist().call(0, "add", vec(0L, 1L), vec(0L, 1L)).ops()));
    }

    @Test
    void ednOutputWithOptions() throws IOException {
        Path f = file("history.edn", STALE);
        int status = CheckMain.run("cas-register", f, CheckMain.KeyMode.SINGLE, Budget.defaults().withMaxMillis(60_000),
                true, out, err);
        assertEquals(1, status, err());
        Map<Object, Object> edn = Hist.parseEdnMap(out().trim());
        assertEquals(Boolean.FALSE, edn.get(Keyword.newKeyword("valid?")));
    }

    @Test
    void setHistoryIsChecked() throws IOException {
        List<Op> lost = new Hist().call(0, "add", 1L, 1L).call(1, "add", 2L, 2L)
                .call(2, "read", null, vec(1L)).ops();
        assertEquals(1, CheckMain.run("set", file("set.edn", lost), false, out, err));
        assertTrue(out().contains("missing #{2}"), out());
    }
}
