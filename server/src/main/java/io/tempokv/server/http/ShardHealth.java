package io.tempokv.server.http;

/**
 * One shard as this node sees it: how many of its replicas (this one included) are reachable, and how
 * many it needs to make progress.
 */
public record ShardHealth(int shard, int reachable, int needed) {

    public boolean ok() {
        return reachable >= needed;
    }

    public String toJson() {
        return "{\"shard\":" + shard + ",\"reachable\":" + reachable + ",\"needed\":" + needed + "}";
    }
}
