package io.tempokv.sim;

import io.tempokv.core.CommandId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Outbox;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the simulator saw replicas execute, across all incarnations, and the checks over it:
 * same per-key order everywhere, (ts, id) order, exactly once, one timestamp and one result per
 * command.
 */
public final class Observations {
    private final Map<Integer, Map<String, List<Outbox.Executed>>> orderByNode = new TreeMap<>();
    private final Map<Integer, Set<CommandId>> executedByNode = new TreeMap<>();
    private final Map<CommandId, Long> timestamps = new HashMap<>();
    private final Map<CommandId, List<OpResult>> results = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private static final int VIOLATIONS_MAX = 20;

    Observations(List<Integer> members) {
        for (int m : members) {
            orderByNode.put(m, new TreeMap<>());
            executedByNode.put(m, new HashSet<>());
        }
    }

    void executed(Outbox.Executed e) {
        if (!executedByNode.get(e.replica()).add(e.id())) {
            violation("command " + e.id() + " executed twice at node " + e.replica());
        }
        Long ts = timestamps.putIfAbsent(e.id(), e.ts());
        if (ts != null && ts != e.ts()) {
            violation("command " + e.id() + " executed with timestamp " + ts + " and " + e.ts() + " (node " + e.replica() + ")");
        }
        List<OpResult> r = results.putIfAbsent(e.id(), e.results());
        if (r != null && !r.equals(e.results())) {
            violation("command " + e.id() + " produced results " + r + " and " + e.results() + " (node " + e.replica() + ")");
        }
        Map<String, List<Outbox.Executed>> byKey = orderByNode.get(e.replica());
        for (String key : new HashSet<>(e.keys())) {
            List<Outbox.Executed> seq = byKey.computeIfAbsent(key, k -> new ArrayList<>());
            if (!seq.isEmpty()) {
                Outbox.Executed prev = seq.get(seq.size() - 1);
                if (prev.ts() > e.ts() || (prev.ts() == e.ts() && prev.id().compareTo(e.id()) > 0)) {
                    violation("node " + e.replica() + " executed " + e.id() + "@" + e.ts() + " after " + prev.id() + "@" + prev.ts()
                            + " on key " + key + ": not in (timestamp, id) order, so stability was declared too early");
                }
            }
            seq.add(e);
        }
    }

    /** What a donor had executed when it built a snapshot, keyed by the snapshot (D8). */
    private record Captured(Map<String, List<Outbox.Executed>> order, Set<CommandId> executed) {
    }

    /** By donor and snapshot id (the parts of one snapshot share its id). */
    private final Map<List<Long>, Captured> snapshots = new HashMap<>();
    private int snapshotsInstalled;

    /** A donor sent a snapshot: remember its executions at that moment (this step's included). */
    void snapshotSent(int donor, io.tempokv.core.message.MSnapshot snapshot) {
        Map<String, List<Outbox.Executed>> copy = new HashMap<>();
        orderByNode.get(donor).forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
        snapshots.putIfAbsent(List.of((long) donor, snapshot.id()), new Captured(copy, new HashSet<>(executedByNode.get(donor))));
    }

    /**
     * A replica installed a snapshot: what it had executed must be a prefix of the donor's order on
     * every key, and from now on it counts as having executed what the donor had.
     */
    void installed(Outbox.Installed in) {
        Captured c = snapshots.get(List.of((long) in.donor(), in.id()));
        if (c == null) {
            violation("node " + in.replica() + " installed a snapshot from " + in.donor() + " that no donor sent");
            return;
        }
        snapshotsInstalled++;
        Map<String, List<Outbox.Executed>> mine = orderByNode.get(in.replica());
        for (Map.Entry<String, List<Outbox.Executed>> e : mine.entrySet()) {
            comparePrefix(e.getKey(), in.replica(), e.getValue(), in.donor(), c.order().getOrDefault(e.getKey(), List.of()), false);
            if (e.getValue().size() > c.order().getOrDefault(e.getKey(), List.of()).size()) {
                violation("node " + in.replica() + " installed a snapshot from " + in.donor() + " that lacks commands it executed on key "
                        + e.getKey());
            }
        }
        mine.clear();
        c.order().forEach((k, v) -> mine.put(k, new ArrayList<>(v)));
        executedByNode.get(in.replica()).addAll(c.executed());
    }

    /** Catch-up reports of restarted replicas (D10), in the order they came; a few per restart at most. */
    private final List<Outbox.CaughtUp> caughtUp = new ArrayList<>();

    void caughtUp(Outbox.CaughtUp c) {
        caughtUp.add(c);
    }

    public List<Outbox.CaughtUp> caughtUp() {
        return List.copyOf(caughtUp);
    }

    public int snapshotsInstalled() {
        return snapshotsInstalled;
    }

    void violation(String v) {
        if (violations.size() < VIOLATIONS_MAX) {
            violations.add(v);
        }
    }

    public boolean failed() {
        return !violations.isEmpty();
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    public boolean executedAt(int node, CommandId id) {
        return executedByNode.get(node).contains(id);
    }

    public int executedCount(int node) {
        return executedByNode.get(node).size();
    }

    /** Every key's execution sequence must be the same at every node, up to the shorter one's length. */
    public void checkSameOrder(boolean requireEqualLength) {
        Set<String> keys = new HashSet<>();
        orderByNode.values().forEach(m -> keys.addAll(m.keySet()));
        for (String key : sorted(keys)) {
            List<Outbox.Executed> ref = null;
            int refNode = 0;
            for (Map.Entry<Integer, Map<String, List<Outbox.Executed>>> e : orderByNode.entrySet()) {
                List<Outbox.Executed> seq = e.getValue().getOrDefault(key, List.of());
                if (ref == null) {
                    ref = seq;
                    refNode = e.getKey();
                    continue;
                }
                comparePrefix(key, refNode, ref, e.getKey(), seq, requireEqualLength);
            }
        }
    }

    private void comparePrefix(String key, int na, List<Outbox.Executed> a, int nb, List<Outbox.Executed> b, boolean equalLength) {
        int common = Math.min(a.size(), b.size());
        for (int i = 0; i < common; i++) {
            if (!a.get(i).id().equals(b.get(i).id())) {
                violation("key " + key + ": node " + na + " executed " + a.get(i).id() + " as its #" + i + " command but node "
                        + nb + " executed " + b.get(i).id());
                return;
            }
        }
        if (equalLength && a.size() != b.size()) {
            violation("key " + key + ": node " + na + " executed " + a.size() + " commands, node " + nb + " executed " + b.size());
        }
    }

    private static List<String> sorted(Set<String> keys) {
        List<String> l = new ArrayList<>(keys);
        l.sort(null);
        return l;
    }

    /** All nodes executed the same commands and none holds unfinished work. */
    boolean allExecutedEverywhere(Simulation sim) {
        Set<CommandId> union = new HashSet<>();
        executedByNode.values().forEach(union::addAll);
        for (int id : sim.members()) {
            if (sim.replica(id).unfinished() > 0 || executedByNode.get(id).size() != union.size()) {
                return false;
            }
        }
        return true;
    }

    /** Executions per key at one node, in order (tests use this). */
    public List<CommandId> order(int node, String key) {
        List<CommandId> out = new ArrayList<>();
        for (Outbox.Executed e : orderByNode.get(node).getOrDefault(key, List.of())) {
            out.add(e.id());
        }
        return out;
    }

    public Long timestamp(CommandId id) {
        return timestamps.get(id);
    }
}
