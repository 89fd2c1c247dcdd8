package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.core.message.Message;
import io.tempokv.server.storage.XodusStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shard thread that dies of an Error (an OutOfMemoryError while sending a snapshot too large for
 * the heap, issue 13) marks the shard failed, so /health and clients see it stopped instead of a
 * live process that answers nothing.
 */
class ShardLoopFailureTest {
    @TempDir
    Path dir;

    @Test
    void anErrorInTheShardThreadStopsTheShardVisibly() throws Exception {
        AtomicReference<Throwable> died = new AtomicReference<>();
        try (XodusStore store = XodusStore.open(dir.resolve("shard-0"), false)) {
            ShardLoop.Transport oom = new ShardLoop.Transport() {
                @Override
                public void send(int to, int shard, Message m) {
                    throw new OutOfMemoryError("injected: Java heap space");
                }

                @Override
                public void flush() {
                }
            };
            ShardLoop loop = new ShardLoop(1, ReplicaConfig.of(List.of(1, 2, 3), 1, 1), store, oom, 1);
            Thread t = new Thread(loop, "shard-under-test");
            t.setUncaughtExceptionHandler((th, e) -> died.set(e));
            t.start();
            loop.submit(new Request(new ClientRequestId(7, 1), List.of(Op.put("k", "v"))), r -> { });
            t.join(TimeUnit.SECONDS.toMillis(20));
            assertTrue(!t.isAlive(), "the shard thread ended");
            assertNotNull(loop.failure(), "the shard is marked failed");
            assertTrue(loop.failure().contains("OutOfMemoryError"), loop.failure());
            assertTrue(died.get() instanceof OutOfMemoryError, "the error went on up: " + died.get());
            CompletableFuture<Reply> after = new CompletableFuture<>();
            loop.submit(new Request(new ClientRequestId(7, 2), List.of(Op.put("k", "w"))), after::complete);
            Reply r = after.get(5, TimeUnit.SECONDS);
            assertEquals(Reply.Status.REJECTED, r.status());
            assertTrue(r.detail().contains("is stopped: OutOfMemoryError"), r.detail());
        }
    }
}
