package io.tempokv.sim;

import io.tempokv.core.CommandId;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.core.store.DurableStore;
import io.tempokv.core.store.InMemoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A replica's store as the node's shard loop treats it (docs/protocol.md D17): every write is seen
 * by the replica at once (the live store), but reaches the durable store only when a step reveals
 * something (a message or a reply) and the host commits, or when it is flushed otherwise. A crash
 * keeps the durable store and loses the rest, so the simulator checks that losing steps nobody saw
 * is safe.
 */
final class DeferredStore implements DurableStore {
    private final InMemoryStore durable = new InMemoryStore();
    private InMemoryStore live = new InMemoryStore();
    private final List<Consumer<DurableStore>> pending = new ArrayList<>();
    private boolean viewOpened;
    private long pendingSince = -1;

    /** What survives a crash. */
    InMemoryStore durable() {
        return durable;
    }

    /** What the replica sees now, unflushed writes included. */
    InMemoryStore live() {
        return live;
    }

    /** Whether writes wait for a flush. */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * Whether the host commits at the end of this step, as ShardLoop decides: the step revealed
     * something, a snapshot view waits for the commit, or writes have waited maxTicks already.
     */
    boolean mustFlush(boolean revealed, long now, long maxTicks) {
        return revealed || viewOpened || (pendingSince >= 0 && now - pendingSince >= maxTicks);
    }

    /** The host committed: every write so far is durable. */
    void flush() {
        for (Consumer<DurableStore> op : pending) {
            op.accept(durable);
        }
        pending.clear();
        viewOpened = false;
        pendingSince = -1;
    }

    /** Marks when writes first waited, for {@link #mustFlush}. */
    void deferred(long now) {
        if (!pending.isEmpty() && pendingSince < 0) {
            pendingSince = now;
        }
    }

    /** A crash: the writes not flushed are lost; the replica restarts from the durable store. */
    void crash() {
        pending.clear();
        viewOpened = false;
        pendingSince = -1;
        live = durable.copy();
    }

    private void write(Consumer<DurableStore> op) {
        op.accept(live);
        pending.add(op);
    }

    @Override
    public void putCommand(CommandRecord record) {
        write(s -> s.putCommand(record));
    }

    @Override
    public void removeCommand(CommandId id) {
        write(s -> s.removeCommand(id));
    }

    @Override
    public void putClock(int bucket, long clock) {
        write(s -> s.putClock(bucket, clock));
    }

    @Override
    public void putNextSequence(long next) {
        write(s -> s.putNextSequence(next));
    }

    @Override
    public void putExecuted(int origin, DurableState.ExecutedSnapshot executed) {
        write(s -> s.putExecuted(origin, executed));
    }

    @Override
    public void putCollected(int origin, long watermark) {
        write(s -> s.putCollected(origin, watermark));
    }

    @Override
    public String getValue(String key) {
        return live.getValue(key);
    }

    @Override
    public void putValue(String key, String value) {
        write(s -> s.putValue(key, value));
    }

    @Override
    public void deleteValue(String key) {
        write(s -> s.deleteValue(key));
    }

    @Override
    public ClientSession getSession(int bucket, long client) {
        return live.getSession(bucket, client);
    }

    @Override
    public void putSession(int bucket, long client, ClientSession session) {
        write(s -> s.putSession(bucket, client, session));
    }

    @Override
    public void deleteSession(int bucket, long client) {
        write(s -> s.deleteSession(bucket, client));
    }

    @Override
    public int sessionCount(int bucket) {
        return live.sessionCount(bucket);
    }

    @Override
    public SessionRef lowestSession(int bucket) {
        return live.lowestSession(bucket);
    }

    @Override
    public long sessionHorizon(int bucket) {
        return live.sessionHorizon(bucket);
    }

    @Override
    public void putSessionHorizon(int bucket, long horizon) {
        write(s -> s.putSessionHorizon(bucket, horizon));
    }

    @Override
    public void forEachSessionHorizon(BiConsumer<Integer, Long> visitor) {
        live.forEachSessionHorizon(visitor);
    }

    @Override
    public void forEachValue(BiConsumer<String, String> visitor) {
        live.forEachValue(visitor);
    }

    @Override
    public void forEachSession(SessionVisitor visitor) {
        live.forEachSession(visitor);
    }

    @Override
    public void clearData() {
        write(DurableStore::clearData);
    }

    @Override
    public void putInstalling(boolean installing) {
        write(s -> s.putInstalling(installing));
    }

    /** A view of the live state as of now, as XodusStore's shows the state of the step that opened it. */
    @Override
    public SnapshotView openSnapshotView() {
        viewOpened = true;
        return live.openSnapshotView();
    }

    @Override
    public DurableState load() {
        return live.load();
    }
}
