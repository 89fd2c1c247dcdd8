package io.tempokv.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The settings every member of a cluster must share for the cluster's whole life (issue 21 item
 * 2): the cluster id, the member ids, f, the number of shards and of clock buckets. A member with
 * another f computes other quorums, another shard count routes keys elsewhere, other buckets give
 * other clocks: any of them breaks the protocol's assumptions without a visible error. Hosts and
 * ports are not among them (a member may move). They are recorded in each data directory
 * ({@link DataDirSettings}) and sent in every peer Hello, and a difference is refused with the
 * setting named.
 *
 * <p>The text form ({@link #text}) is {@code name=value} pairs joined by {@code ;}, in a fixed
 * order; {@link #parse} reads it back, so that a peer's Hello can be compared setting by setting.
 */
public record ClusterSettings(String clusterId, List<Integer> members, int f, int shards, int buckets) {
    public ClusterSettings {
        Objects.requireNonNull(clusterId, "clusterId");
        members = members.stream().sorted().toList();
    }

    public static ClusterSettings of(NodeConfig c) {
        return new ClusterSettings(c.clusterId(), c.memberIds(), c.f(), c.shards(), c.buckets());
    }

    /** The settings by their config-file names, in a fixed order. */
    public Map<String, String> byName() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cluster-id", clusterId);
        m.put("members", members.stream().map(String::valueOf).reduce((a, b) -> a + "," + b).orElse(""));
        m.put("f", String.valueOf(f));
        m.put("shards", String.valueOf(shards));
        m.put("buckets", String.valueOf(buckets));
        return m;
    }

    /** {@code cluster-id=...;members=1,2,3;f=1;shards=2;buckets=1024}; the cluster id may not hold ';'. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        byName().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ";").append(k).append('=').append(v));
        return sb.toString();
    }

    /** The pairs of a {@link #text}; an unreadable pair is kept under its whole text with a null value. */
    public static Map<String, String> parse(String text) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : text.split(";", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                m.put(pair, null);
            } else {
                m.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return m;
    }

    /**
     * Each setting whose value differs from {@code other}'s (given by name, as {@link #byName}
     * or {@link #parse} give them), as "NAME: MINE here, THEIRS there", with {@code here} and
     * {@code there} naming the two sides. A setting {@code other} lacks counts as different.
     */
    public List<String> differences(Map<String, String> other, String here, String there) {
        List<String> out = new ArrayList<>();
        byName().forEach((name, mine) -> {
            String theirs = other.get(name);
            if (!mine.equals(theirs)) {
                out.add(name + ": " + show(mine) + " " + here + ", " + (theirs == null ? "missing" : show(theirs)) + " " + there);
            }
        });
        return out;
    }

    private static String show(String v) {
        return v.isEmpty() ? "''" : v;
    }
}
