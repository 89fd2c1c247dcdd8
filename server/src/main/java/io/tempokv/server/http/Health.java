package io.tempokv.server.http;

import java.util.List;

/**
 * What {@code GET /health} reports: whether this node can serve, and per shard what is reachable and
 * needed, so a 503 says what is missing.
 */
public record Health(boolean ready, int node, List<ShardHealth> shards) {

    public Health {
        shards = List.copyOf(shards);
    }

    /** Ready when there is at least one shard and every shard reaches as many replicas as it needs. */
    public static Health of(int node, List<ShardHealth> shards) {
        return new Health(!shards.isEmpty() && shards.stream().allMatch(ShardHealth::ok), node, shards);
    }

    /** E.g. {@code {"ready":false,"node":1,"shards":[{"shard":0,"reachable":1,"needed":2}]}}. */
    public String toJson() {
        StringBuilder sb = new StringBuilder();
        sb.append("{\"ready\":").append(ready).append(",\"node\":").append(node).append(",\"shards\":[");
        for (int i = 0; i < shards.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(shards.get(i).toJson());
        }
        return sb.append("]}").toString();
    }
}
