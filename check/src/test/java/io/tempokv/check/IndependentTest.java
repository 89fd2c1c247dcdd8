package io.tempokv.check;

import static io.tempokv.check.Hist.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import us.bpsm.edn.Keyword;

class IndependentTest {

    private static final Model REGISTER = new CasRegister();

    @Test
    void splitsByKeyInOrderOfFirstAppearanceAndUnwrapsValues() {
        Hist h = new Hist().invoke(0, "write", vec(9L, 1L)).invoke(1, "read", vec(3L, null))
                .nemesis("start-partition", Keyword.newKeyword("majority"))
                .ok(1, "read", vec(3L, null)).ok(0, "write", vec(9L, 1L))
                .invoke(0, "cas", vec(3L, vec(null, 5L))).ok(0, "cas", vec(3L, vec(null, 5L)));
        Map<Object, List<Op>> byKey = Independent.split(h.ops());

        assertEquals(List.of(9L, 3L), List.copyOf(byKey.keySet()));
        assertEquals(List.of(h.get(0).withValue(1L), h.get(4).withValue(1L)), byKey.get(9L));
        List<Op> three = byKey.get(3L);
        assertEquals(4, three.size());
        assertEquals(1, three.get(0).index());
        assertEquals(null, three.get(1).value());
        assertEquals(vec(null, 5L), three.get(3).value());
    }

    @Test
    void nonTupleValueIsAnErrorNamingTheOp() {
        List<Op> h = new Hist().invoke(0, "write", vec(1L, 1L)).ok(0, "write", vec(1L, 1L))
                .invoke(0, "read", null).ops();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Independent.split(h));
        assertTrue(e.getMessage().startsWith("op :index 2 "), e.getMessage());
        assertTrue(e.getMessage().contains("not a [key value] tuple"), e.getMessage());
    }

    @Test
    void checksEachKeyAndNamesTheFailingOne() {
        List<Op> h = new Hist()
                .invoke(0, "write", vec("a", 1L)).invoke(1, "write", vec("b", 1L))
                .ok(0, "write", vec("a", 1L)).ok(1, "write", vec("b", 1L))
                .invoke(0, "read", vec("a", null)).invoke(1, "read", vec("b", null))
                .ok(0, "read", vec("a", 1L)).ok(1, "read", vec("b", 2L)).ops();
        IndependentResult r = IndependentChecker.check(REGISTER, h, Budget.defaults());

        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(List.of("b"), r.failures());
        assertEquals(Verdict.VALID, r.results().get("a").verdict());
        assertEquals(7, r.results().get("b").failure().completion().index());
        assertTrue(r.render().contains("not linearizable: key \"b\""), r.render());

        Map<Object, Object> edn = Hist.parseEdnMap(r.toEdn());
        assertEquals(Boolean.FALSE, edn.get(kw("valid?")));
        assertEquals(List.of("b"), edn.get(kw("failures")));
        Map<?, ?> results = (Map<?, ?>) edn.get(kw("results"));
        assertEquals(Boolean.TRUE, ((Map<?, ?>) results.get("a")).get(kw("valid?")));
        assertEquals(Boolean.FALSE, ((Map<?, ?>) results.get("b")).get(kw("valid?")));
    }

    @Test
    void verdictIsUnknownOnlyWhenNoKeyIsInvalid() {
        List<Op> hard = tuples(RegisterHistories.corruptRead(RegisterHistories.generate(5, 2000, 20, 0.05), 5), 1L, 0);
        List<Op> broken = new Hist().call(100, "write", vec(2L, 1L), vec(2L, 1L))
                .call(100, "read", vec(2L, null), vec(2L, 7L)).ops();
        Budget tiny = Budget.defaults().withMaxStates(200);

        IndependentResult unknown = IndependentChecker.check(REGISTER, hard, tiny);
        assertEquals(Verdict.UNKNOWN, unknown.verdict());
        assertEquals(List.of(1L), unknown.unknownKeys());
        assertEquals(kw("unknown"), Hist.parseEdnMap(unknown.toEdn()).get(kw("valid?")));

        List<Op> both = new ArrayList<>(hard);
        both.addAll(broken);
        IndependentResult invalid = IndependentChecker.check(REGISTER, both, tiny);
        assertEquals(Verdict.INVALID, invalid.verdict());
        assertEquals(List.of(2L), invalid.failures());
    }

    @Test
    void interleavedGeneratedKeysAreValidUntilOneIsCorrupted() {
        Random rnd = new Random(11);
        List<List<Op>> perKey = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            perKey.add(tuples(RegisterHistories.generate(k, 300, 4, 0.05), (long) k, k));
        }
        IndependentResult ok = IndependentChecker.check(REGISTER, interleave(perKey, rnd), Budget.defaults());
        assertEquals(Verdict.VALID, ok.verdict(), ok::render);
        assertEquals(4, ok.results().size());

        perKey.set(2, tuples(RegisterHistories.corruptRead(RegisterHistories.generate(2, 300, 4, 0.05), 1), 2L, 2));
        IndependentResult bad = IndependentChecker.check(REGISTER, interleave(perKey, rnd), Budget.defaults());
        assertEquals(Verdict.INVALID, bad.verdict());
        assertEquals(List.of(2L), bad.failures());
    }

    /** Wraps values as [key value] and gives key {@code k} its own process ids. */
    static List<Op> tuples(List<Op> history, Object key, int k) {
        List<Op> out = new ArrayList<>();
        for (Op op : history) {
            out.add(new Op(op.index(), op.type(), op.process() * 10 + k, op.f(), vec(key, op.value()), op.time()));
        }
        return out;
    }

    /** A random merge keeping each history's order, re-indexed. */
    private static List<Op> interleave(List<List<Op>> histories, Random rnd) {
        List<Op> out = new ArrayList<>();
        int[] next = new int[histories.size()];
        int left = histories.stream().mapToInt(List::size).sum();
        while (left > 0) {
            int k = rnd.nextInt(histories.size());
            if (next[k] < histories.get(k).size()) {
                out.add(histories.get(k).get(next[k]++).withIndex(out.size()));
                left--;
            }
        }
        return out;
    }

    private static Keyword kw(String name) {
        return Keyword.newKeyword(name);
    }
}
