package io.tempokv.core;

import io.tempokv.core.store.DurableState.ExecutedSnapshot;
import java.util.ArrayList;
import java.util.TreeSet;

/**
 * Sequence numbers of one origin: all up to a watermark, plus a sparse set above it. Commands of an
 * origin finish roughly in order, so the sparse part stays small.
 */
final class ExecutedSet {
    private long watermark;
    private final TreeSet<Long> above = new TreeSet<>();

    boolean contains(long seq) {
        return seq <= watermark || above.contains(seq);
    }

    void add(long seq) {
        if (contains(seq)) {
            return;
        }
        above.add(seq);
        compact();
    }

    /** Union with another summary of the same origin. */
    void merge(long otherWatermark, Iterable<Long> otherAbove) {
        if (otherWatermark > watermark) {
            watermark = otherWatermark;
            above.headSet(watermark, true).clear();
        }
        for (long s : otherAbove) {
            if (s > watermark) {
                above.add(s);
            }
        }
        compact();
    }

    private void compact() {
        while (!above.isEmpty() && above.first() == watermark + 1) {
            watermark = above.pollFirst();
        }
    }

    long watermark() {
        return watermark;
    }

    ExecutedSnapshot snapshot() {
        return new ExecutedSnapshot(watermark, new ArrayList<>(above));
    }

    int sparseSize() {
        return above.size();
    }
}
