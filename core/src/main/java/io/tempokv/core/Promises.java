package io.tempokv.core;

import io.tempokv.core.message.MPromises.Attached;
import io.tempokv.core.message.MPromises.BucketPromises;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * Clocks, promises and stability of one replica, per clock bucket (keys hash into buckets; a bucket
 * behaves like fantoch's per-key clock, with bounded memory).
 *
 * <p>Own side: {@code clock[b]} means "I promised every value up to clock[b]"; the values attached to
 * a command are remembered in {@code ownAttached[b]} until the command is garbage-collected; every
 * other value up to the clock is a detached promise. Receiver side: per member and bucket, the latest
 * summary's clock and the attached values whose commands are not committed here yet; the member's
 * frontier is the highest value below all of those. A value is stable when a majority's frontiers
 * reach it (docs/protocol.md, "Promises and stability").
 */
final class Promises {
    private final int n;
    private final int selfIndex;
    private final int buckets;
    private final int stabilityThreshold;
    private final Predicate<CommandId> committedHere;

    private final long[] clock;
    private final Map<Integer, TreeMap<Long, CommandId>> ownAttached = new HashMap<>();
    private final BitSet summaryDirty = new BitSet();
    private final BitSet clockStoreDirty = new BitSet();

    private final long[][] seenClock;
    private final long[][] frontier;
    private final Map<Long, TreeMap<Long, CommandId>> blocking = new HashMap<>();
    private final Map<CommandId, List<long[]>> blockedBy = new HashMap<>();
    private final BitSet frontierChanged = new BitSet();

    Promises(ReplicaConfig config, Predicate<CommandId> committedHere) {
        this.n = config.n();
        this.selfIndex = config.indexOf(config.self());
        this.buckets = config.buckets();
        this.stabilityThreshold = config.stabilityThreshold();
        this.committedHere = committedHere;
        this.clock = new long[buckets];
        this.seenClock = new long[n][buckets];
        this.frontier = new long[n][buckets];
    }

    long clock(int bucket) {
        return clock[bucket];
    }

    /** Propose for a command over its buckets: at least {@code min}, above every bucket's clock. */
    long propose(CommandId id, int[] bs, long min) {
        long t = min;
        for (int b : bs) {
            t = Math.max(t, clock[b] + 1);
        }
        for (int b : bs) {
            // Attach first: moving the clock recomputes the frontier, which must already see t as
            // attached to an uncommitted command, or it would count t as promised.
            ownAttached.computeIfAbsent(b, k -> new TreeMap<>()).put(t, id);
            addBlocking(selfIndex, b, t, id);
            setOwnClock(b, t);
        }
        return t;
    }

    /** Move the clocks of these buckets up to t; every skipped value becomes a detached promise. */
    void bump(int[] bs, long t) {
        for (int b : bs) {
            if (clock[b] < t) {
                setOwnClock(b, t);
            }
        }
    }

    private void setOwnClock(int b, long t) {
        Invariants.checkState(t >= clock[b], "clock of bucket %d would move back from %d to %d", b, clock[b], t);
        clock[b] = t;
        seenClock[selfIndex][b] = t;
        summaryDirty.set(b);
        clockStoreDirty.set(b);
        recompute(selfIndex, b);
    }

    /** A command committed here: every attached promise to it becomes countable. */
    void committed(CommandId id) {
        List<long[]> slots = blockedBy.remove(id);
        if (slots == null) {
            return;
        }
        for (long[] s : slots) {
            int m = (int) s[0];
            int b = (int) s[1];
            TreeMap<Long, CommandId> t = blocking.get(key(m, b));
            if (t != null && id.equals(t.get(s[2]))) {
                t.remove(s[2]);
                if (t.isEmpty()) {
                    blocking.remove(key(m, b));
                }
            }
            recompute(m, b);
        }
    }

    /** A summary from member m. Older summaries (lower clock) are ignored: summaries are cumulative. */
    void onSummary(int m, BucketPromises bp) {
        int b = bp.bucket();
        if (m == selfIndex || bp.clock() < seenClock[m][b]) {
            return;
        }
        seenClock[m][b] = bp.clock();
        clearBlocking(m, b);
        for (Attached a : bp.attached()) {
            if (committedHere.test(a.id())) {
                continue;
            }
            Invariants.checkState(a.value() > frontier[m][b],
                    "member %d announced attached promise %d for %s in bucket %d below its frontier %d here",
                    m, a.value(), a.id(), b, frontier[m][b]);
            addBlocking(m, b, a.value(), a.id());
        }
        recompute(m, b);
    }

    private void addBlocking(int m, int b, long value, CommandId id) {
        blocking.computeIfAbsent(key(m, b), k -> new TreeMap<>()).put(value, id);
        blockedBy.computeIfAbsent(id, k -> new ArrayList<>(2)).add(new long[] {m, b, value});
    }

    private void clearBlocking(int m, int b) {
        TreeMap<Long, CommandId> old = blocking.remove(key(m, b));
        if (old == null) {
            return;
        }
        for (Map.Entry<Long, CommandId> e : old.entrySet()) {
            List<long[]> slots = blockedBy.get(e.getValue());
            if (slots != null) {
                slots.removeIf(s -> s[0] == m && s[1] == b && s[2] == e.getKey());
                if (slots.isEmpty()) {
                    blockedBy.remove(e.getValue());
                }
            }
        }
    }

    private void recompute(int m, int b) {
        TreeMap<Long, CommandId> t = blocking.get(key(m, b));
        long f = seenClock[m][b];
        if (t != null && !t.isEmpty()) {
            f = Math.min(f, t.firstKey() - 1);
        }
        if (f > frontier[m][b]) {
            frontier[m][b] = f;
            frontierChanged.set(b);
        }
    }

    private static long key(int m, int b) {
        return ((long) m << 32) | (b & 0xffffffffL);
    }

    /** Highest value that a majority (stability threshold) of members promised, countably, here. */
    long stable(int b) {
        long[] fs = new long[n];
        for (int m = 0; m < n; m++) {
            fs[m] = frontier[m][b];
        }
        Arrays.sort(fs);
        return fs[n - stabilityThreshold];
    }

    /** Some bucket changed since the last summary. */
    boolean changed() {
        return !summaryDirty.isEmpty();
    }

    /** Own summaries to broadcast: changed buckets, or every bucket with a clock when full. */
    List<BucketPromises> summary(boolean full) {
        List<BucketPromises> out = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            if (!(full ? clock[b] > 0 : summaryDirty.get(b))) {
                continue;
            }
            TreeMap<Long, CommandId> own = ownAttached.get(b);
            List<Attached> attached = new ArrayList<>();
            if (own != null) {
                own.forEach((v, id) -> attached.add(new Attached(v, id)));
            }
            out.add(new BucketPromises(b, clock[b], attached));
        }
        summaryDirty.clear();
        return out;
    }

    /** The command was garbage-collected: its attached promises need no longer be announced. */
    void forget(CommandId id, int[] bs, long value) {
        for (int b : bs) {
            TreeMap<Long, CommandId> own = ownAttached.get(b);
            if (own != null && id.equals(own.get(value))) {
                own.remove(value);
                if (own.isEmpty()) {
                    ownAttached.remove(b);
                }
            }
        }
    }

    void restoreClock(int b, long value) {
        clock[b] = value;
        seenClock[selfIndex][b] = value;
    }

    void restoreAttached(CommandId id, int[] bs, long value, boolean committed) {
        for (int b : bs) {
            ownAttached.computeIfAbsent(b, k -> new TreeMap<>()).put(value, id);
            if (!committed) {
                addBlocking(selfIndex, b, value, id);
            }
        }
    }

    /** After a restore, derive own frontiers from the restored clocks and attached promises. */
    void recomputeOwn() {
        for (int b = 0; b < buckets; b++) {
            recompute(selfIndex, b);
        }
    }

    void drainFrontierChanges(IntConsumer bucketSink) {
        frontierChanged.stream().forEach(bucketSink);
        frontierChanged.clear();
    }

    void drainClockWrites(IntConsumer bucketSink) {
        clockStoreDirty.stream().forEach(bucketSink);
        clockStoreDirty.clear();
    }

    /** Commands that hold back some member's frontier here because they are not committed here. */
    Set<CommandId> blockingIds() {
        return Collections.unmodifiableSet(blockedBy.keySet());
    }

    /** Live per-command entries (memory accounting for tests). */
    int trackedEntries() {
        int total = blockedBy.size();
        for (TreeMap<Long, CommandId> own : ownAttached.values()) {
            total += own.size();
        }
        return total;
    }
}
