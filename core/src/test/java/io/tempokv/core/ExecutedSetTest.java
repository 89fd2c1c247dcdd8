package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExecutedSetTest {
    @Test
    void outOfOrderAdditionsCompactIntoTheWatermark() {
        ExecutedSet s = new ExecutedSet();
        s.add(2);
        s.add(4);
        assertEquals(0, s.watermark());
        assertTrue(s.contains(2));
        assertFalse(s.contains(1));
        s.add(1);
        assertEquals(2, s.watermark());
        s.add(3);
        assertEquals(4, s.watermark());
        assertEquals(0, s.sparseSize());
    }

    @Test
    void mergeTakesTheUnion() {
        ExecutedSet s = new ExecutedSet();
        s.add(7);
        s.merge(5, List.of(9L));
        assertEquals(5, s.watermark());
        assertTrue(s.contains(7) && s.contains(9) && s.contains(3));
        assertFalse(s.contains(6) || s.contains(8));
        s.merge(3, List.of(6L, 8L));
        assertEquals(9, s.watermark());
    }
}
