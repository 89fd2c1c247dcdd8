package io.tempokv.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import us.bpsm.edn.Keyword;
import us.bpsm.edn.TaggedValue;

/**
 * Histories in exactly the shape Jepsen 0.3.11 writes to store/&lt;test&gt;/&lt;time&gt;/history.edn
 * (fixtures under resources/jepsen/, made by jepsen/dev/history_fixtures.clj with Clojure's own
 * printer): op records printed as maps with keys :index :time :type :process :f :value first,
 * independent [k v] tuples, :fail and :info completions with :error, an :info op with an
 * :exception map, and nemesis ops (:process :nemesis) of the combined nemesis.
 */
class JepsenStoreHistoryTest {

    private static final String REGISTER = "jepsen/register-independent.edn";
    private static final String SET = "jepsen/set.edn";

    static String resource(String name) throws IOException {
        try (InputStream in = JepsenStoreHistoryTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("no test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<Op> read(String text) throws IOException {
        return HistoryIO.read(new StringReader(text), "history.edn");
    }

    private static long count(List<Op> ops, Op.Type type, boolean nemesis) {
        return ops.stream().filter(o -> o.type() == type && o.isNemesis() == nemesis).count();
    }

    private static Keyword kw(String name) {
        return Keyword.newKeyword(name);
    }

    @Test
    void readsTheRegisterHistoryWithEveryOpAndField() throws IOException {
        List<Op> ops = read(resource(REGISTER));
        assertEquals(424, ops.size());
        for (int i = 0; i < ops.size(); i++) {
            assertEquals(i, ops.get(i).index(), "dense :index");
        }
        assertEquals(204, count(ops, Op.Type.INVOKE, false));
        assertEquals(138, count(ops, Op.Type.OK, false));
        assertEquals(57, count(ops, Op.Type.FAIL, false));
        assertEquals(9, count(ops, Op.Type.INFO, false));
        assertEquals(16, count(ops, Op.Type.INFO, true), "nemesis ops are :info both ways");

        Op first = ops.get(0);
        assertEquals(new Op(0, Op.Type.INVOKE, 3, "cas", List.of(1L, List.of(4L, 0L)), 3431130), first);

        // [:isolated {"n1" #{"n4" "n5"} ...}]: a keyword and a map of node name to set of names.
        Op partition = ops.get(24);
        assertTrue(partition.isNemesis());
        assertEquals("start-partition", partition.f());
        List<?> isolated = (List<?>) partition.value();
        assertEquals(kw("isolated"), isolated.get(0));
        Map<?, ?> grudge = (Map<?, ?>) isolated.get(1);
        assertEquals(Set.of("n4", "n5"), grudge.get("n1"));
        assertEquals(Set.of("n1", "n2", "n3"), grudge.get("n5"));
        assertEquals(kw("network-healed"), ops.get(47).value());
        assertEquals(Map.of("n3", kw("killed")), ops.get(70).value());
        assertEquals(List.of("n1", "n2", "n3", "n4", "n5"), ops.get(184).value());

        // The op whose client threw: :info, with :exception and :error read past and ignored.
        Op crashed = ops.get(48);
        assertEquals(Op.Type.INFO, crashed.type());
        assertEquals(2, crashed.process());
        assertEquals(List.of(1L, 2L), crashed.value());
    }

    @Test
    void registerHistoryIsLinearizableKeyByKey() throws IOException {
        List<Op> ops = read(resource(REGISTER));
        assertTrue(CheckMain.looksIndependent(ops));
        Map<Object, List<Op>> byKey = Independent.split(ops);
        assertEquals(List.of(0L, 1L, 2L, 10L, 11L, 12L, 20L, 21L, 22L, 30L, 31L, 32L, 40L, 41L, 42L, 51L)
                        .stream().sorted().toList(),
                byKey.keySet().stream().map(k -> (Long) k).sorted().toList());
        assertEquals(408, byKey.values().stream().mapToInt(List::size).sum(), "every client op, no nemesis op");

        IndependentResult r = IndependentChecker.check(new CasRegister(), ops, Budget.defaults());
        assertEquals(Verdict.VALID, r.verdict(), r.render());
        assertEquals(16, r.results().size());
    }

    @Test
    void aStaleReadMakesTheRegisterHistoryInvalidAtItsKey() throws IOException {
        String original = resource(REGISTER);
        String line = "{:index 111, :time 2724522417, :type :ok, :process 0, :f :read, :value [10 4]}";
        assertTrue(original.contains(line + "\n"));
        // 7 is never written to any key: no linearization can read it.
        String mutated = original.replace(line, line.replace("[10 4]", "[10 7]"));
        IndependentResult r = IndependentChecker.check(new CasRegister(), read(mutated), Budget.defaults());
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of(10L), r.failures());
        assertTrue(r.render().contains("read 7 but the register held"), r.render());
    }

    @Test
    void opsPrintedAsTaggedRecordsReadAsTheirMaps() throws IOException {
        String plain = resource(REGISTER);
        StringBuilder tagged = new StringBuilder();
        for (String line : plain.split("\n")) {
            tagged.append("#jepsen.history.Op").append(line).append('\n');
        }
        assertEquals(read(plain), read(tagged.toString()));
        // Any record tag around the op map, with a space before the map too.
        List<Op> other = read("#knossos.op.Op {:process 0, :type :invoke, :f :read, :value nil, :index 0, :time 1}\n");
        assertEquals(new Op(0, Op.Type.INVOKE, 0, "read", null, 1), other.get(0));
    }

    @Test
    void opsWithMoreThanEightKeysPrintInHashOrderAndStillRead() throws IOException {
        // (into {} op) becomes a hash map past eight entries, so the fixed fields move around.
        List<Op> ops = read("{:index 7, :value [3 nil], :time 55, :process 2, :type :info, :end-process? true, "
                + ":f :read, :error :timeout, :node \"n2\"}\n");
        assertEquals(new Op(7, Op.Type.INFO, 2, "read", java.util.Arrays.asList(3L, null), 55),
                ops.get(0));
    }

    @Test
    void clojureOnlySyntaxInExceptionDataDoesNotStopReading() throws IOException {
        String line = "{:index 9, :time 900, :type :info, :process 4, :f :cas, :value [1 [2 3]], "
                + ":exception {:via [{:type clojure.lang.ExceptionInfo, :message \"boom \\\"quoted\\\" ;-)\", "
                + ":data {:client #object[io.tempokv.client.TempoClient 0x5a2e4553 \"io.tempokv.client.TempoClient@5a2e4553\"], "
                + ":pattern #\"n\\d+\\\"x\", :share 1/3, :p99 ##Inf, :low ##-Inf, :mean ##NaN, :var #'jepsen.core/run!, "
                + ":sep \\, :q \\\" :nl \\newline}, "
                + ":at [io.tempokv.client.TempoClient$$Lambda$312/0x0000000801234a58 apply nil -1]}], "
                + ":trace [[io.tempokv.client.TempoClient$$Lambda/0x00007f3c0c4b2d48 accept \"TempoClient.java\" 201] "
                + "[java.util.concurrent.CompletableFuture uniApply \"CompletableFuture.java\" 646]], "
                + ":cause \"boom\"}, :error \"indeterminate: boom\"}";
        List<Op> ops = read(line + "\n");
        assertEquals(new Op(9, Op.Type.INFO, 4, "cas", List.of(1L, List.of(2L, 3L)), 900), ops.get(0));
    }

    @Test
    void clojureTextRewritesOnlyWhatEdnLacks() {
        assertEquals("#object[java.lang.Object 1511926373 \"java.lang.Object@5a1e2a65\"]",
                ClojureText.toEdn("#object[java.lang.Object 0x5a1e2a65 \"java.lang.Object@5a1e2a65\"]"));
        assertEquals("[\"a.B$$Lambda$3/0x0000000800c0b000\" apply]",
                ClojureText.toEdn("[a.B$$Lambda$3/0x0000000800c0b000 apply]"));
        assertEquals("{:r #clojure/ratio \"-1/3\", :i #clojure/double \"-Inf\"}",
                ClojureText.toEdn("{:r -1/3, :i ##-Inf}"));
        assertEquals("#clojure/regex \"a\\\\\\\"b\\\\d\"", ClojureText.toEdn("#\"a\\\"b\\d\""));
        String untouched = "{:s \"0x1 ##Inf #\\\"x\\\" 1/2\", :c \\\", :k :a/b, :n -12, :d 1.5E-5, :set #{1}}";
        assertEquals(untouched, ClojureText.toEdn(untouched));
    }

    @Test
    void unknownTagsInValuesAreKept() throws IOException {
        List<Op> ops = read("{:index 0, :time 1, :type :info, :process :nemesis, :f :start, "
                + ":value #object[clojure.lang.Atom 0x10 {:status :ready, :val 1}]}\n"
                + "{:index 1, :time 2, :type :info, :process :nemesis, :f :start, :value #inst \"2026-01-02T03:04:05.000-00:00\"}\n");
        TaggedValue object = assertInstanceOf(TaggedValue.class, ops.get(0).value());
        assertEquals("object", object.getTag().getName());
        assertEquals(16L, ((List<?>) object.getValue()).get(1));
        assertInstanceOf(java.util.Date.class, ops.get(1).value());
    }

    @Test
    void setHistoryWithFinalReadsIsValid() throws IOException {
        List<Op> ops = read(resource(SET));
        assertEquals(254, ops.size());
        assertEquals(8, count(ops, Op.Type.INFO, true));
        assertFalse(CheckMain.looksIndependent(ops));
        List<Op> finalReads = ops.stream().filter(o -> o.f().equals("read") && o.type() == Op.Type.OK).toList();
        assertEquals(5, finalReads.size());
        Collection<?> read = assertInstanceOf(Set.class, finalReads.get(0).value());
        assertTrue(read.contains(0L), "an :ok add is read");
        assertFalse(read.contains(5L), "a :fail add is not");

        CheckResult r = Linearizability.check(new SetModel(), ops);
        assertEquals(Verdict.VALID, r.verdict(), r.render());
        assertEquals(107 + 5, r.stats().okOps(), "107 :ok adds and 5 :ok reads");
        assertEquals(5, r.stats().infoOps());
    }

    @Test
    void aLostAddMakesTheSetHistoryInvalid() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String line : resource(SET).split("\n")) {
            // Element 0 was added :ok at :index 1; the last final read loses it.
            lines.add(line.startsWith("{:index 253,") ? line.replace("#{0 1 3 ", "#{1 3 ") : line);
        }
        assertFalse(lines.equals(List.of(resource(SET).split("\n"))), "the mutation applied");
        CheckResult r = Linearizability.check(new SetModel(), read(String.join("\n", lines)));
        assertEquals(Verdict.INVALID, r.verdict(), r.render());
        assertTrue(r.render().contains("missing #{0}"), r.render());
    }
}
