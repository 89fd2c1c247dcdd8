package io.tempokv.check;

import static io.tempokv.check.Hist.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.bpsm.edn.Keyword;

class HistoryIOTest {

    /** Lines as Jepsen writes them, in both key orders Jepsen versions have used. */
    static final String JEPSEN_SAMPLE = String.join("\n",
            "{:type :invoke, :f :read, :value nil, :process 0, :time 10, :index 0}",
            "{:type :ok, :f :read, :value nil, :process 0, :time 20, :index 1}",
            "{:index 2, :time 30, :type :invoke, :process 1, :f :write, :value 3}",
            "{:index 3, :time 40, :type :ok, :process 1, :f :write, :value 3}",
            "{:type :invoke, :f :cas, :value [3 4], :process 2, :time 50, :index 4}",
            "{:type :invoke, :f :read, :value nil, :process 0, :time 60, :index 5}",
            "{:type :ok, :f :read, :value 3, :process 0, :time 110, :index 6}",
            "{:type :info, :f :start-partition, :value :majority, :process :nemesis, :time 123, :index 7}",
            "{:type :info, :f :start-partition, :value [:isolated {\"n1\" #{\"n2\" \"n3\"}}], :process :nemesis, :time 130, :index 8}",
            "{:type :info, :f :cas, :value [3 4], :process 2, :time 140, :error :timeout, :index 9}",
            "{:type :info, :f :stop-partition, :value nil, :process :nemesis, :time 150, :index 10}",
            "{:type :invoke, :f :read, :value nil, :process 7, :time 160, :index 11}",
            "{:type :ok, :f :read, :value 4, :process 7, :time 170, :index 12}",
            "");

    @Test
    void readsJepsenStyleHistoryWithNemesisEntries() throws IOException {
        List<Op> ops = HistoryIO.read(new StringReader(JEPSEN_SAMPLE), "history.edn");

        assertEquals(13, ops.size());
        assertEquals(new Op(0, Op.Type.INVOKE, 0, "read", null, 10), ops.get(0));
        assertEquals(new Op(2, Op.Type.INVOKE, 1, "write", 3L, 30), ops.get(2));
        Op partition = ops.get(7);
        assertTrue(partition.isNemesis());
        assertEquals(new Op(7, Op.Type.INFO, Op.NEMESIS, "start-partition", Keyword.newKeyword("majority"), 123),
                partition);
        Map<Object, Object> grudge = Map.of("n1", Set.of("n2", "n3"));
        assertEquals(List.of(Keyword.newKeyword("isolated"), grudge), ops.get(8).value());
        assertEquals(new Op(9, Op.Type.INFO, 2, "cas", List.of(3L, 4L), 140), ops.get(9));
        assertEquals(4L, ops.get(12).value());
    }

    @Test
    void jepsenSampleChecksAsLinearizable() throws IOException {
        List<Op> ops = HistoryIO.read(new StringReader(JEPSEN_SAMPLE), "history.edn");
        // The timed-out cas must have taken effect for the final read of 4.
        assertEquals(Verdict.VALID, Linearizability.check(new CasRegister(), ops).verdict());
    }

    @Test
    void readsIndependentTuples() throws IOException {
        String text = String.join("\n",
                "{:type :invoke, :f :write, :value [1 3], :process 0, :time 1, :index 0}",
                "{:type :invoke, :f :read, :value [2 nil], :process 1, :time 2, :index 1}",
                "{:type :ok, :f :write, :value [1 3], :process 0, :time 3, :index 2}",
                "{:type :ok, :f :read, :value [2 nil], :process 1, :time 4, :index 3}",
                "{:type :invoke, :f :cas, :value [1 [3 4]], :process 0, :time 5, :index 4}",
                "{:type :ok, :f :cas, :value [1 [3 4]], :process 0, :time 6, :index 5}");
        List<Op> ops = HistoryIO.read(new StringReader(text), "independent.edn");

        assertEquals(vec(2L, null), ops.get(1).value());
        assertEquals(List.of(1L, List.of(3L, 4L)), ops.get(4).value());
        Map<Object, List<Op>> byKey = Independent.split(ops);
        assertEquals(List.of(1L, 2L), List.copyOf(byKey.keySet()));
        assertEquals(List.of(3L, 4L), byKey.get(1L).get(2).value());
    }

    @Test
    void writesExactlyJepsensLayout() throws IOException {
        StringWriter out = new StringWriter();
        HistoryIO.write(out, List.of(
                new Op(0, Op.Type.INVOKE, 3, "cas", List.of(1L, 2L), 1234),
                new Op(1, Op.Type.OK, 3, "read", null, 1300),
                new Op(2, Op.Type.INFO, Op.NEMESIS, "start-partition", Keyword.newKeyword("majority"), 1400),
                new Op(3, Op.Type.FAIL, 4, "write", "a \"b\"", 1500)));

        assertEquals("{:index 0, :type :invoke, :process 3, :f :cas, :value [1 2], :time 1234}\n"
                + "{:index 1, :type :ok, :process 3, :f :read, :value nil, :time 1300}\n"
                + "{:index 2, :type :info, :process :nemesis, :f :start-partition, :value :majority, :time 1400}\n"
                + "{:index 3, :type :fail, :process 4, :f :write, :value \"a \\\"b\\\"\", :time 1500}\n",
                out.toString());
    }

    @Test
    void writeThenReadRoundTrips() throws IOException {
        Map<Object, Object> map = new LinkedHashMap<>();
        map.put(Keyword.newKeyword("node"), "n1");
        map.put(1L, vec(null, -2L));
        Set<Object> set = new LinkedHashSet<>(List.of(1L, "two", Keyword.newKeyword("three")));
        List<Op> ops = List.of(
                new Op(0, Op.Type.INVOKE, 0, "write", -5L, 0),
                new Op(1, Op.Type.OK, 0, "write", -5L, 17),
                new Op(2, Op.Type.INVOKE, 1, "cas", vec(vec(1L, null), 2.5), 18),
                new Op(3, Op.Type.INFO, 1, "cas", "line\nbreak \\ \"quote\"", 19),
                new Op(4, Op.Type.INFO, Op.NEMESIS, "kill", map, 20),
                new Op(5, Op.Type.INVOKE, 6, "ns/op", set, 21),
                new Op(6, Op.Type.FAIL, 6, "ns/op", true, Long.MAX_VALUE));
        StringWriter out = new StringWriter();
        HistoryIO.write(out, ops);

        List<Op> back = HistoryIO.read(new StringReader(out.toString()), "round-trip");
        assertEquals(ops, back);
        for (String line : out.toString().split("\n")) {
            assertTrue(Hist.parseEdn(line) instanceof Map, line);
        }
    }

    @Test
    void missingIndexAndTimeGetDefaults() throws IOException {
        String text = "{:type :invoke, :f :read, :process 0}\n\n"
                + "; a comment line\n"
                + "{:type :ok, :f :read, :value 1, :process 0}\n";
        List<Op> ops = HistoryIO.read(new StringReader(text), "h.edn");
        assertEquals(List.of(new Op(0, Op.Type.INVOKE, 0, "read", null, 0),
                             new Op(1, Op.Type.OK, 0, "read", 1L, 0)), ops);
    }

    @Test
    void badTypeNamesFileLineAndProblem() {
        String text = "{:index 0, :type :invoke, :process 0, :f :read, :value nil, :time 1}\n"
                + "\n"
                + "{:index 1, :type :okay, :process 0, :f :read, :value nil, :time 2}\n";
        HistoryFormatException e = assertThrows(HistoryFormatException.class,
                () -> HistoryIO.read(new StringReader(text), "history.edn"));
        assertEquals("history.edn:3: :type must be one of :invoke :ok :fail :info, got :okay", e.getMessage());
        assertEquals(3, e.line());
        assertEquals("history.edn", e.source());
    }

    @Test
    void otherFormatErrorsAreLocated() {
        assertProblem("{:type :ok, :f :read, :process 0, :value [1 2}", 1, "malformed EDN");
        assertProblem("[:type :ok]", 1, "expected an operation map, got [:type :ok]");
        assertProblem("{:type :ok, :process 0}", 1, ":f is missing");
        assertProblem("{:type :ok, :f \"read\", :process 0}", 1, ":f must be a keyword, got \"read\"");
        assertProblem("{:type :ok, :f :read, :process :client}", 1,
                ":process must be a non-negative integer or :nemesis, got :client");
        assertProblem("{:type :ok, :f :read, :process 0, :index \"x\"}", 1, ":index must be an integer, got \"x\"");
        assertProblem("{:type :ok, :f :read, :process 0} {:type :ok}", 1, "found more after it");
        assertProblem("\n\n{:f :read, :process 0}", 3, ":type is missing");
    }

    private static void assertProblem(String text, long line, String problem) {
        HistoryFormatException e = assertThrows(HistoryFormatException.class,
                () -> HistoryIO.read(new StringReader(text), "x.edn"));
        assertTrue(e.getMessage().startsWith("x.edn:" + line + ": "), e.getMessage());
        assertTrue(e.problem().contains(problem), e.getMessage());
    }

    @Test
    void readingAFileNamesItInErrors(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("history.edn");
        Files.writeString(file, "{:type :invoke, :f :read, :process 0}\n{:type :ok, :f :read, :process -1}\n",
                StandardCharsets.UTF_8);
        HistoryFormatException e = assertThrows(HistoryFormatException.class, () -> HistoryIO.read(file));
        assertTrue(e.getMessage().startsWith("history.edn:2: :process"), e.getMessage());
    }

    @Test
    void opNormalisesJavaIntegersToLongs() {
        Op fromJava = Op.of(Op.Type.INVOKE, 1, "cas", List.of(1, 2));
        assertEquals(List.of(1L, 2L), fromJava.value());
        assertNull(Op.of(Op.Type.INVOKE, 1, "read", null).value());
        assertEquals("{:index 0, :type :invoke, :process 1, :f :cas, :value [1 2], :time 0}", fromJava.toString());
    }
}
