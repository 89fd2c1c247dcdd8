package io.tempokv.server.http;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /health} reports: whether this node can serve, per shard what is reachable and
 * needed, and which peers this node is connected to both ways, so a 503 says what is missing.
 *
 * @param peers   every other member by node id: true when connected both ways
 * @param problem why the node serves nothing whatever it reaches (its data directory, D14), or null
 */
public record Health(boolean ready, int node, Map<Integer, Boolean> peers, List<ShardHealth> shards, String problem) {

    public Health {
        peers = java.util.Collections.unmodifiableMap(new TreeMap<>(peers));
        shards = List.copyOf(shards);
    }

    public Health(boolean ready, int node, Map<Integer, Boolean> peers, List<ShardHealth> shards) {
        this(ready, node, peers, shards, null);
    }

    /** Ready when there is at least one shard and every shard reaches as many replicas as it needs. */
    public static Health of(int node, Map<Integer, Boolean> peers, List<ShardHealth> shards) {
        return of(node, peers, shards, null);
    }

    /** As {@link #of(int, Map, List)}, and never ready with a problem. */
    public static Health of(int node, Map<Integer, Boolean> peers, List<ShardHealth> shards, String problem) {
        return new Health(problem == null && !shards.isEmpty() && shards.stream().allMatch(ShardHealth::ok), node, peers, shards,
                problem);
    }

    /**
     * E.g. {@code {"ready":false,"node":1,"peers":[{"node":2,"reachable":true},{"node":3,"reachable":false}],
     * "shards":[{"shard":0,"reachable":2,"needed":2}]}}: peers in node order; then {@code "problem":"..."} when there is one.
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"ready\":").append(ready).append(",\"node\":").append(node).append(",\"peers\":[");
        String sep = "";
        for (Map.Entry<Integer, Boolean> p : peers.entrySet()) {
            sb.append(sep).append("{\"node\":").append(p.getKey()).append(",\"reachable\":").append(p.getValue()).append('}');
            sep = ",";
        }
        sb.append("],\"shards\":[");
        sep = "";
        for (ShardHealth s : shards) {
            sb.append(sep).append(s.toJson());
            sep = ",";
        }
        sb.append(']');
        if (problem != null) {
            sb.append(",\"problem\":\"");
            for (char c : problem.toCharArray()) {
                if (c == '"' || c == '\\') {
                    sb.append('\\').append(c);
                } else if (c < 0x20) {
                    sb.append(String.format("\\u%04x", (int) c));
                } else {
                    sb.append(c);
                }
            }
            sb.append('"');
        }
        return sb.append('}').toString();
    }
}
