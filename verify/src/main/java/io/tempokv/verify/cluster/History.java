package io.tempokv.verify.cluster;

import io.tempokv.check.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A Jepsen history being recorded by many client threads and the nemesis: one lock, so :index is
 * the order in which entries were recorded and :time (nanoseconds since the run started) never
 * goes backwards along the indexes.
 */
public final class History {
    private final List<Op> ops = new ArrayList<>();
    private final List<Long> okLatencies = new ArrayList<>();
    private final long[] completions = new long[3];
    private final long startNanos = System.nanoTime();

    /** Records the invocation of {@code f} with value {@code [key value]}; returns its time. */
    public synchronized long invoke(long process, String f, Object key, Object value) {
        long now = now();
        ops.add(new Op(ops.size(), Op.Type.INVOKE, process, f, Arrays.asList(key, value), now));
        return now;
    }

    /** Records the completion of an invocation made at {@code invokedAt}. */
    public synchronized void complete(long process, Op.Type type, String f, Object key, Object value, long invokedAt) {
        long now = now();
        ops.add(new Op(ops.size(), type, process, f, Arrays.asList(key, value), now));
        completions[type == Op.Type.OK ? 0 : type == Op.Type.FAIL ? 1 : 2]++;
        if (type == Op.Type.OK) {
            okLatencies.add(now - invokedAt);
        }
    }

    /** A nemesis entry: Jepsen records both ends of a fault as :info ops of process :nemesis. */
    public synchronized void nemesis(String f, Object value) {
        ops.add(new Op(ops.size(), Op.Type.INFO, Op.NEMESIS, f, value, now()));
    }

    public long now() {
        return System.nanoTime() - startNanos;
    }

    public synchronized List<Op> ops() {
        return List.copyOf(ops);
    }

    /** ok, fail and info completions so far. */
    public synchronized long[] completions() {
        return completions.clone();
    }

    /** p50 and p99 of ok operations, in milliseconds. */
    public synchronized double[] latencyMillis() {
        if (okLatencies.isEmpty()) {
            return new double[2];
        }
        List<Long> s = new ArrayList<>(okLatencies);
        s.sort(null);
        return new double[] {s.get(s.size() / 2) / 1e6, s.get(Math.min(s.size() - 1, (int) (s.size() * 0.99))) / 1e6};
    }
}
