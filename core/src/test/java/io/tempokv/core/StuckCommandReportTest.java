package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The node logs a command that stays unfinished; the report says how old it is and what it waits for. */
class StuckCommandReportTest {
    @Test
    void aCommandWhosePeersNeverAnswerIsReportedOnceOldEnough() {
        Replica r = Replica.open(ReplicaConfig.of(List.of(1, 2, 3), 1, 1), new InMemoryStore(), new SplittableRandom(7));
        assertNull(r.describeOldestUnfinished(0), "nothing submitted, nothing to report");
        r.submit(new Request(new ClientRequestId(5, 1), List.of(Op.put("k", "v"))));
        assertNull(r.describeOldestUnfinished(100), "a fresh command is not reported");
        for (int i = 0; i < 100; i++) {
            r.tick();
        }
        String report = r.describeOldestUnfinished(100);
        assertNotNull(report, "no peer ever answered: the command is still unfinished after 100 ticks");
        assertTrue(report.startsWith(new CommandId(1, 1) + " age=100 ticks"), report);
        assertTrue(report.contains("coordinator=1"), report);
        assertTrue(report.contains("2:suspected") && report.contains("3:suspected"), report);
        assertTrue(report.contains("uncommitted=1"), report);
    }

    /** The host's link state overrides what was last heard: an unreachable peer is suspected at once, until it is reachable again. */
    @Test
    void aPeerTheHostCannotReachIsSuspectedAtOnce() {
        Replica r = Replica.open(ReplicaConfig.of(List.of(1, 2, 3), 1, 1), new InMemoryStore(), new SplittableRandom(7));
        r.submit(new Request(new ClientRequestId(5, 1), List.of(Op.put("k", "v"))));
        assertTrue(r.describeOldestUnfinished(0).contains("2:heard 3:heard"), r.describeOldestUnfinished(0));
        r.setReachable(3, false);
        assertTrue(r.describeOldestUnfinished(0).contains("2:heard 3:suspected"), r.describeOldestUnfinished(0));
        r.setReachable(3, true);
        assertTrue(r.describeOldestUnfinished(0).contains("2:heard 3:heard"), r.describeOldestUnfinished(0));
        r.setReachable(1, false);
        assertTrue(r.describeOldestUnfinished(0).contains("2:heard 3:heard"), "a replica never suspects itself");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.setReachable(4, false));
        assertTrue(e.getMessage().contains("not a member"), e.getMessage());
    }
}
