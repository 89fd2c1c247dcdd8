package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * D15: executing a command does not write its record again (the executed set in the same batch
 * says it ran), and a replica restarted from such a store takes the command as executed: it does
 * not run it a second time, and holds nothing unfinished.
 */
class ExecutionRecordTest {
    private static final ReplicaConfig CONFIG_2 = ReplicaConfig.of(List.of(1, 2, 3), 2, 1);

    private final List<InMemoryStore> stores = new ArrayList<>();
    private final List<Replica> replicas = new ArrayList<>();
    /** Execution events per replica (index id - 1), in order. */
    private final List<List<Outbox.Executed>> executed = new ArrayList<>();

    @Test
    void anExecutedCommandKeepsItsCommitRecordAndIsNotRunAgainAfterARestart() {
        for (int id = 1; id <= 3; id++) {
            InMemoryStore s = new InMemoryStore();
            stores.add(s);
            replicas.add(Replica.open(ReplicaConfig.of(List.of(1, 2, 3), id, 1), s, new SplittableRandom(id)));
            executed.add(new ArrayList<>());
        }
        replicas.get(0).submit(new Request(new ClientRequestId(9, 1), List.of(Op.put("k", "v"))));
        CommandId id = null;
        for (int t = 0; t < 200 && executed.get(1).isEmpty(); t++) {
            step();
        }
        assertEquals(1, executed.get(1).size(), "replica 2 executed the command");
        id = executed.get(1).get(0).id();
        InMemoryStore store2 = stores.get(1);
        assertEquals("v", store2.getValue("k"));
        assertNotNull(store2.command(id), "the record is kept until it is collected");
        assertEquals(Phase.COMMIT, store2.command(id).phase(), "execution did not write the record again");
        long ts = store2.command(id).ts();
        assertTrue(ts > 0, "the stored record carries the commit timestamp");

        // Replica 2 restarts from its store before the record is collected.
        Replica restarted = Replica.open(CONFIG_2, store2, new SplittableRandom(22));
        replicas.set(1, restarted);
        executed.get(1).clear();
        assertEquals(0, restarted.unfinished(), "the restored command counts as finished: " + restarted.describeOldestUnfinished(0));
        for (int t = 0; t < 300; t++) {
            step();
        }
        assertEquals(List.of(), executed.get(1), "the restarted replica did not run the command again");
        assertEquals("v", store2.getValue("k"));
        assertEquals(0, restarted.unfinished());

        // It still serves: a new command executes there once, after the first one.
        replicas.get(0).submit(new Request(new ClientRequestId(9, 2), List.of(Op.put("k", "w"))));
        for (int t = 0; t < 200 && executed.get(1).isEmpty(); t++) {
            step();
        }
        assertEquals(1, executed.get(1).size(), "the next command executed at the restarted replica");
        assertTrue(executed.get(1).get(0).ts() > ts, "after the first one in timestamp order");
        assertEquals("w", store2.getValue("k"));
    }

    /** One tick at every replica, then every message delivered at once, to quiescence. */
    private void step() {
        for (Replica r : replicas) {
            r.tick();
        }
        boolean any = true;
        while (any) {
            any = false;
            for (Replica r : replicas) {
                int from = r.config().self();
                for (Outbox.Envelope e : r.outbox().drainSends()) {
                    any = true;
                    replicas.get(e.to() - 1).handle(from, e.message());
                }
                r.outbox().drainReplies();
                executed.get(from - 1).addAll(r.outbox().drainExecuted());
            }
        }
    }
}
