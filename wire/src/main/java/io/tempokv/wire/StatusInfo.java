package io.tempokv.wire;

import java.util.List;

/**
 * A node's answer to a status query (client.proto StatusReply): the tag of the query, the node, the
 * members of the cluster and one entry per shard group the node serves.
 */
public record StatusInfo(long tag, int nodeId, List<Integer> members, List<ShardStatus> shards) {
    public StatusInfo {
        members = List.copyOf(members);
        shards = List.copyOf(shards);
    }

    /**
     * One shard group as this node sees it: its members, those currently reachable, whether it can
     * make progress, and protocol counters since the node started.
     */
    public record ShardStatus(int shard, List<Integer> members, List<Integer> reachable, boolean healthy,
                              long commands, long fastPaths, long slowPaths, long recoveries) {
        public ShardStatus {
            members = List.copyOf(members);
            reachable = List.copyOf(reachable);
        }
    }
}
