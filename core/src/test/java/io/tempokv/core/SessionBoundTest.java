package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Client sessions are bounded per bucket (docs/protocol.md, D12): a bucket over its limit drops the
 * session with the lowest sequence number and remembers that number as its horizon; a request at
 * or below the horizon from a client without a session there is answered EXPIRED and not applied.
 * A one-member shard executes in the step that submits, so each reply comes at once.
 */
class SessionBoundTest {
    private final InMemoryStore store = new InMemoryStore();

    private Replica replica(int sessionsPerBucket) {
        ReplicaConfig c = ReplicaConfig.of(List.of(1), 1, 0);
        c = c.withLimits(c.limits().withSessionsPerBucketMax(sessionsPerBucket));
        return Replica.open(c, store, new SplittableRandom(5));
    }

    private static Reply submit(Replica r, long client, long seq, Op op) {
        r.submit(new Request(new ClientRequestId(client, seq), List.of(op)));
        List<Reply> replies = r.outbox().drainReplies();
        assertEquals(1, replies.size(), "one reply for request " + client + ":" + seq);
        return replies.get(0);
    }

    private int sessions() {
        int n = 0;
        for (int b = 0; b < 64; b++) {
            n += store.sessionCount(b);
        }
        return n;
    }

    @Test
    void aRetryWhoseSessionWasDroppedIsExpiredAndNotAppliedAgain() {
        Replica r = replica(1);
        assertEquals(Reply.Status.OK, submit(r, 1, 10, Op.put("k", "a")).status());
        assertEquals(Reply.Status.OK, submit(r, 2, 20, Op.put("k", "b")).status());
        // Client 1's session in k's bucket is gone (limit 1), so its retry cannot be told from a
        // first attempt: refused, and k keeps client 2's value.
        Reply retry = submit(r, 1, 10, Op.put("k", "a"));
        assertEquals(Reply.Status.EXPIRED, retry.status());
        assertTrue(retry.detail().startsWith("session expired: request"), retry.detail());
        assertEquals("b", store.getValue("k"));
        // Its next request (a higher sequence number) is applied as usual.
        assertEquals(Reply.Status.OK, submit(r, 1, 11, Op.put("k", "c")).status());
        assertEquals("c", store.getValue("k"));
        // With the limit of 1, request 11 (the lowest sequence number in the bucket, under client
        // 2's 20) was dropped at once: client 2's retry still finds its session, client 1's not.
        Reply again = submit(r, 2, 20, Op.put("k", "b"));
        assertEquals(Reply.Status.OK, again.status());
        assertEquals("c", store.getValue("k"));
        assertEquals(Reply.Status.EXPIRED, submit(r, 1, 11, Op.put("k", "c")).status());
        assertEquals(11, store.sessionHorizon(Keys.bucketOf("k", 64)));
        assertEquals(1, sessions());
    }

    @Test
    void aBucketKeepsAtMostItsLimitAndDropsTheLowestSequenceNumbers() {
        Replica r = replica(4);
        for (long client = 1; client <= 50; client++) {
            assertEquals(Reply.Status.OK, submit(r, client, 1000 + client, Op.put("k", "v" + client)).status());
        }
        assertEquals(4, sessions());
        // The four highest sequence numbers are kept: their retries get their first results.
        for (long client = 47; client <= 50; client++) {
            Reply again = submit(r, client, 1000 + client, Op.put("k", "v" + client));
            assertEquals(Reply.Status.OK, again.status());
        }
        assertEquals("v50", store.getValue("k"));
        // Everything at or below the highest dropped one (1046) is refused.
        assertEquals(Reply.Status.EXPIRED, submit(r, 46, 1046, Op.put("k", "old")).status());
        assertEquals(Reply.Status.EXPIRED, submit(r, 99, 1046, Op.put("k", "old")).status());
        assertEquals(Reply.Status.OK, submit(r, 99, 1047, Op.put("k", "new")).status());
        assertEquals("new", store.getValue("k"));
        assertEquals(4, sessions());
    }

    @Test
    void underTheLimitRetriesGetTheFirstResultsAndOldRequestsAreStale() {
        Replica r = replica(64);
        assertEquals(Reply.Status.OK, submit(r, 1, 10, Op.put("k", "a")).status());
        assertEquals(Reply.Status.OK, submit(r, 2, 20, Op.put("k", "b")).status());
        Reply retry = submit(r, 1, 10, Op.cas("k", null, "z"));
        assertEquals(Reply.Status.OK, retry.status());
        assertEquals("b", store.getValue("k"));
        assertEquals(Reply.Status.OK, submit(r, 1, 12, Op.put("k", "c")).status());
        Reply stale = submit(r, 1, 11, Op.put("k", "d"));
        assertEquals(Reply.Status.REJECTED, stale.status());
        assertTrue(stale.detail().startsWith("stale request"), stale.detail());
        assertEquals("c", store.getValue("k"));
        assertEquals(2, sessions());
    }
}
