package io.tempokv.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/** Network partitions as sets of cut (from, to) links, always symmetric. */
final class Partitions {
    private final Set<Long> cut = new HashSet<>();

    boolean blocked(int from, int to) {
        return cut.contains(link(from, to));
    }

    boolean any() {
        return !cut.isEmpty();
    }

    void heal() {
        cut.clear();
    }

    /** Cut every link between the two sides. */
    void split(List<Integer> a, List<Integer> b) {
        for (int x : a) {
            for (int y : b) {
                cut.add(link(x, y));
                cut.add(link(y, x));
            }
        }
    }

    void isolate(int node, List<Integer> all) {
        List<Integer> others = new ArrayList<>(all);
        others.remove(Integer.valueOf(node));
        split(List.of(node), others);
    }

    /** A random minority (at most (n-1)/2 nodes) against the rest. */
    void minority(List<Integer> all, RandomGenerator rng) {
        List<Integer> shuffled = shuffled(all, rng);
        int size = 1 + rng.nextInt((all.size() - 1) / 2);
        split(shuffled.subList(0, size), shuffled.subList(size, shuffled.size()));
    }

    /** Two halves joined only through one bridge node, as Jepsen's bridge nemesis. */
    void bridge(List<Integer> all, RandomGenerator rng) {
        List<Integer> s = shuffled(all, rng);
        int half = s.size() / 2;
        split(s.subList(0, half), s.subList(half + 1, s.size()));
    }

    private static List<Integer> shuffled(List<Integer> all, RandomGenerator rng) {
        List<Integer> s = new ArrayList<>(all);
        for (int i = s.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Integer t = s.get(i);
            s.set(i, s.get(j));
            s.set(j, t);
        }
        return s;
    }

    private static long link(int from, int to) {
        return ((long) from << 32) | to;
    }

    @Override
    public String toString() {
        return cut.size() / 2 + " cut links";
    }
}
