package io.tempokv.server.node;

import io.tempokv.core.message.Message;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where peer messages for one shard go while the node starts. The peer port is bound and the
 * peers dialled before the stores open (so the connections come up meanwhile); until the shard's
 * loop exists its messages are held here, up to {@link #HELD_MAX}, and handed to the loop in
 * arrival order when it opens. Beyond the bound they are dropped and counted, as a full loop drops
 * them: the protocol repairs lost messages.
 */
final class ShardDoor {
    /** Receives a peer message; the shard loop's offerPeer. */
    interface Target {
        void offer(int from, Message m);
    }

    static final int HELD_MAX = 16_384;

    private record Held(int from, Message message) {
    }

    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private final AtomicLong dropped = new AtomicLong();
    private volatile Target target;

    /** Called from the transport's threads. */
    void deliver(int from, Message m) {
        Target t = target;
        if (t == null) {
            synchronized (this) {
                t = target;
                if (t == null) {
                    if (held.size() < HELD_MAX) {
                        held.add(new Held(from, m));
                    } else {
                        dropped.incrementAndGet();
                    }
                    return;
                }
            }
        }
        t.offer(from, m);
    }

    /** Hands the held messages to the target, in order, and every later one straight to it. */
    synchronized void open(Target t) {
        for (Held h : held) {
            t.offer(h.from(), h.message());
        }
        held.clear();
        target = t;
    }

    /** Messages dropped because more than {@link #HELD_MAX} arrived before the shard opened. */
    long dropped() {
        return dropped.get();
    }
}
