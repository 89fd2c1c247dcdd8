package io.tempokv.core.store;

import io.tempokv.core.CommandId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A store that keeps everything in memory. The simulator keeps one per replica across simulated
 * crashes: what was handed here survives, everything in the replica object is lost.
 */
public final class InMemoryStore implements DurableStore {
    private final Map<CommandId, CommandRecord> commands = new TreeMap<>();
    private final Map<Integer, Long> clocks = new HashMap<>();
    private final Map<Integer, DurableState.ExecutedSnapshot> executed = new HashMap<>();
    private final Map<String, String> values = new HashMap<>();
    private final Map<Long, Map<Integer, ClientSession>> sessions = new HashMap<>();
    /** Per bucket, its sessions ordered by (seq, client): {seq, client} pairs. */
    private final Map<Integer, java.util.TreeSet<long[]>> bySeq = new HashMap<>();
    private final Map<Integer, Long> horizons = new HashMap<>();
    private final Map<Integer, Long> collected = new HashMap<>();
    private long nextSequence = 1;
    private boolean installing;

    @Override
    public void putCommand(CommandRecord record) {
        commands.put(record.id(), record);
    }

    @Override
    public void removeCommand(CommandId id) {
        commands.remove(id);
    }

    @Override
    public void putClock(int bucket, long clock) {
        clocks.put(bucket, clock);
    }

    @Override
    public void putNextSequence(long next) {
        nextSequence = next;
    }

    @Override
    public void putExecuted(int origin, DurableState.ExecutedSnapshot snapshot) {
        executed.put(origin, snapshot);
    }

    @Override
    public void putCollected(int origin, long watermark) {
        collected.put(origin, watermark);
    }

    @Override
    public String getValue(String key) {
        return values.get(key);
    }

    @Override
    public void putValue(String key, String value) {
        values.put(key, value);
    }

    @Override
    public void deleteValue(String key) {
        values.remove(key);
    }

    @Override
    public ClientSession getSession(int bucket, long client) {
        Map<Integer, ClientSession> m = sessions.get(client);
        return m == null ? null : m.get(bucket);
    }

    @Override
    public void putSession(int bucket, long client, ClientSession session) {
        ClientSession old = sessions.computeIfAbsent(client, k -> new HashMap<>()).put(bucket, session);
        java.util.TreeSet<long[]> order = bySeq.computeIfAbsent(bucket, b -> new java.util.TreeSet<>(InMemoryStore::compareRefs));
        if (old != null) {
            order.remove(new long[] {old.seq(), client});
        }
        order.add(new long[] {session.seq(), client});
    }

    @Override
    public void deleteSession(int bucket, long client) {
        Map<Integer, ClientSession> m = sessions.get(client);
        ClientSession old = m == null ? null : m.remove(bucket);
        if (old == null) {
            return;
        }
        if (m.isEmpty()) {
            sessions.remove(client);
        }
        bySeq.get(bucket).remove(new long[] {old.seq(), client});
    }

    @Override
    public int sessionCount(int bucket) {
        java.util.TreeSet<long[]> order = bySeq.get(bucket);
        return order == null ? 0 : order.size();
    }

    @Override
    public SessionRef lowestSession(int bucket) {
        java.util.TreeSet<long[]> order = bySeq.get(bucket);
        if (order == null || order.isEmpty()) {
            return null;
        }
        long[] first = order.first();
        return new SessionRef(first[1], first[0]);
    }

    @Override
    public long sessionHorizon(int bucket) {
        return horizons.getOrDefault(bucket, 0L);
    }

    @Override
    public void putSessionHorizon(int bucket, long horizon) {
        horizons.put(bucket, horizon);
    }

    @Override
    public void forEachSessionHorizon(java.util.function.BiConsumer<Integer, Long> visitor) {
        horizons.forEach((b, h) -> {
            if (h > 0) {
                visitor.accept(b, h);
            }
        });
    }

    /** Sequence numbers compare unsigned, as the stores' byte order does. */
    private static int compareRefs(long[] a, long[] b) {
        int c = Long.compareUnsigned(a[0], b[0]);
        return c != 0 ? c : Long.compareUnsigned(a[1], b[1]);
    }

    @Override
    public void forEachValue(java.util.function.BiConsumer<String, String> visitor) {
        values.forEach(visitor);
    }

    @Override
    public void forEachSession(SessionVisitor visitor) {
        sessions.forEach((client, byBucket) -> byBucket.forEach((bucket, s) -> visitor.visit(bucket, client, s)));
    }

    @Override
    public void clearData() {
        values.clear();
        sessions.clear();
        bySeq.clear();
        horizons.clear();
    }

    @Override
    public void putInstalling(boolean installing) {
        this.installing = installing;
    }

    /** A copy of the data, sorted: what the store holds now is what a view must show later. */
    @Override
    public SnapshotView openSnapshotView() {
        TreeMap<String, String> copy = new TreeMap<>(values);
        TreeMap<List<Long>, ClientSession> byBucket = new TreeMap<>(InMemoryStore::compareBucketClient);
        sessions.forEach((client, m) -> m.forEach((bucket, s) -> byBucket.put(List.of((long) bucket, client), s)));
        return new SnapshotView() {
            @Override
            public void values(String after, PageVisitor<String> visitor) {
                for (Map.Entry<String, String> e : (after == null ? copy : copy.tailMap(after, false)).entrySet()) {
                    if (!visitor.visit(e.getKey(), e.getValue())) {
                        return;
                    }
                }
            }

            @Override
            public void sessions(int afterBucket, long afterClient, SessionPageVisitor visitor) {
                var tail = afterBucket < 0 ? byBucket : byBucket.tailMap(List.of((long) afterBucket, afterClient), false);
                for (Map.Entry<List<Long>, ClientSession> e : tail.entrySet()) {
                    if (!visitor.visit((int) (long) e.getKey().get(0), e.getKey().get(1), e.getValue())) {
                        return;
                    }
                }
            }

            @Override
            public void close() {
                copy.clear();
                byBucket.clear();
            }
        };
    }

    private static int compareBucketClient(List<Long> a, List<Long> b) {
        int c = Long.compare(a.get(0), b.get(0));
        return c != 0 ? c : Long.compareUnsigned(a.get(1), b.get(1));
    }

    @Override
    public DurableState load() {
        return new DurableState(clocks, nextSequence, new ArrayList<>(commands.values()), executed, collected, installing);
    }

    /** The record as handed to the store, or null. */
    public CommandRecord command(CommandId id) {
        return commands.get(id);
    }

    public long clock(int bucket) {
        return clocks.getOrDefault(bucket, 0L);
    }

    public long collected(int origin) {
        return collected.getOrDefault(origin, 0L);
    }

    public int commandCount() {
        return commands.size();
    }

    public Map<String, String> valuesView() {
        return Map.copyOf(values);
    }
}
