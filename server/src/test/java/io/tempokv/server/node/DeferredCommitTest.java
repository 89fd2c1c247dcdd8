package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.Phase;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.server.storage.XodusStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * D17: the shard loop commits (fsyncs) a batch only when its steps send a message or a reply;
 * a step that only writes (here a commit learned from the coordinator) leaves its writes in the
 * open batch, and a stop commits them.
 */
class DeferredCommitTest {
    private static final CommandId ID = new CommandId(1, 1);

    @TempDir
    Path dir;

    @Test
    void aStepThatRevealsNothingIsNotCommittedUntilOneDoesOrTheLoopStops() throws Exception {
        List<Message> sent = new CopyOnWriteArrayList<>();
        ShardLoop.Transport transport = new ShardLoop.Transport() {
            @Override
            public void send(int to, int shard, Message m) {
                sent.add(m);
            }

            @Override
            public void flush() {
            }
        };
        AtomicInteger commits = new AtomicInteger();
        // One tick a minute: no periodic message (and so no commit) during the test.
        ShardLoop loop;
        try (XodusStore store = XodusStore.open(dir.resolve("shard-0"), false)) {
            loop = new ShardLoop(2, ReplicaConfig.of(List.of(1, 2, 3), 2, 1), store, transport, 60_000);
            loop.onFsync(nanos -> commits.incrementAndGet());
            Thread t = new Thread(loop, "shard-under-test");
            t.start();
            Command cmd = new Command(ID, new ClientRequestId(9, 1), List.of(Op.put("k", "v")), List.of(0));
            loop.offerPeer(1, new MPropose(ID, cmd, List.of(1, 2), 1, 1));
            await(() -> sent.stream().anyMatch(m -> m instanceof MProposeAck), "the proposal is acknowledged");
            await(() -> commits.get() == 1, "the acknowledgement left after one commit");
            long deferredBefore = loop.metrics().deferredBatches.get();

            long ts = sent.stream().filter(m -> m instanceof MProposeAck).map(m -> ((MProposeAck) m).ts()).findFirst().orElseThrow();
            loop.offerPeer(1, new MCommit(ID, ts, cmd, List.of(1, 2), 1));
            await(() -> loop.metrics().deferredBatches.get() > deferredBefore, "the commit's step was deferred");
            assertEquals(1, commits.get(), "no fsync for a step that revealed nothing");
            assertEquals(List.of(MProposeAck.class), sent.stream().map(Object::getClass).toList(), "nothing but the acknowledgement was sent");

            loop.stop();
            t.interrupt(); // it sleeps until its next tick, a minute away
            t.join(TimeUnit.SECONDS.toMillis(10));
            assertTrue(!t.isAlive(), "the loop stopped");
        }
        try (XodusStore reopened = XodusStore.open(dir.resolve("shard-0"), false)) {
            CommandRecord r = reopened.load().commands().stream().filter(c -> c.id().equals(ID)).findFirst().orElse(null);
            assertNotNull(r, "the command's record is stored");
            assertTrue(r.phase() == Phase.COMMIT || r.phase() == Phase.EXECUTE, "the stop committed the deferred step: " + r.phase());
            assertTrue(r.ts() >= 1, "with its commit timestamp: " + r.ts());
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(5);
        }
    }
}
