package io.tempokv.core;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Orders committed commands per clock bucket by (timestamp, id) and releases a command once it is
 * first in every bucket it touches and its timestamp is stable in each of them. Separate from
 * agreement: it sees only committed commands and stability.
 */
final class Executor {
    record Entry(long ts, CommandId id) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(ts, o.ts);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    private final Map<Integer, TreeSet<Entry>> queues = new HashMap<>();
    private final Promises promises;

    Executor(Promises promises) {
        this.promises = promises;
    }

    void enqueue(Cmd c) {
        Entry e = new Entry(c.ts, c.id);
        for (int b : c.buckets) {
            queues.computeIfAbsent(b, k -> new TreeSet<>()).add(e);
        }
    }

    /** Take a queued command out without executing it (its effects came with a snapshot, D8). */
    void remove(Cmd c) {
        Entry e = new Entry(c.ts, c.id);
        for (int b : c.buckets) {
            TreeSet<Entry> q = queues.get(b);
            if (q != null && q.remove(e) && q.isEmpty()) {
                queues.remove(b);
            }
        }
    }

    /** Execute everything that became ready, starting from the given buckets. */
    void run(Iterable<Integer> startBuckets, Function<CommandId, Cmd> lookup, Consumer<Cmd> execute) {
        ArrayDeque<Integer> work = new ArrayDeque<>();
        startBuckets.forEach(work::add);
        while (!work.isEmpty()) {
            TreeSet<Entry> q = queues.get(work.poll());
            if (q == null || q.isEmpty()) {
                continue;
            }
            Cmd c = lookup.apply(q.first().id());
            Invariants.checkState(c != null && c.phase == Phase.COMMIT, "queued command %s is not committed here", q.first().id());
            if (!ready(c)) {
                continue;
            }
            Entry e = new Entry(c.ts, c.id);
            for (int b : c.buckets) {
                TreeSet<Entry> qb = queues.get(b);
                qb.remove(e);
                if (qb.isEmpty()) {
                    queues.remove(b);
                }
                work.add(b);
            }
            execute.accept(c);
        }
    }

    private boolean ready(Cmd c) {
        Entry e = new Entry(c.ts, c.id);
        for (int b : c.buckets) {
            TreeSet<Entry> q = queues.get(b);
            if (q == null || !q.first().equals(e) || c.ts > promises.stable(b)) {
                return false;
            }
        }
        return true;
    }

    int queued() {
        int total = 0;
        for (TreeSet<Entry> q : queues.values()) {
            total += q.size();
        }
        return total;
    }
}
