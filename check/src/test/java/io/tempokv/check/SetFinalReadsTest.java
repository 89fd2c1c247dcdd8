package io.tempokv.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The set model's final-reads decision agrees with the general search, and explains failures. */
class SetFinalReadsTest {

    /** The set model under another class, so Linearizability runs the general search on it. */
    private static final class SearchedSet implements Model {
        private final SetModel set = new SetModel();

        @Override
        public String name() {
            return set.name();
        }

        @Override
        public Object init() {
            return set.init();
        }

        @Override
        public Object step(Object state, Op op) {
            return set.step(state, op);
        }

        @Override
        public boolean readOnly(Op op) {
            return set.readOnly(op);
        }

        @Override
        public void validate(Op op) {
            set.validate(op);
        }
    }

    private final List<Op> ops = new ArrayList<>();

    private void op(Op.Type type, long process, String f, Object value) {
        ops.add(new Op(ops.size(), type, process, f, value, ops.size()));
    }

    /** Adds of 0..n-1 by rotating processes, each :ok, :info or :fail, one at a time. */
    private Set<Long> adds(Random rnd, int n, List<Long> okOnes, List<Long> maybe) {
        Set<Long> allowed = new LinkedHashSet<>();
        for (long e = 0; e < n; e++) {
            long p = e % 3;
            op(Op.Type.INVOKE, p, "add", e);
            int r = rnd.nextInt(4);
            Op.Type t = r == 0 ? Op.Type.FAIL : r == 1 ? Op.Type.INFO : Op.Type.OK;
            op(t, p, "add", e);
            if (t != Op.Type.FAIL) {
                allowed.add(e);
                (t == Op.Type.OK ? okOnes : maybe).add(e);
            }
        }
        return allowed;
    }

    @Test
    void agreesWithTheSearchOnRandomFinalReadHistories() {
        Random rnd = new Random(11);
        int valid = 0;
        for (int run = 0; run < 400; run++) {
            ops.clear();
            List<Long> okOnes = new ArrayList<>();
            List<Long> maybe = new ArrayList<>();
            adds(rnd, 2 + rnd.nextInt(7), okOnes, maybe);
            // 1 to 3 reads on processes 10.., sequential or overlapping, of plausible or broken sets.
            int reads = 1 + rnd.nextInt(3);
            boolean overlap = rnd.nextBoolean();
            List<Set<Long>> values = new ArrayList<>();
            for (int i = 0; i < reads; i++) {
                Set<Long> v = new LinkedHashSet<>(okOnes);
                maybe.forEach(e -> {
                    if (rnd.nextBoolean()) {
                        v.add(e);
                    }
                });
                if (rnd.nextInt(6) == 0 && !v.isEmpty()) {
                    v.remove(v.iterator().next());
                }
                if (rnd.nextInt(8) == 0) {
                    v.add(99L);
                }
                values.add(v);
            }
            if (overlap) {
                for (int i = 0; i < reads; i++) {
                    op(Op.Type.INVOKE, 10 + i, "read", null);
                }
                for (int i = 0; i < reads; i++) {
                    op(Op.Type.OK, 10 + i, "read", values.get(i));
                }
            } else {
                for (int i = 0; i < reads; i++) {
                    op(Op.Type.INVOKE, 10 + i, "read", null);
                    op(Op.Type.OK, 10 + i, "read", values.get(i));
                }
            }
            Verdict direct = Linearizability.check(new SetModel(), ops).verdict();
            Verdict searched = Linearizability.check(new SearchedSet(), ops).verdict();
            assertEquals(searched, direct, "run " + run + ": " + ops);
            valid += direct == Verdict.VALID ? 1 : 0;
        }
        assertTrue(valid > 50 && valid < 350, "both verdicts occur: " + valid + " valid of 400");
    }

    @Test
    void decidesThousandsOfAddsOfUnknownOutcome() {
        // A minute of Jepsen's set workload under faults; the search alone runs out of memory here.
        Random rnd = new Random(5);
        List<Long> okOnes = new ArrayList<>();
        List<Long> maybe = new ArrayList<>();
        adds(rnd, 5000, okOnes, maybe);
        Set<Long> read = new LinkedHashSet<>(okOnes);
        maybe.stream().filter(e -> e % 2 == 0).forEach(read::add);
        for (int p = 10; p < 20; p++) {
            op(Op.Type.INVOKE, p, "read", null);
            op(Op.Type.OK, p, "read", read);
        }
        CheckResult r = Linearizability.check(new SetModel(), ops, Budget.defaults().withMaxMillis(20_000));
        assertEquals(Verdict.VALID, r.verdict(), r.render());
        assertEquals(maybe.size(), r.stats().infoOps());
        assertTrue(maybe.size() > 1000, "many adds of unknown outcome: " + maybe.size());
    }

    @Test
    void aLaterReadThatLosesAnElementIsInvalid() {
        op(Op.Type.INVOKE, 0, "add", 1L);
        op(Op.Type.INFO, 0, "add", 1L);
        op(Op.Type.INVOKE, 1, "read", null);
        op(Op.Type.OK, 1, "read", Set.of(1L));
        op(Op.Type.INVOKE, 2, "read", null);
        op(Op.Type.OK, 2, "read", Set.of());
        CheckResult r = Linearizability.check(new SetModel(), ops);
        assertEquals(Verdict.INVALID, r.verdict());
        assertTrue(r.render().contains("an element once read is never removed"), r.render());
        assertEquals(Verdict.INVALID, Linearizability.check(new SearchedSet(), ops).verdict());
    }

    @Test
    void addsWithoutACompletedReadAreUnknownNotValid() {
        op(Op.Type.INVOKE, 0, "add", 1L);
        op(Op.Type.OK, 0, "add", 1L);
        op(Op.Type.INVOKE, 1, "add", 2L);
        op(Op.Type.INFO, 1, "add", 2L);
        op(Op.Type.INVOKE, 2, "read", null);
        op(Op.Type.INFO, 2, "read", null); // the final read timed out: the cluster never recovered
        CheckResult r = Linearizability.check(new SetModel(), ops);
        assertEquals(Verdict.UNKNOWN, r.verdict(), r.render());
        assertTrue(r.render().contains("no read of the set completed"), r.render());
    }

    @Test
    void readsBetweenAddsAreLeftToTheSearch() {
        op(Op.Type.INVOKE, 0, "add", 1L);
        op(Op.Type.OK, 0, "add", 1L);
        op(Op.Type.INVOKE, 1, "read", null);
        op(Op.Type.OK, 1, "read", Set.of(1L));
        op(Op.Type.INVOKE, 0, "add", 2L);
        op(Op.Type.OK, 0, "add", 2L);
        op(Op.Type.INVOKE, 1, "read", null);
        op(Op.Type.OK, 1, "read", Set.of(1L, 2L));
        CheckResult r = Linearizability.check(new SetModel(), ops);
        assertEquals(Verdict.VALID, r.verdict());
        assertTrue(r.stats().explored() > 0, "the search ran");
    }
}
