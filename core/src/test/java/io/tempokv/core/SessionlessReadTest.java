package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * D16: a request of reads only is proposed as a sessionless command, executed without looking up
 * or writing client sessions; a retry of it reads again. Requests that write keep their sessions.
 */
class SessionlessReadTest {
    private static final ReplicaConfig CONFIG = ReplicaConfig.of(List.of(1), 1, 0);

    @Test
    void readsLeaveNoSessionAndARetriedReadReadsAgain() {
        InMemoryStore store = new InMemoryStore();
        Replica r = Replica.open(CONFIG, store, new SplittableRandom(5));
        int bucket = Keys.bucketOf("k", CONFIG.buckets());

        r.submit(new Request(new ClientRequestId(1, 10), List.of(Op.put("k", "v1"))));
        r.submit(new Request(new ClientRequestId(1, 11), List.of(Op.get("k"))));
        List<Reply> replies = r.outbox().drainReplies();
        assertEquals("v1", replies.get(1).results().get(0).value());
        assertEquals(10, store.getSession(bucket, 1).seq(), "the read did not replace the write's session");
        assertEquals(1, store.sessionCount(bucket));

        // A read-only client leaves nothing behind.
        r.submit(new Request(new ClientRequestId(2, 1), List.of(Op.get("k"), Op.get("other"))));
        assertEquals("v1", r.outbox().drainReplies().get(0).results().get(0).value());
        assertNull(store.getSession(bucket, 2));

        // Another client writes; a retry of client 1's read (same request id) reads the new value.
        r.submit(new Request(new ClientRequestId(3, 1), List.of(Op.put("k", "v2"))));
        r.submit(new Request(new ClientRequestId(1, 11), List.of(Op.get("k"))));
        replies = r.outbox().drainReplies();
        assertEquals(Reply.Status.OK, replies.get(1).status());
        assertEquals("v2", replies.get(1).results().get(0).value());

        // A retry of the write is still answered from its session, not proposed or applied again.
        long submitted = r.stats().submitted;
        r.submit(new Request(new ClientRequestId(1, 10), List.of(Op.put("k", "v1"))));
        assertEquals(Reply.Status.OK, r.outbox().drainReplies().get(0).status());
        assertEquals(submitted, r.stats().submitted, "answered from the session");
        assertEquals("v2", store.getValue("k"), "the retried write was not applied again");
    }

    @Test
    void theCoordinatorMarksReadsOnlyAndTheFlagTravelsWithTheCommand() {
        InMemoryStore store = new InMemoryStore();
        Replica r = Replica.open(ReplicaConfig.of(List.of(1, 2, 3), 1, 1), store, new SplittableRandom(6));
        r.submit(new Request(new ClientRequestId(1, 1), List.of(Op.get("a"), Op.get("b"))));
        r.submit(new Request(new ClientRequestId(1, 2), List.of(Op.get("a"), Op.put("b", "x"))));
        List<Boolean> flags = r.outbox().drainSends().stream()
                .filter(e -> e.to() == 2 && e.message() instanceof io.tempokv.core.message.MPropose)
                .map(e -> ((io.tempokv.core.message.MPropose) e.message()).cmd().sessionless()).toList();
        assertEquals(List.of(true, false), flags);
        assertTrue(store.command(new CommandId(1, 1)).payload().sessionless(), "the stored payload carries the flag");
    }

    @Test
    void aCommandThatWritesCannotBeSessionless() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Command(new CommandId(1, 1),
                new ClientRequestId(1, 1), List.of(Op.get("a"), Op.cas("b", null, "x")), List.of(0), true));
        assertTrue(e.getMessage().contains("marked sessionless but writes"), e.getMessage());
    }
}
