package io.tempokv.verify.cluster;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * A network partition as Jepsen describes one: for every node, the nodes whose packets it drops.
 * Every node of the cluster has an entry (possibly empty), so applying a grudge also clears what an
 * earlier one left on nodes it no longer cuts. The cluster drops incoming packets only; since every
 * link tempokv uses is TCP, a link dropped in one direction is dead in both, so {@link #connected}
 * asks that neither end drops the other.
 */
public record Grudge(Map<Integer, Set<Integer>> drops) {

    public Grudge {
        Map<Integer, Set<Integer>> copy = new TreeMap<>();
        drops.forEach((node, dropped) -> {
            if (dropped.contains(node)) {
                throw new IllegalArgumentException("node " + node + " cannot drop its own traffic");
            }
            copy.put(node, Collections.unmodifiableSet(new TreeSet<>(dropped)));
        });
        for (Set<Integer> dropped : copy.values()) {
            for (int d : dropped) {
                if (!copy.containsKey(d)) {
                    throw new IllegalArgumentException("node " + d + " is dropped but is not a node of the grudge " + copy);
                }
            }
        }
        drops = Collections.unmodifiableMap(copy);
    }

    /** The nodes of the cluster, in order. */
    public List<Integer> nodes() {
        return List.copyOf(drops.keySet());
    }

    /** The nodes whose packets {@code node} drops. */
    public Set<Integer> dropsAt(int node) {
        Set<Integer> d = drops.get(node);
        if (d == null) {
            throw new IllegalArgumentException("node " + node + " is not in the grudge " + drops);
        }
        return d;
    }

    /** True when packets go through both ways between a and b (a node is connected to itself). */
    public boolean connected(int a, int b) {
        return a == b || (!dropsAt(a).contains(b) && !dropsAt(b).contains(a));
    }

    /** The nodes {@code node} can talk to, itself included. */
    public Set<Integer> sees(int node) {
        return drops.keySet().stream().filter(other -> connected(node, other)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** True when no node drops anything: applying it heals. */
    public boolean isEmpty() {
        return drops.values().stream().allMatch(Set::isEmpty);
    }

    /**
     * Jepsen's complete grudge: the nodes are split into components; each node drops every node
     * outside its own component. Components must not overlap; together they are the cluster.
     */
    public static Grudge complete(Collection<? extends Collection<Integer>> components) {
        Set<Integer> all = new TreeSet<>();
        int total = 0;
        for (Collection<Integer> c : components) {
            all.addAll(c);
            total += c.size();
        }
        if (all.size() != total) {
            throw new IllegalArgumentException("components overlap: " + components);
        }
        Map<Integer, Set<Integer>> drops = new TreeMap<>();
        for (Collection<Integer> c : components) {
            for (int node : c) {
                Set<Integer> others = new TreeSet<>(all);
                others.removeAll(c);
                drops.put(node, others);
            }
        }
        return new Grudge(drops);
    }

    /** Cuts {@code node} off from every other node; the others still see each other. */
    public static Grudge isolate(List<Integer> nodes, int node) {
        if (!nodes.contains(node)) {
            throw new IllegalArgumentException("node " + node + " is not one of " + nodes);
        }
        List<Integer> rest = new ArrayList<>(nodes);
        rest.remove(Integer.valueOf(node));
        return complete(List.of(List.of(node), rest));
    }

    /**
     * Two halves: the first {@code n/2} nodes in the given order (a minority) against the rest (a
     * majority), as Jepsen's bisect.
     */
    public static Grudge halves(List<Integer> ordered) {
        requireAtLeast(ordered, 2, "halves");
        int cut = ordered.size() / 2;
        return complete(List.of(ordered.subList(0, cut), ordered.subList(cut, ordered.size())));
    }

    /** {@link #halves} of a random order: a random minority against the majority. */
    public static Grudge randomHalves(List<Integer> nodes, Random random) {
        return halves(shuffled(nodes, random));
    }

    /**
     * Jepsen's bridge: {@link #halves} of the given order, but the first node of the majority half
     * keeps talking to both halves, so the two sides are joined only through it. With 3 nodes
     * a-b-c: a and c are cut from each other, b sees both.
     */
    public static Grudge bridge(List<Integer> ordered) {
        requireAtLeast(ordered, 3, "a bridge");
        int cut = ordered.size() / 2;
        int bridge = ordered.get(cut);
        Map<Integer, Set<Integer>> drops = new TreeMap<>(halves(ordered).drops());
        drops.put(bridge, Set.of());
        drops.replaceAll((node, dropped) -> {
            Set<Integer> d = new TreeSet<>(dropped);
            d.remove(bridge);
            return d;
        });
        return new Grudge(drops);
    }

    /** {@link #bridge} of a random order. */
    public static Grudge randomBridge(List<Integer> nodes, Random random) {
        return bridge(shuffled(nodes, random));
    }

    /**
     * Jepsen's majorities ring, made symmetric: the nodes in the given order form a ring, and each
     * node talks only to the k nearest nodes on either side, the smallest k for which that is a
     * majority (itself included). Every node sees a majority, no two see the same one, and no
     * majority of nodes all see each other. Needs at least 4 nodes: with 3, any node seeing a
     * majority through symmetric links leaves nothing cut.
     */
    public static Grudge majoritiesRing(List<Integer> ordered) {
        int n = ordered.size();
        int majority = n / 2 + 1;
        int k = majority / 2;   // 2k+1 >= majority
        if (2 * k + 1 >= n) {
            throw new IllegalArgumentException("a majorities ring needs at least 4 nodes, got " + n
                    + " (with 3, every node seeing a majority over links that work both ways cuts nothing)");
        }
        Map<Integer, Set<Integer>> drops = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            Set<Integer> dropped = new TreeSet<>();
            for (int j = 0; j < n; j++) {
                int distance = Math.min(Math.abs(i - j), n - Math.abs(i - j));
                if (distance > k) {
                    dropped.add(ordered.get(j));
                }
            }
            drops.put(ordered.get(i), dropped);
        }
        return new Grudge(drops);
    }

    /** {@link #majoritiesRing} of a random order. */
    public static Grudge randomMajoritiesRing(List<Integer> nodes, Random random) {
        return majoritiesRing(shuffled(nodes, random));
    }

    private static List<Integer> shuffled(List<Integer> nodes, Random random) {
        List<Integer> order = new ArrayList<>(nodes);
        Collections.shuffle(order, random);
        return order;
    }

    private static void requireAtLeast(List<Integer> nodes, int min, String what) {
        if (nodes.size() < min) {
            throw new IllegalArgumentException(what + " needs at least " + min + " nodes, got " + nodes);
        }
    }

    /** E.g. {@code 1 drops 2,3; 2 drops 1; 3 drops 1}, leaving out nodes that drop nothing. */
    public String describe() {
        String s = drops.entrySet().stream().filter(e -> !e.getValue().isEmpty())
                .map(e -> e.getKey() + " drops " + e.getValue().stream().map(String::valueOf).collect(Collectors.joining(",")))
                .collect(Collectors.joining("; "));
        return s.isEmpty() ? "nothing dropped" : s;
    }
}
