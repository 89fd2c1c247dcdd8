package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A one-member shard (the default single-node server) commits and executes each command in its own step. */
class SingleReplicaTest {
    @Test
    void aSingleMemberShardExecutesAtOnce() {
        Replica r = Replica.open(ReplicaConfig.of(List.of(1), 1, 0), new InMemoryStore(), new SplittableRandom(3));
        r.submit(new Request(new ClientRequestId(1, 1), List.of(Op.put("k", "v"))));
        r.submit(new Request(new ClientRequestId(1, 2), List.of(Op.get("k"))));
        List<Reply> replies = r.outbox().drainReplies();
        assertEquals(2, replies.size());
        assertEquals(Reply.Status.OK, replies.get(1).status());
        assertEquals("v", replies.get(1).results().get(0).value());
        assertEquals(List.of(), r.outbox().drainSends());
        assertEquals(2, r.stats().fastPaths);
    }
}
