package io.tempokv.check;

import static io.tempokv.check.Hist.vec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelTest {

    private static Op ok(String f, Object v) {
        return Op.of(Op.Type.OK, 0, f, v);
    }

    private static Op invoke(String f, Object v) {
        return Op.of(Op.Type.INVOKE, 0, f, v);
    }

    private static String reason(Object stepResult) {
        assertTrue(Model.isInconsistent(stepResult), "expected an inconsistency, got " + stepResult);
        return ((Model.Inconsistent) stepResult).reason();
    }

    @Test
    void casRegisterSteps() {
        Model m = new CasRegister();
        assertNull(m.init());
        assertEquals(3L, m.step(null, ok("write", 3L)));
        assertEquals(4L, m.step(3L, ok("cas", vec(3L, 4L))));
        assertEquals(1L, m.step(null, ok("cas", vec(null, 1L))));
        assertEquals("cas expected 2 but the register held 3", reason(m.step(3L, ok("cas", vec(2L, 4L)))));
        assertEquals("cas expected 2 but the register held nil", reason(m.step(null, ok("cas", vec(2L, 4L)))));
        assertEquals(3L, m.step(3L, ok("read", 3L)));
        assertEquals("read 2 but the register held 3", reason(m.step(3L, ok("read", 2L))));
    }

    @Test
    void casRegisterNilReadIsUnknownOnlyWhenNotCompleted() {
        Model m = new CasRegister();
        assertEquals(3L, m.step(3L, invoke("read", null)));
        assertEquals(3L, m.step(3L, Op.of(Op.Type.INFO, 0, "read", null)));
        assertEquals("read nil but the register held 3", reason(m.step(3L, ok("read", null))));
        assertNull(m.step(null, ok("read", null)));
    }

    @Test
    void casRegisterClassifiesAndValidatesOps() {
        Model m = new CasRegister();
        assertTrue(m.readOnly(ok("read", 1L)));
        assertFalse(m.readOnly(ok("write", 1L)));
        assertFalse(m.readOnly(ok("cas", vec(1L, 2L))));
        assertThrows(IllegalArgumentException.class, () -> m.validate(ok("cas", 1L)));
        assertThrows(IllegalArgumentException.class, () -> m.validate(ok("cas", vec(1L, 2L, 3L))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.validate(ok("add", 1L)));
        assertTrue(e.getMessage().contains(":f :add"), e.getMessage());
    }

    @Test
    void setModelSteps() {
        Model m = new SetModel();
        Object empty = m.init();
        assertEquals(Set.of(), empty);
        Object one = m.step(empty, ok("add", 1L));
        Object both = m.step(one, ok("add", 2L));
        assertEquals(Set.of(), empty, "states are never modified in place");
        assertEquals(Set.of(1L), one);
        assertEquals(Set.of(1L, 2L), both);
        assertSame(both, m.step(both, ok("add", 2L)));
        assertSame(both, m.step(both, ok("read", vec(2L, 1L))));
        assertSame(both, m.step(both, ok("read", Set.of(1L, 2L))));
        assertSame(both, m.step(both, invoke("read", null)));
        assertEquals("read #{1} but the set held #{1 2} (missing #{2}, unexpected #{})",
                reason(m.step(m.step(m.step(empty, ok("add", 1L)), ok("add", 2L)), ok("read", Set.of(1L))))
                        .replace("#{2 1}", "#{1 2}"));
    }

    @Test
    void setStatesCompareByValue() {
        Model m = new SetModel();
        Object ab = m.step(m.step(m.init(), ok("add", "a")), ok("add", "b"));
        Object ba = m.step(m.step(m.init(), ok("add", "b")), ok("add", "a"));
        assertEquals(ab, ba);
        assertEquals(ab.hashCode(), ba.hashCode());
    }

    @Test
    void setModelValidatesOps() {
        Model m = new SetModel();
        assertThrows(IllegalArgumentException.class, () -> m.validate(ok("read", 3L)));
        assertThrows(IllegalArgumentException.class, () -> m.validate(ok("write", 3L)));
        m.validate(invoke("read", null));
        m.validate(ok("read", List.of()));
    }

    @Test
    void modelsAreFoundByName() {
        assertEquals("cas-register", Model.named("cas-register").name());
        assertEquals("set", Model.named("set").name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Model.named("queue"));
        assertTrue(e.getMessage().contains("queue"));
    }
}
