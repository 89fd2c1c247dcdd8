package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ReplicaConfigTest {
    private static List<Integer> members(int n) {
        List<Integer> m = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            m.add(i);
        }
        return m;
    }

    @ParameterizedTest(name = "n={0} f={1}")
    @CsvSource({
        "3,1,2,1,2,2,2",
        "5,1,3,1,2,4,3",
        "5,2,4,2,3,3,3",
        "7,1,4,1,2,6,4",
        "7,2,5,2,3,5,4",
        "7,3,6,3,4,4,4"})
    void quorumSizesFollowTheProtocolTable(int n, int f, int fast, int threshold, int slow, int recovery, int stability) {
        ReplicaConfig c = ReplicaConfig.of(members(n), 1, f);
        assertEquals(fast, c.fastQuorumSize());
        assertEquals(threshold, c.fastPathThreshold());
        assertEquals(slow, c.slowQuorumSize());
        assertEquals(recovery, c.recoveryQuorumSize());
        assertEquals(stability, c.stabilityThreshold());
    }

    @Test
    void badConfigNamesEveryProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReplicaConfig.of(List.of(1, 2, 3), 4, 2));
        assertTrue(e.getMessage().contains("self 4 is not one of the members"), e.getMessage());
        assertTrue(e.getMessage().contains("f must be between 1 and (n-1)/2 = 1"), e.getMessage());
    }
}
