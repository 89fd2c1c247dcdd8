package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * D4c: periodic messages that say nothing new wait (heartbeat, quiet refresh), those that do go out
 * at once, a reconnected peer gets the full state again, and a quiet cluster still commits on the
 * fast path (nobody is suspected for being quiet).
 */
class QuietMessagesTest {
    private static final ReplicaConfig.Timing T = ReplicaConfig.Timing.defaults();

    /** Three replicas whose messages arrive within the tick they are sent. Records what replica 1 sends to replica 2. */
    private static final class Cluster {
        final List<Replica> replicas = new ArrayList<>();
        final List<Object> fromOneToTwo = new ArrayList<>();
        final List<Long> sentAt = new ArrayList<>();
        long now;
        int clientSeq;

        Cluster() {
            for (int id = 1; id <= 3; id++) {
                replicas.add(Replica.open(ReplicaConfig.of(List.of(1, 2, 3), id, 1), new InMemoryStore(), new SplittableRandom(id)));
            }
        }

        void run(long ticks, boolean submitEveryTick) {
            for (long i = 0; i < ticks; i++) {
                now++;
                if (submitEveryTick) {
                    replicas.get(0).submit(new Request(new ClientRequestId(9, ++clientSeq), List.of(Op.put("k" + clientSeq, "v"))));
                }
                for (Replica r : replicas) {
                    r.tick();
                }
                deliver();
            }
        }

        void deliver() {
            boolean any = true;
            while (any) {
                any = false;
                for (Replica r : replicas) {
                    int from = r.config().self();
                    for (Outbox.Envelope e : r.outbox().drainSends()) {
                        any = true;
                        if (from == 1 && e.to() == 2) {
                            fromOneToTwo.add(e.message());
                            sentAt.add(now);
                        }
                        replicas.get(e.to() - 1).handle(from, e.message());
                    }
                    r.outbox().drainReplies();
                    r.outbox().drainExecuted();
                }
            }
        }

        <M> List<Long> ticksOf(Class<M> type, long since) {
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < fromOneToTwo.size(); i++) {
                if (type.isInstance(fromOneToTwo.get(i)) && sentAt.get(i) > since) {
                    out.add(sentAt.get(i));
                }
            }
            return out;
        }
    }

    @Test
    void anIdleReplicaSendsOnlyHeartbeats() {
        Cluster c = new Cluster();
        c.run(1_000, false);
        List<Long> promises = c.ticksOf(MPromises.class, 0);
        // The first one goes out at the first interval, the first full refresh at the 8th (the
        // replica has never sent one); after that one per heartbeat, not one per promise interval.
        assertEquals(List.of(5L, 25L, 40L), promises.subList(0, 3), "the first sends: " + promises);
        assertEquals(3 + (1_000 - 40) / T.heartbeatTicks(), promises.size(), "one MPromises per heartbeat: " + promises);
        for (int i = 3; i < promises.size(); i++) {
            assertEquals(T.heartbeatTicks(), promises.get(i) - promises.get(i - 1), "heartbeats are evenly spaced: " + promises);
        }
        assertTrue(c.ticksOf(MExecuted.class, 0).isEmpty(), "nothing executed, nothing to report");
    }

    @Test
    void newsGoesOutAtEveryIntervalAndStopsWhenQuiet() {
        Cluster c = new Cluster();
        c.run(200, true);
        List<Long> promises = c.ticksOf(MPromises.class, 0);
        assertEquals(200 / T.promiseIntervalTicks(), promises.size(), "under load every promise interval has news: " + promises);
        List<Long> executed = c.ticksOf(MExecuted.class, 0);
        assertEquals(200 / T.gcIntervalTicks(), executed.size(), "under load every executed report is new: " + executed);
        assertEquals(200, c.replicas.get(0).stats().fastPaths, "every command took the fast path");

        c.run(T.quietRefreshTicks() * 5L, false);
        List<Long> quietExecuted = c.ticksOf(MExecuted.class, 200 + 2L * T.gcIntervalTicks());
        assertTrue(quietExecuted.size() <= 5, "an unchanged executed report waits for the quiet refresh: " + quietExecuted);
        assertFalse(quietExecuted.isEmpty(), "but is still repeated, in case one was lost");
        List<Long> quietPromises = c.ticksOf(MPromises.class, 200 + 2L * T.quietRefreshTicks());
        long window = T.quietRefreshTicks() * 3L;
        assertTrue(quietPromises.size() <= window / T.heartbeatTicks() + window / T.quietRefreshTicks() + 1,
                "quiet: heartbeats and the quiet full refresh only, " + quietPromises.size() + " in " + window + " ticks");
        boolean fullRefreshSeen = false;
        for (int i = 0; i < c.fromOneToTwo.size(); i++) {
            if (c.sentAt.get(i) > 200 + 2L * T.quietRefreshTicks() && c.fromOneToTwo.get(i) instanceof MPromises p && !p.buckets().isEmpty()) {
                fullRefreshSeen = true;
            }
        }
        assertTrue(fullRefreshSeen, "the full refresh still goes out now and then while quiet");
    }

    @Test
    void aReconnectedPeerGetsTheFullStateAtTheNextIntervals() {
        Cluster c = new Cluster();
        c.run(100, true);
        c.run(T.quietRefreshTicks() * 2L, false);
        long before = c.now;
        c.replicas.get(0).setReachable(2, false);
        c.run(3, false);
        c.replicas.get(0).setReachable(2, true);
        long reconnected = c.now;
        c.run((long) T.promiseIntervalTicks() * T.fullRefreshIntervals(), false);
        boolean full = false;
        for (int i = 0; i < c.fromOneToTwo.size(); i++) {
            if (c.sentAt.get(i) > reconnected && c.fromOneToTwo.get(i) instanceof MPromises p && !p.buckets().isEmpty()) {
                full = true;
            }
        }
        assertTrue(full, "a full refresh within one refresh period after the reconnection");
        List<Long> executed = c.ticksOf(MExecuted.class, reconnected);
        assertFalse(executed.isEmpty(), "an executed report within one refresh period after the reconnection");
        assertTrue(executed.get(0) - reconnected <= T.gcIntervalTicks(), "at the next garbage-collection interval: " + executed + " after " + reconnected);
        assertTrue(before < reconnected);
    }

    @Test
    void aQuietClusterStillTakesTheFastPath() {
        Cluster c = new Cluster();
        c.run(5_000, false);
        c.run(1, true);
        c.run(100, false);
        assertEquals(1, c.replicas.get(0).stats().fastPaths, "quiet peers are not suspected: the first command after a long silence is fast");
        assertEquals(0, c.replicas.get(0).stats().recoveriesStarted);
    }

    @Test
    void ticksUntilDueCountsToTheNextPeriodicWork() {
        Replica r = Replica.open(ReplicaConfig.of(List.of(1, 2, 3), 1, 1), new InMemoryStore(), new SplittableRandom(1));
        assertEquals(T.promiseIntervalTicks(), r.ticksUntilDue(), "at tick 0 the next work is at the first interval");
        r.tick();
        assertEquals(T.promiseIntervalTicks() - 1, r.ticksUntilDue());
        for (int i = 1; i < T.promiseIntervalTicks(); i++) {
            r.tick();
        }
        assertEquals(T.promiseIntervalTicks(), r.ticksUntilDue(), "just after an interval, a whole one to go");
    }
}
