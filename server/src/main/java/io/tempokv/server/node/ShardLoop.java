package io.tempokv.server.node;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Outbox;
import io.tempokv.core.Replica;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.core.Stats;
import io.tempokv.core.message.Message;
import io.tempokv.server.storage.XodusStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The event loop of one shard replica: a single thread that owns the {@link Replica} and its store.
 * It takes a batch of events (peer messages, client requests, ticks), applies them, commits the
 * batch's store writes durably (one fsync), and only then sends the batch's messages and replies.
 */
public final class ShardLoop implements Runnable {
    /** Where the loop sends peer messages; flush() ends a batch. */
    public interface Transport {
        void send(int to, int shard, Message m);

        void flush();

        /** Whether messages to this peer can leave now (its connection is up); core treats a peer it cannot reach as suspected. */
        default boolean reachable(int peer) {
            return true;
        }
    }

    /** Events handed to the loop from other threads. */
    private sealed interface Event permits PeerEvent, SubmitEvent {
    }

    private record PeerEvent(int from, Message message) implements Event {
    }

    private record SubmitEvent(Request request, Consumer<Reply> replyTo) implements Event {
    }

    static final int QUEUE_CAPACITY = 65_536;
    static final int BATCH_MAX = 1_024;
    /**
     * A step that took longer than a tick runs at most this many of the ticks it missed; the rest
     * of the missed time is dropped. So a process that cannot keep up (a paused one, or a cold,
     * restarted JVM on a busy host) slows its own clock instead of firing its timers at once: it
     * does not suspect peers whose messages it has not yet read. Raised to 50 ms of ticks for a
     * try on 2026-12-04, the kill cells had fewer fast-path commits (85-86% against 91-97%) and
     * more recoveries per command (0.84-0.86 against 0.73-0.74), and restarts were not faster
     * (docs/results.md), so it stays at 8. Not counted: the ticks without periodic work that run
     * before a step's events (at most {@code promiseIntervalTicks - 1}, D4c).
     */
    static final int CATCH_UP_TICKS_MAX = 8;
    /** A command unfinished for this long is logged (once per interval) with what it waits for. */
    static final long STUCK_LOG_NANOS = TimeUnit.SECONDS.toNanos(5);

    private static final Logger LOG = Logger.getLogger(ShardLoop.class.getName());

    private final int node;
    private final int shard;
    private final XodusStore store;
    private final Replica replica;
    private final Transport transport;
    private final long tickNanos;
    private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Map<ClientRequestId, Consumer<Reply>> waiters = new HashMap<>();
    private final LoopMetrics metrics;
    private volatile java.util.function.LongConsumer fsyncObserver = nanos -> { };
    private volatile boolean running = true;
    private volatile String failure;
    private long nextStuckCheck;

    /** Counters read by other threads (metrics, status). */
    public static final class LoopMetrics {
        public final AtomicLong droppedPeerMessages = new AtomicLong();
        public final AtomicLong rejectedOverload = new AtomicLong();
        public final AtomicLong batches = new AtomicLong();
        public final AtomicLong rejectedMessages = new AtomicLong();
        public volatile Stats stats = new Stats();
        public volatile int queueDepth;
        public volatile int commandsHeld;
    }

    public ShardLoop(int node, ReplicaConfig config, XodusStore store, Transport transport, long tickMillis) {
        this.node = node;
        this.shard = config.shard();
        this.store = store;
        this.transport = transport;
        this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMillis);
        this.replica = Replica.open(config, store, new SplittableRandom(new SecureRandom().nextLong()));
        this.metrics = new LoopMetrics();
    }

    public LoopMetrics metrics() {
        return metrics;
    }

    /** Called with the duration of every durable batch commit that wrote something (for the fsync histogram). */
    public void onFsync(java.util.function.LongConsumer observer) {
        this.fsyncObserver = observer;
    }

    public int shard() {
        return shard;
    }

    /** Null while the shard runs; the reason once it stopped on an invariant violation or a storage error. */
    public String failure() {
        return failure;
    }

    /** A peer message; dropped (and counted) when the loop is overloaded: the protocol repairs losses. */
    public void offerPeer(int from, Message m) {
        if (!queue.offer(new PeerEvent(from, m))) {
            metrics.droppedPeerMessages.incrementAndGet();
        }
    }

    /** A client request; answered REJECTED at once when the loop is overloaded or stopped. */
    public void submit(Request r, Consumer<Reply> replyTo) {
        if (!running) {
            replyTo.accept(Reply.rejected(r.id(), failure == null
                    ? "node " + node + " is shutting down (shard " + shard + " stopped); send the request to another node"
                    : "shard " + shard + " on node " + node + " is stopped: " + failure));
        } else if (!queue.offer(new SubmitEvent(r, replyTo))) {
            metrics.rejectedOverload.incrementAndGet();
            replyTo.accept(Reply.rejected(r.id(), "node " + node + " shard " + shard + " is overloaded (queue full); retry later"));
        }
    }

    public void stop() {
        running = false;
    }

    @Override
    public void run() {
        Thread.currentThread().setName("tempokv-shard-" + shard);
        long nextTick = System.nanoTime() + tickNanos;
        List<Event> batch = new ArrayList<>(BATCH_MAX);
        try {
            while (running) {
                // Sleep through the ticks at which core has no periodic work (D4c): they run, as
                // plain clock advances, at the start of the next step.
                long dueTick = nextTick + (replica.ticksUntilDue() - 1) * tickNanos;
                long wait = Math.max(0, dueTick - System.nanoTime());
                Event first = queue.poll(wait, TimeUnit.NANOSECONDS);
                batch.clear();
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH_MAX - 1);
                }
                nextTick = step(batch, nextTick);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // InvariantViolation or a storage error: stop this shard, loudly; never continue.
            fail(e);
        } catch (Error e) {
            // Out of memory (a snapshot too large for the heap, issue 13) or worse: the shard must
            // not look alive (/health 503, tempokv_shard_failed 1), then the error goes on up.
            fail(e);
            throw e;
        }
    }

    private long step(List<Event> batch, long nextTick) {
        for (int m : replica.config().members()) {
            if (m != replica.config().self()) {
                replica.setReachable(m, transport.reachable(m));
            }
        }
        long now = System.nanoTime();
        while (now >= nextTick && replica.ticksUntilDue() > 1) {
            replica.tick(); // no periodic work at this tick: only the clock moves, so events see the current tick
            nextTick += tickNanos;
        }
        for (Event e : batch) {
            if (e instanceof PeerEvent p) {
                replica.handle(p.from(), p.message());
            } else if (e instanceof SubmitEvent s) {
                waiters.put(s.request().id(), s.replyTo());
                replica.submit(s.request());
            }
        }
        now = System.nanoTime();
        int missed = 0;
        while (now >= nextTick && missed < CATCH_UP_TICKS_MAX) {
            replica.tick();
            nextTick += tickNanos;
            missed++;
        }
        if (now >= nextTick) {
            nextTick = now + tickNanos;
        }
        long fsync = store.commitBatch();
        if (fsync > 0) {
            fsyncObserver.accept(fsync);
        }
        metrics.batches.incrementAndGet();
        release();
        if (now >= nextStuckCheck) {
            nextStuckCheck = now + STUCK_LOG_NANOS;
            String stuck = replica.describeOldestUnfinished(Math.max(1, STUCK_LOG_NANOS / tickNanos));
            if (stuck != null) {
                LOG.warning("node=" + node + " shard=" + shard + " command unfinished for over 5 s: " + stuck);
            }
        }
        return nextTick;
    }

    /** After the batch is durable: send its messages, answer its clients, log its rejections. */
    private void release() {
        Outbox out = replica.outbox();
        List<Outbox.Envelope> sends = out.drainSends();
        for (Outbox.Envelope e : sends) {
            transport.send(e.to(), shard, e.message());
        }
        if (!sends.isEmpty()) {
            transport.flush();
        }
        for (Reply r : out.drainReplies()) {
            Consumer<Reply> w = r.request() == null ? null : waiters.remove(r.request());
            if (w != null) {
                w.accept(r);
            }
        }
        out.drainExecuted();
        for (Outbox.Installed in : out.drainInstalled()) {
            LOG.info(() -> "node=" + node + " shard=" + shard + " caught up by a snapshot from node " + in.donor() + ": "
                    + in.keys() + " keys, " + in.sessions() + " client sessions");
        }
        for (Outbox.CaughtUp c : out.drainCaughtUp()) {
            LOG.info(() -> "node=" + node + " shard=" + shard + " " + c.describe() + " (a tick is " + tickNanos / 1_000_000.0 + " ms)");
        }
        for (Outbox.Rejection r : out.drainRejections()) {
            metrics.rejectedMessages.incrementAndGet();
            LOG.fine(() -> "node=" + node + " shard=" + shard + " rejected " + r.messageType() + " from " + r.from()
                    + ": " + r.outcome() + ": " + r.reason());
        }
        metrics.stats = replica.stats();
        metrics.commandsHeld = replica.liveCommands();
        metrics.queueDepth = queue.size();
    }

    private void fail(Throwable e) {
        running = false;
        failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        LOG.log(Level.SEVERE, "node=" + node + " shard=" + shard + " stopped: " + failure
                + " (the batch in progress was not committed; restart the node to recover from its data directory)", e);
        try {
            store.abortBatch();
        } catch (RuntimeException ignored) {
            LOG.log(Level.WARNING, "node=" + node + " shard=" + shard + " could not abort the open batch", ignored);
        }
        // Waiting clients get no answer: requests of earlier, committed batches may still be
        // completed by the other replicas, so their outcome is unknown, not failed.
        waiters.clear();
    }
}
