package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MCommitRequest;
import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MRec;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A coordinator that restarts with its own command uncommitted has no fast or slow path of its own
 * any more (D7), and while it catches up it takes its recovery turn last (D10). If the others
 * committed the command while it was away, it must ask for the commit once the command is older
 * than its patience, as any other replica does (D4b): before, it waited for its own recovery turn,
 * (2(n-1) + 1) patiences, and a catch-up that needs the command itself never ends before that.
 * Found by the simulator (seeds 9600589, 9600928, 9600937 at n=5, f=2).
 */
class RestartedCoordinatorTest {
    private static final CommandId ID = new CommandId(1, 1);

    @Test
    void aRestartedCoordinatorAsksForTheCommitOfItsOwnCommandBeforeItsRecoveryTurn() {
        ReplicaConfig config = ReplicaConfig.of(List.of(1, 2, 3), 1, 1);
        InMemoryStore store = new InMemoryStore();
        Replica before = Replica.open(config, store, new SplittableRandom(7));
        before.submit(new Request(new ClientRequestId(5, 1), List.of(Op.put("k", "v"))));
        MPropose propose = null;
        for (Outbox.Envelope e : before.outbox().drainSends()) {
            if (e.message() instanceof MPropose p) {
                propose = p;
            }
        }
        assertNotNull(propose, "the coordinator proposed its command");
        // Nobody answers: the coordinator recovers its own command (turn 0) and joins its own ballot.
        boolean recovered = false;
        for (int i = 0; i < 400 && !recovered; i++) {
            heartbeats(before);
            before.tick();
            recovered = before.outbox().drainSends().stream().anyMatch(e -> e.message() instanceof MRec r && r.id().equals(ID));
        }
        assertTrue(recovered, "the coordinator started a recovery of its own command");

        // It crashes and restarts from its store; meanwhile the others committed and executed the command.
        Replica r = Replica.open(config, store, new SplittableRandom(8));
        assertTrue(r.catchingUp());
        for (int peer : List.of(2, 3)) {
            r.handle(peer, new MExecuted(List.of(new MExecuted.OriginExecuted(1, 1, List.of()))));
        }
        Message first = null;
        int firstTo = 0;
        int tick = 0;
        for (; tick < 1_000 && first == null; tick++) {
            heartbeats(r);
            r.tick();
            for (Outbox.Envelope e : r.outbox().drainSends()) {
                Message m = e.message();
                boolean aboutIt = m instanceof MCommitRequest q && q.id().equals(ID) || m instanceof MRec rec && rec.id().equals(ID);
                if (first == null && aboutIt) {
                    first = m;
                    firstTo = e.to();
                }
            }
        }
        assertTrue(first instanceof MCommitRequest, "the restarted coordinator asks for the commit first, not " + first);
        assertTrue(tick <= 3 * config.timing().coordinatorPatienceTicks(), "it asks once its patience ran out, not at its turn: tick " + tick);

        r.handle(firstTo, new MCommit(ID, propose.t0(), propose.cmd(), propose.quorum(), propose.coordinator()));
        String report = r.describeOldestUnfinished(0);
        assertTrue(report == null || !report.startsWith(ID + " ") || report.contains("phase=COMMIT"), report);
        assertEquals(0, r.unfinished() - (report == null ? 0 : 1), "nothing else is unfinished: " + report);
    }

    /** Peers 2 and 3 are alive: they send their (empty) promise summaries, so nobody is suspected. */
    private static void heartbeats(Replica r) {
        for (int peer : List.of(2, 3)) {
            r.handle(peer, new MPromises(List.of(), List.of()));
        }
    }
}
