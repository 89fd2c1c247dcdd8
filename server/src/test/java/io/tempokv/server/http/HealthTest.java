package io.tempokv.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthTest {
    private static final Map<Integer, Boolean> PEERS = Map.of(3, false, 2, true);

    @Test
    void readyOnlyWhenEveryShardReachesWhatItNeeds() {
        assertTrue(Health.of(2, PEERS, List.of(new ShardHealth(0, 2, 2), new ShardHealth(1, 3, 2))).ready());
        assertFalse(Health.of(2, PEERS, List.of(new ShardHealth(0, 2, 2), new ShardHealth(1, 1, 2))).ready());
        assertFalse(Health.of(2, PEERS, List.of()).ready(), "a node with no shards running serves nothing");
    }

    @Test
    void jsonHasTheFixedShapeWithPeersInNodeOrder() {
        assertEquals("{\"ready\":false,\"node\":1,\"peers\":[{\"node\":2,\"reachable\":true},{\"node\":3,\"reachable\":false}],"
                        + "\"shards\":[{\"shard\":0,\"reachable\":1,\"needed\":2}]}",
                Health.of(1, PEERS, List.of(new ShardHealth(0, 1, 2))).toJson());
        assertEquals("{\"ready\":false,\"node\":3,\"peers\":[],\"shards\":[]}", new Health(false, 3, Map.of(), List.of()).toJson());
    }

    @Test
    void aProblemMakesTheNodeNotReadyAndIsEscapedInTheJson() {
        Health h = Health.of(1, Map.of(2, true), List.of(new ShardHealth(0, 2, 2)), "lost \"its\" disk\\\n");
        assertFalse(h.ready(), "reachable enough, but a problem");
        assertEquals("{\"ready\":false,\"node\":1,\"peers\":[{\"node\":2,\"reachable\":true}],"
                + "\"shards\":[{\"shard\":0,\"reachable\":2,\"needed\":2}],\"problem\":\"lost \\\"its\\\" disk\\\\\\u000a\"}", h.toJson());
    }
}
