package io.tempokv.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Checks simulated histories, and cross-checks small random ones against brute force. */
class GeneratedHistoryTest {

    private static final Model REGISTER = new CasRegister();

    @Test
    void simulatedRegisterHistoriesAreValid() {
        for (long s = 0; s < 60; s++) {
            long seed = s;
            List<Op> h = RegisterHistories.generate(seed, 300, 5, 0.05);
            CheckResult r = Linearizability.check(REGISTER, h, Budget.defaults());
            assertEquals(Verdict.VALID, r.verdict(), () -> "seed " + seed + "\n" + r.render());
        }
    }

    @Test
    void simulatedHistoriesWithManyCrashesAreValid() {
        for (long s = 0; s < 20; s++) {
            long seed = s;
            List<Op> h = RegisterHistories.generate(seed, 200, 8, 0.3);
            CheckResult r = Linearizability.check(REGISTER, h, Budget.defaults());
            assertEquals(Verdict.VALID, r.verdict(), () -> "seed " + seed + "\n" + r.render());
        }
    }

    @Test
    void generatorProducesJepsenShapedHistories() {
        List<Op> h = RegisterHistories.generate(7, 2000, 10, 0.05);
        assertEquals(4000, h.size());
        long infos = h.stream().filter(op -> op.type() == Op.Type.INFO).count();
        assertTrue(infos > 40 && infos < 170, "about 5% :info, got " + infos);
        assertTrue(h.stream().anyMatch(op -> op.type() == Op.Type.FAIL));
        assertTrue(h.stream().anyMatch(op -> op.process() >= 10), "crashed processes get new ids");
        for (int i = 0; i < h.size(); i++) {
            assertEquals(i, h.get(i).index());
        }
    }

    @Test
    void corruptingOneReadMakesHistoryInvalidAtThatRead() {
        for (long s = 0; s < 40; s++) {
            long seed = s;
            List<Op> h = RegisterHistories.corruptRead(RegisterHistories.generate(seed, 300, 5, 0.05), seed);
            Op corrupted = h.stream().filter(op -> Long.valueOf(RegisterHistories.NEVER_WRITTEN).equals(op.value()))
                    .findFirst().orElseThrow();
            CheckResult r = Linearizability.check(REGISTER, h, Budget.defaults());
            assertEquals(Verdict.INVALID, r.verdict(), "seed " + seed);
            assertEquals(corrupted, r.failure().completion(), () -> "seed " + seed + "\n" + r.render());
        }
    }

    @Test
    void largerHistoriesCheckQuickly() {
        long start = System.nanoTime();
        List<Op> h = RegisterHistories.generate(3, 3000, 20, 0.05);
        assertEquals(Verdict.VALID, Linearizability.check(REGISTER, h, Budget.defaults()).verdict());
        List<Op> bad = RegisterHistories.corruptRead(h, 3);
        assertEquals(Verdict.INVALID, Linearizability.check(REGISTER, bad, Budget.defaults()).verdict());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 60_000, "took " + millis + " ms");
    }

    /** Random tiny histories, some made invalid by mutation, must get brute force's verdict. */
    @Test
    void agreesWithBruteForceOnTinyHistories() {
        Random rnd = new Random(2024);
        int valid = 0;
        int invalid = 0;
        for (int i = 0; i < 3000; i++) {
            List<Op> h = mutate(RegisterHistories.generate(rnd.nextLong(), 4 + rnd.nextInt(5), 3, 0.25), rnd);
            boolean expected = BruteForce.linearizable(REGISTER, h);
            CheckResult r = Linearizability.check(REGISTER, h, Budget.defaults());
            assertEquals(expected ? Verdict.VALID : Verdict.INVALID, r.verdict(), () -> join(h) + r.render());
            if (expected) {
                valid++;
            } else {
                invalid++;
            }
        }
        assertTrue(valid > 500 && invalid > 500, valid + " valid, " + invalid + " invalid");
    }

    /** Random set histories: adds of small numbers, reads of plausible subsets. */
    @Test
    void setModelAgreesWithBruteForce() {
        Model set = new SetModel();
        Random rnd = new Random(99);
        int valid = 0;
        int invalid = 0;
        int unread = 0;
        for (int i = 0; i < 2000; i++) {
            List<Op> h = randomSetHistory(rnd, 3 + rnd.nextInt(6), 3);
            boolean expected = BruteForce.linearizable(set, h);
            CheckResult r = Linearizability.check(set, h, Budget.defaults());
            // Adds with no :ok read prove nothing: the checker says UNKNOWN there (SetFinalReads).
            if (r.verdict() == Verdict.UNKNOWN) {
                boolean noRead = h.stream().noneMatch(o -> o.type() == Op.Type.OK && o.f().equals("read"));
                assertTrue(expected && noRead && r.cause().contains("no read of the set completed"), () -> join(h) + r.render());
                unread++;
                continue;
            }
            assertEquals(expected ? Verdict.VALID : Verdict.INVALID, r.verdict(), () -> join(h) + r.render());
            if (expected) {
                valid++;
            } else {
                invalid++;
            }
        }
        assertTrue(valid > 200 && invalid > 200 && unread > 0, valid + " valid, " + invalid + " invalid, " + unread + " without a read");
    }

    private static List<Op> randomSetHistory(Random rnd, int operations, int processes) {
        List<Op> h = new ArrayList<>();
        Op[] open = new Op[processes];
        long[] pid = {0, 1, 2};
        Set<Long> invokedAdds = new HashSet<>();
        int invoked = 0;
        while (invoked < operations || Arrays.stream(open).anyMatch(o -> o != null)) {
            int p = rnd.nextInt(processes);
            Op inv = open[p];
            if (inv == null) {
                if (invoked++ < operations) {
                    boolean add = rnd.nextBoolean();
                    long x = rnd.nextInt(4);
                    open[p] = new Op(h.size(), Op.Type.INVOKE, pid[p], add ? "add" : "read", add ? x : null, 0);
                    h.add(open[p]);
                    if (add) {
                        invokedAdds.add(x);
                    }
                }
                continue;
            }
            int dice = rnd.nextInt(10);
            Op.Type type = dice == 0 ? Op.Type.INFO : dice == 1 ? Op.Type.FAIL : Op.Type.OK;
            Object value = inv.value();
            if (inv.f().equals("read") && type == Op.Type.OK) {
                Set<Long> seen = new HashSet<>();
                invokedAdds.forEach(x -> {
                    if (rnd.nextInt(4) != 0) {
                        seen.add(x);
                    }
                });
                value = seen;
            }
            h.add(new Op(h.size(), type, inv.process(), inv.f(), value, 0));
            open[p] = null;
            if (type == Op.Type.INFO) {
                pid[p] += processes;
            }
        }
        return h;
    }

    /** Changes read results and turns failed cas into successful ones, at random. */
    private static List<Op> mutate(List<Op> h, Random rnd) {
        List<Op> out = new ArrayList<>(h);
        for (int i = 0; i < out.size(); i++) {
            Op op = out.get(i);
            if (op.type() == Op.Type.OK && op.f().equals("read") && rnd.nextInt(3) == 0) {
                out.set(i, op.withValue(rnd.nextInt(4) == 0 ? null : (long) rnd.nextInt(5)));
            } else if (op.type() == Op.Type.FAIL && rnd.nextInt(3) == 0) {
                out.set(i, new Op(op.index(), Op.Type.OK, op.process(), op.f(), op.value(), op.time()));
            }
        }
        return out;
    }

    private static String join(List<Op> h) {
        StringBuilder s = new StringBuilder();
        h.forEach(op -> s.append(op).append('\n'));
        return s.toString();
    }

    /** Tries every order of every subset of ops, with no memo and no reductions. */
    static final class BruteForce {
        private record Candidate(Op op, int call, int ret, boolean required) {
        }

        static boolean linearizable(Model model, List<Op> history) {
            List<Candidate> cs = candidates(history);
            return search(model, cs, new boolean[cs.size()], model.init());
        }

        private static List<Candidate> candidates(List<Op> history) {
            List<Candidate> cs = new ArrayList<>();
            Map<Long, Integer> open = new HashMap<>();
            for (int i = 0; i < history.size(); i++) {
                Op op = history.get(i);
                if (op.type() == Op.Type.INVOKE) {
                    open.put(op.process(), i);
                    continue;
                }
                int call = open.remove(op.process());
                Op inv = history.get(call);
                if (op.type() == Op.Type.OK) {
                    Object v = op.value() != null ? op.value() : inv.value();
                    cs.add(new Candidate(op.withValue(v), call, i, true));
                } else if (op.type() == Op.Type.INFO) {
                    cs.add(new Candidate(inv, call, Integer.MAX_VALUE, false));
                }
            }
            open.values().forEach(call -> cs.add(new Candidate(history.get(call), call, Integer.MAX_VALUE, false)));
            return cs;
        }

        private static boolean search(Model model, List<Candidate> cs, boolean[] placed, Object state) {
            boolean done = true;
            for (int i = 0; i < cs.size(); i++) {
                done &= placed[i] || !cs.get(i).required();
            }
            if (done) {
                return true;
            }
            for (int i = 0; i < cs.size(); i++) {
                if (placed[i] || !mayGoNext(cs, placed, cs.get(i))) {
                    continue;
                }
                Object next = model.step(state, cs.get(i).op());
                if (Model.isInconsistent(next)) {
                    continue;
                }
                placed[i] = true;
                boolean ok = search(model, cs, placed, next);
                placed[i] = false;
                if (ok) {
                    return true;
                }
            }
            return false;
        }

        /** No unplaced op may have finished before {@code c} started. */
        private static boolean mayGoNext(List<Candidate> cs, boolean[] placed, Candidate c) {
            for (int j = 0; j < cs.size(); j++) {
                if (!placed[j] && cs.get(j).ret() < c.call()) {
                    return false;
                }
            }
            return true;
        }
    }
}
