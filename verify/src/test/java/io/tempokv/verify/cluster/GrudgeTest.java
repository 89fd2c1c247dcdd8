package io.tempokv.verify.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class GrudgeTest {
    private static final List<Integer> THREE = List.of(1, 2, 3);
    private static final List<Integer> FIVE = List.of(1, 2, 3, 4, 5);

    private static List<Integer> nodes(int n) {
        return IntStream.rangeClosed(1, n).boxed().toList();
    }

    @Test
    void isolateCutsOneNodeFromAllOthersAndNothingElse() {
        for (int n : new int[] {3, 5}) {
            for (int cut : nodes(n)) {
                Grudge g = Grudge.isolate(nodes(n), cut);
                assertEquals(Set.of(cut), g.sees(cut), "node " + cut + " of " + n + " sees only itself");
                for (int a : nodes(n)) {
                    for (int b : nodes(n)) {
                        assertEquals(a == b || (a != cut && b != cut), g.connected(a, b), a + "-" + b + " with " + cut + " isolated");
                    }
                }
            }
        }
        assertEquals(Map.of(1, Set.of(2), 2, Set.of(1, 3), 3, Set.of(2)), Grudge.isolate(THREE, 2).drops());
    }

    @Test
    void halvesAreAMinorityAgainstAMajority() {
        Grudge g = Grudge.halves(List.of(3, 1, 5, 2, 4));
        assertEquals(Map.of(3, Set.of(2, 4, 5), 1, Set.of(2, 4, 5), 5, Set.of(1, 3), 2, Set.of(1, 3), 4, Set.of(1, 3)), g.drops());
        assertEquals(Set.of(1, 3), g.sees(3));
        assertEquals(Set.of(2, 4, 5), g.sees(4));
        for (long seed = 0; seed < 50; seed++) {
            for (int n : new int[] {3, 5}) {
                Grudge r = Grudge.randomHalves(nodes(n), new Random(seed));
                Set<Set<Integer>> components = new HashSet<>();
                nodes(n).forEach(id -> components.add(r.sees(id)));
                assertEquals(2, components.size(), "two sides: " + r);
                List<Integer> sizes = components.stream().map(Set::size).sorted().toList();
                assertEquals(List.of(n / 2, n - n / 2), sizes, "a minority and a majority: " + r);
                for (Set<Integer> c : components) {
                    for (int a : c) {
                        assertEquals(c, r.sees(a), "everyone in a side sees exactly that side: " + r);
                    }
                }
            }
        }
    }

    @Test
    void bridgeJoinsTwoHalvesThroughOneNodeThatSeesBoth() {
        assertEquals(Map.of(1, Set.of(3), 2, Set.of(), 3, Set.of(1)), Grudge.bridge(THREE).drops());
        assertEquals(Map.of(1, Set.of(4, 5), 2, Set.of(4, 5), 3, Set.of(), 4, Set.of(1, 2), 5, Set.of(1, 2)),
                Grudge.bridge(FIVE).drops());
        for (long seed = 0; seed < 50; seed++) {
            for (int n : new int[] {3, 5}) {
                Grudge g = Grudge.randomBridge(nodes(n), new Random(seed));
                List<Integer> bridges = nodes(n).stream().filter(id -> g.sees(id).size() == n).toList();
                assertEquals(1, bridges.size(), "exactly one node sees everyone: " + g);
                int bridge = bridges.get(0);
                List<Integer> others = nodes(n).stream().filter(id -> id != bridge).toList();
                Set<Integer> sideA = new HashSet<>(g.sees(others.get(0)));
                sideA.remove(bridge);
                Set<Integer> sideB = new HashSet<>(others);
                sideB.removeAll(sideA);
                assertEquals(n / 2, Math.min(sideA.size(), sideB.size()), "halves around the bridge: " + g);
                assertEquals(n / 2, Math.max(sideA.size(), sideB.size()), "halves around the bridge: " + g);
                for (int a : sideA) {
                    for (int b : sideB) {
                        assertFalse(g.connected(a, b), a + " and " + b + " are on different sides: " + g);
                    }
                    assertTrue(g.connected(a, bridge));
                }
                for (int b : sideB) {
                    assertTrue(g.connected(b, bridge));
                }
            }
        }
    }

    @Test
    void majoritiesRingOnFiveNodesIsExactlyTheRingOfNeighbours() {
        // ring 1-2-3-4-5-1: each node talks to its two neighbours and drops the two across the ring
        assertEquals(Map.of(1, Set.of(3, 4), 2, Set.of(4, 5), 3, Set.of(1, 5), 4, Set.of(1, 2), 5, Set.of(2, 3)),
                Grudge.majoritiesRing(FIVE).drops());
    }

    @Test
    void inAMajoritiesRingEveryNodeSeesADifferentMajorityAndNoMajoritySeesItself() {
        for (int n : new int[] {4, 5, 7}) {
            int majority = n / 2 + 1;
            for (long seed = 0; seed < 30; seed++) {
                Grudge g = Grudge.randomMajoritiesRing(nodes(n), new Random(seed));
                Set<Set<Integer>> seen = new HashSet<>();
                for (int a : nodes(n)) {
                    assertTrue(g.sees(a).size() >= majority, "node " + a + " sees a majority: " + g);
                    assertTrue(g.sees(a).size() < n, "node " + a + " does not see everyone: " + g);
                    assertTrue(seen.add(g.sees(a)), "node " + a + "'s majority is its own: " + g);
                    for (int b : g.dropsAt(a)) {
                        assertTrue(g.dropsAt(b).contains(a), "cuts are symmetric: " + g);
                    }
                }
                assertEquals(n, seen.size());
                assertTrue(largestClique(g) < majority, "no majority of nodes all see each other: " + g);
            }
        }
    }

    @Test
    void majoritiesRingOnThreeNodesIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Grudge.majoritiesRing(THREE));
        assertTrue(e.getMessage().contains("at least 4 nodes"), e.getMessage());
    }

    @Test
    void malformedGrudgesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Grudge(Map.of(1, Set.of(1), 2, Set.of())));
        assertThrows(IllegalArgumentException.class, () -> new Grudge(Map.of(1, Set.of(7))));
        assertThrows(IllegalArgumentException.class, () -> Grudge.complete(List.of(List.of(1, 2), List.of(2, 3))));
        assertThrows(IllegalArgumentException.class, () -> Grudge.isolate(THREE, 4));
        assertTrue(Grudge.complete(List.of(THREE)).isEmpty());
        assertEquals("1 drops 2,3; 2 drops 1; 3 drops 1", Grudge.isolate(THREE, 1).describe());
    }

    /** The size of the largest set of nodes that are all connected to each other (brute force). */
    private static int largestClique(Grudge g) {
        List<Integer> ids = g.nodes();
        int best = 0;
        for (int mask = 1; mask < 1 << ids.size(); mask++) {
            List<Integer> set = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    set.add(ids.get(i));
                }
            }
            boolean clique = set.stream().allMatch(a -> set.stream().allMatch(b -> g.connected(a, b)));
            if (clique) {
                best = Math.max(best, set.size());
            }
        }
        return best;
    }
}
