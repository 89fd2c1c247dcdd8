package io.tempokv.verify.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Decides which key each client's next operation goes to, and when, like Jepsen's independent
 * concurrent generator: clients are split into groups of {@code groupSize}; a group works on one
 * key until that key has had {@code opsPerKey} operations, then moves to a fresh key. Short
 * per-key histories keep the linearizability search cheap however long the run. {@code rate} is
 * operations per second across all clients (0 = as fast as they can go).
 */
public final class Generator {
    private final int concurrency;
    private final int groupSize;
    private final int opsPerKey;
    private final long nanosPerOp;
    private final long[] groupKey;
    private final int[] groupOps;
    private final List<Long> touched = new ArrayList<>();
    private long nextKey;
    private long nextSlot = System.nanoTime();

    public Generator(int concurrency, int groupSize, int opsPerKey, double rate) {
        if (concurrency < 1 || groupSize < 1 || opsPerKey < 1 || rate < 0) {
            throw new IllegalArgumentException("need concurrency, group size and ops per key >= 1 and rate >= 0");
        }
        this.concurrency = concurrency;
        this.groupSize = groupSize;
        this.opsPerKey = opsPerKey;
        this.nanosPerOp = rate == 0 ? 0 : (long) (1e9 / rate);
        int groups = (concurrency + groupSize - 1) / groupSize;
        this.groupKey = new long[groups];
        this.groupOps = new int[groups];
        for (int g = 0; g < groups; g++) {
            groupKey[g] = fresh();
        }
    }

    public int concurrency() {
        return concurrency;
    }

    /** The key for worker {@code w}'s next operation; waits for the operation's rate slot first. */
    public long next(int w) throws InterruptedException {
        long wait = slot();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
        return key(w / groupSize);
    }

    private synchronized long slot() {
        if (nanosPerOp == 0) {
            return 0;
        }
        long now = System.nanoTime();
        nextSlot = Math.max(nextSlot, now) + nanosPerOp;
        return nextSlot - nanosPerOp - now;
    }

    private synchronized long key(int g) {
        if (groupOps[g] >= opsPerKey) {
            groupKey[g] = fresh();
            groupOps[g] = 0;
        }
        groupOps[g]++;
        return groupKey[g];
    }

    private long fresh() {
        touched.add(nextKey);
        return nextKey++;
    }

    /** Every key handed out so far, for the final reads. */
    public synchronized List<Long> touched() {
        return List.copyOf(touched);
    }
}
