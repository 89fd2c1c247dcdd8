package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.message.MExecuted;
import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * D13: a replica whose durable state is older than what it told its peers (a wiped or replaced data
 * directory, an old backup) finds out from the first MExecuted that lists one of its own commands
 * with a sequence number it has not issued, and stops instead of reusing command ids.
 */
class LostStateTest {
    private final ReplicaConfig config = ReplicaConfig.of(List.of(1, 2, 3), 1, 1);

    @Test
    void aWipedReplicaStopsWhenAPeerReportsItsCommands() {
        Replica wiped = Replica.open(config, new InMemoryStore(), new SplittableRandom(1));
        InvariantViolation v = assertThrows(InvariantViolation.class,
                () -> wiped.handle(2, new MExecuted(List.of(new MExecuted.OriginExecuted(1, 41, List.of(43L))))));
        assertTrue(v.getMessage().contains("node 2 executed command " + new CommandId(1, 43)), v.getMessage());
        assertTrue(v.getMessage().contains("only below 1"), v.getMessage());
        assertTrue(v.getMessage().contains("A node lost its disk"), v.getMessage());
    }

    @Test
    void aReplicaRestoredFromAnOldBackupStopsToo() {
        InMemoryStore store = new InMemoryStore();
        Replica r = Replica.open(config, store, new SplittableRandom(2));
        r.submit(new Request(new ClientRequestId(9, 1), List.of(Op.put("k", "v"))));
        r.outbox().drainSends();
        // The store says ids up to 1 were issued; a peer executed (1, 2): issued after the backup.
        assertThrows(InvariantViolation.class, () -> r.handle(3, new MExecuted(List.of(new MExecuted.OriginExecuted(1, 2, List.of())))));
    }

    @Test
    void ownCommandsThatWereIssuedAreFine() {
        InMemoryStore store = new InMemoryStore();
        Replica r = Replica.open(config, store, new SplittableRandom(3));
        for (int i = 1; i <= 3; i++) {
            r.submit(new Request(new ClientRequestId(9, i), List.of(Op.put("k" + i, "v"))));
        }
        assertEquals(Outcome.APPLIED, r.handle(2, new MExecuted(List.of(new MExecuted.OriginExecuted(1, 2, List.of(3L))))));
        assertEquals(Outcome.APPLIED, r.handle(3, new MExecuted(List.of(new MExecuted.OriginExecuted(2, 500, List.of())))),
                "other origins' ids are not this replica's business");
        Replica restarted = Replica.open(config, store, new SplittableRandom(4));
        assertEquals(Outcome.APPLIED, restarted.handle(2, new MExecuted(List.of(new MExecuted.OriginExecuted(1, 3, List.of())))),
                "issued ids survive a restart");
    }
}
