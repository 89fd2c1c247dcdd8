package io.tempokv.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import us.bpsm.edn.Keyword;

class BudgetTest {

    /** Refuting a corrupted read deep in a busy history means exploring the whole prefix. */
    private static final List<Op> HARD = RegisterHistories.corruptRead(RegisterHistories.generate(8, 3000, 20, 0.05), 8);

    @Test
    void tinyStateBudgetGivesUnknown() {
        CheckResult r = Linearizability.check(new CasRegister(), HARD, Budget.defaults().withMaxStates(500));
        assertEquals(Verdict.UNKNOWN, r.verdict());
        assertEquals("search budget of 500 memoised states exhausted", r.cause());
        assertNull(r.failure());
        assertTrue(r.stats().explored() <= 501 + 100, "explored " + r.stats().explored());
        Map<Object, Object> edn = Hist.parseEdnMap(r.toEdn());
        assertEquals(Keyword.newKeyword("unknown"), edn.get(Keyword.newKeyword("valid?")));
        assertEquals(r.cause(), edn.get(Keyword.newKeyword("cause")));
        assertTrue(r.render().startsWith("UNKNOWN (cas-register)"), r.render());
    }

    @Test
    void tinyTimeBudgetGivesUnknown() {
        CheckResult r = Linearizability.check(new CasRegister(), HARD, Budget.defaults().withMaxMillis(1));
        assertEquals(Verdict.UNKNOWN, r.verdict());
        assertEquals("search budget of 1 ms exhausted", r.cause());
    }

    @Test
    void sameHistoryIsDecidedWithEnoughBudget() {
        assertEquals(Verdict.INVALID, Linearizability.check(new CasRegister(), HARD, Budget.defaults()).verdict());
    }

    @Test
    void limitsMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new Budget(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new Budget(10, -1));
        assertEquals(new Budget(5, 7), Budget.unlimited().withMaxMillis(5).withMaxStates(7));
    }
}
