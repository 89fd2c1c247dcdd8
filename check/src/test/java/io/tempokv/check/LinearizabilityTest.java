package io.tempokv.check;

import static io.tempokv.check.Hist.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import us.bpsm.edn.Keyword;

class LinearizabilityTest {

    private static final Model REGISTER = new CasRegister();

    private static CheckResult check(Hist h) {
        return Linearizability.check(REGISTER, h.ops(), Budget.unlimited());
    }

    private static void assertValid(Hist h) {
        CheckResult r = check(h);
        assertEquals(Verdict.VALID, r.verdict(), r::render);
    }

    /** Asserts INVALID and that the op reported as impossible is the completion at {@code index}. */
    private static CheckResult assertInvalidAt(Hist h, int index) {
        CheckResult r = check(h);
        assertEquals(Verdict.INVALID, r.verdict(), r::render);
        assertEquals(h.get(index), r.failure().completion(), r::render);
        return r;
    }

    @Test
    void emptyAndNemesisOnlyHistoriesAreValid() {
        assertValid(new Hist());
        assertValid(new Hist().nemesis("start-partition", Keyword.newKeyword("majority")));
    }

    @Test
    void sequentialWriteThenReadIsValid() {
        assertValid(new Hist().call(0, "write", 1L, 1L).call(1, "read", null, 1L)
                .call(0, "cas", vec(1L, 2L), vec(1L, 2L)).call(1, "read", null, 2L));
    }

    @Test
    void staleReadIsInvalid() {
        Hist h = new Hist().call(0, "write", 1L, 1L).call(0, "write", 2L, 2L).call(1, "read", null, 1L);
        CheckResult r = assertInvalidAt(h, 5);
        assertEquals(h.get(4), r.failure().invoke());
        assertEquals(List.of(new CheckResult.FinalState(2L, "read 1 but the register held 2")),
                r.failure().finalStates());
        assertEquals(2, r.failure().linearized());
        assertEquals(h.get(3), r.failure().previousOk());
        assertEquals(List.of(new CheckResult.PathStep(h.get(1), 1L), new CheckResult.PathStep(h.get(3), 2L)),
                r.failure().lastLinearized());
    }

    @Test
    void lostUpdateIsInvalid() {
        // Two clients both cas from 0 and both succeed, even though they ran concurrently.
        Hist h = new Hist().call(0, "write", 0L, 0L)
                .invoke(1, "cas", vec(0L, 1L)).invoke(2, "cas", vec(0L, 2L))
                .ok(1, "cas", vec(0L, 1L)).ok(2, "cas", vec(0L, 2L));
        CheckResult r = check(h);
        assertEquals(Verdict.INVALID, r.verdict());
        assertTrue(Set.of(h.get(4), h.get(5)).contains(r.failure().completion()), r::render);
        assertTrue(r.failure().finalStates().get(0).reason().startsWith("cas expected 0 but the register held"));
    }

    @Test
    void readOfNeverWrittenValueIsInvalid() {
        Hist h = new Hist().call(0, "write", 1L, 1L).invoke(1, "write", 2L).invoke(2, "read", null)
                .ok(2, "read", 7L).ok(1, "write", 2L);
        CheckResult r = assertInvalidAt(h, 4);
        Set<Object> states = Set.of(r.failure().finalStates().get(0).state(), r.failure().finalStates().get(1).state());
        assertEquals(Set.of(1L, 2L), states, r::render);
    }

    @Test
    void casAgainstStaleValueIsInvalid() {
        Hist h = new Hist().call(0, "write", 1L, 1L).call(1, "write", 2L, 2L).call(0, "cas", vec(1L, 3L), vec(1L, 3L));
        CheckResult r = assertInvalidAt(h, 5);
        assertEquals("cas expected 1 but the register held 2", r.failure().finalStates().get(0).reason());
    }

    @Test
    void infoWriteMayTakeEffectAfterItsInfo() {
        assertValid(new Hist().call(1, "write", 0L, 0L)
                .invoke(0, "write", 1L).info(0, "write", 1L)
                .call(1, "read", null, 0L)
                .call(1, "read", null, 1L));
    }

    @Test
    void infoWriteMayNeverTakeEffect() {
        assertValid(new Hist().call(1, "write", 0L, 0L)
                .invoke(0, "write", 1L).info(0, "write", 1L)
                .call(1, "read", null, 0L).call(1, "read", null, 0L));
    }

    @Test
    void infoWriteTakesEffectAtMostOnce() {
        // 1 became visible, then 0 came back with no write of 0 in between.
        Hist h = new Hist().call(1, "write", 0L, 0L)
                .invoke(0, "write", 1L).info(0, "write", 1L)
                .call(1, "read", null, 1L).call(1, "read", null, 0L);
        assertInvalidAt(h, 7);
    }

    @Test
    void infoWriteCannotBeUsedTwice() {
        // Only the crashed write ever wrote 1, and 1 is seen on both sides of a write of 2:
        // the relaxed first pass finds a path reusing it, the exact pass must refute it.
        Hist h = new Hist().invoke(0, "write", 1L).info(0, "write", 1L)
                .call(1, "read", null, 1L).call(1, "write", 2L, 2L).call(1, "read", null, 1L);
        assertInvalidAt(h, 7);
    }

    @Test
    void crashedProcessContinuesUnderNewId() {
        // Process 0 crashes mid-write; Jepsen carries on with process 5 (0 + concurrency).
        assertValid(new Hist().call(0, "write", 1L, 1L)
                .invoke(0, "write", 2L).info(0, "write", 2L)
                .invoke(5, "read", null).ok(5, "read", 2L)
                .call(5, "cas", vec(2L, 3L), vec(2L, 3L)));
    }

    @Test
    void operationNeverCompletedIsLikeInfo() {
        assertValid(new Hist().invoke(0, "write", 4L).call(1, "read", null, 4L));
        assertValid(new Hist().invoke(0, "write", 4L).call(1, "read", null, null));
    }

    @Test
    void infoReadIsIgnored() {
        assertValid(new Hist().call(0, "write", 1L, 1L).invoke(1, "read", null).info(1, "read", null)
                .call(2, "read", null, 1L));
    }

    @Test
    void concurrentWritesMayLinearizeInEitherOrder() {
        for (long seen : new long[] {1, 2}) {
            assertValid(new Hist().invoke(0, "write", 1L).invoke(1, "write", 2L)
                    .ok(0, "write", 1L).ok(1, "write", 2L).call(2, "read", null, seen));
        }
        Hist h = new Hist().invoke(0, "write", 1L).invoke(1, "write", 2L)
                .ok(0, "write", 1L).ok(1, "write", 2L).call(2, "read", null, 3L);
        CheckResult r = assertInvalidAt(h, 5);
        assertEquals(2, r.failure().finalStates().size(), r::render);
    }

    @Test
    void readConcurrentWithWriteMaySeeEitherValue() {
        for (Object seen : new Object[] {null, 1L}) {
            assertValid(new Hist().invoke(0, "write", 1L).call(1, "read", null, seen).ok(0, "write", 1L));
        }
    }

    @Test
    void failedOpsNeverHappened() {
        assertValid(new Hist().invoke(0, "write", 5L).fail(0, "write", 5L).call(1, "read", null, null));
        assertInvalidAt(new Hist().invoke(0, "write", 5L).fail(0, "write", 5L).call(1, "read", null, 5L), 3);
    }

    @Test
    void okReadOfNilMeansAbsent() {
        assertValid(new Hist().call(0, "read", null, null));
        assertInvalidAt(new Hist().call(0, "write", 1L, 1L).call(0, "read", null, null), 3);
    }

    @Test
    void nemesisOpsAreIgnored() {
        assertValid(new Hist().invoke(0, "write", 1L).nemesis("start-partition", Keyword.newKeyword("majority"))
                .ok(0, "write", 1L).nemesis("stop-partition", null).call(1, "read", null, 1L));
    }

    @Test
    void setAddsAndReadsAreChecked() {
        Model set = new SetModel();
        List<Op> valid = new Hist().invoke(0, "add", 1L).invoke(1, "add", 2L).ok(0, "add", 1L)
                .call(2, "read", null, Set.of(1L)).ok(1, "add", 2L)
                .call(2, "read", null, vec(2L, 1L)).ops();
        assertEquals(Verdict.VALID, Linearizability.check(set, valid).verdict());

        Hist lost = new Hist().call(0, "add", 1L, 1L).call(1, "add", 2L, 2L).call(2, "read", null, Set.of(1L));
        CheckResult r = Linearizability.check(set, lost.ops());
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(lost.get(5), r.failure().completion());
        assertTrue(r.failure().finalStates().get(0).reason().contains("missing #{2}"), r::render);
    }

    @Test
    void setAddWithUnknownOutcomeMayOrMayNotAppear() {
        Model set = new SetModel();
        for (Set<Long> seen : List.of(Set.of(1L), Set.of(1L, 2L))) {
            List<Op> h = new Hist().call(0, "add", 1L, 1L).invoke(1, "add", 2L).info(1, "add", 2L)
                    .call(2, "read", null, seen).ops();
            assertEquals(Verdict.VALID, Linearizability.check(set, h).verdict());
        }
    }

    @Test
    void malformedHistoriesAreRejected() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> check(new Hist().invoke(0, "write", 1L).invoke(0, "write", 2L)));
        assertTrue(twice.getMessage().contains("op :index 1: process 0 invoked again"), twice.getMessage());
        IllegalArgumentException orphan = assertThrows(IllegalArgumentException.class,
                () -> check(new Hist().ok(3, "write", 1L)));
        assertTrue(orphan.getMessage().contains(":ok from process 3 with no open :invoke"), orphan.getMessage());
        IllegalArgumentException badF = assertThrows(IllegalArgumentException.class,
                () -> check(new Hist().call(0, "incr", 1L, 1L)));
        assertTrue(badF.getMessage().contains(":f :incr"), badF.getMessage());
        assertThrows(IllegalArgumentException.class, () -> check(new Hist().call(0, "cas", 1L, 1L)));
    }

    @Test
    void invalidResultRendersAndParsesAsEdn() {
        Hist h = new Hist().call(0, "write", 1L, 1L).invoke(1, "cas", vec(5L, 6L))
                .call(2, "read", null, 9L).ok(1, "cas", vec(5L, 6L));
        CheckResult r = check(h);

        Map<Object, Object> edn = Hist.parseEdnMap(r.toEdn());
        assertEquals(Boolean.FALSE, edn.get(kw("valid?")));
        assertEquals(kw("cas-register"), edn.get(kw("model")));
        Map<?, ?> op = (Map<?, ?>) edn.get(kw("op"));
        assertEquals(4L, op.get(kw("index")));
        assertEquals(9L, op.get(kw("value")));
        assertEquals(kw("ok"), op.get(kw("type")));
        assertEquals(1L, edn.get(kw("linearized-count")));
        List<?> concurrent = (List<?>) edn.get(kw("concurrent"));
        assertEquals(1, concurrent.size());
        assertEquals(5L, ((Map<?, ?>) concurrent.get(0)).get(kw("index")));
        List<?> finals = (List<?>) edn.get(kw("final-states"));
        Map<?, ?> first = (Map<?, ?>) finals.get(0);
        assertTrue(((String) first.get(kw("reason"))).startsWith("read 9 but the register held"));
        assertNotNull(edn.get(kw("last-linearized")));

        String text = r.render();
        assertTrue(text.startsWith("INVALID (cas-register)"), text);
        assertTrue(text.contains(h.get(4).toString()), text);
        assertTrue(text.contains("read 9 but the register held 1"), text);
    }

    @Test
    void validResultParsesAsEdn() {
        CheckResult r = check(new Hist().call(0, "write", 1L, 1L));
        Map<Object, Object> edn = Hist.parseEdnMap(r.toEdn());
        assertEquals(Boolean.TRUE, edn.get(kw("valid?")));
        assertEquals(1L, edn.get(kw("ok-count")));
        assertNull(r.failure());
        assertTrue(r.render().startsWith("VALID (cas-register): 1 :ok ops"), r.render());
    }

    static Keyword kw(String name) {
        return Keyword.newKeyword(name);
    }
}
