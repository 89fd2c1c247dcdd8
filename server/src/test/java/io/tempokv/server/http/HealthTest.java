package io.tempokv.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTest {
    @Test
    void readyOnlyWhenEveryShardReachesWhatItNeeds() {
        assertTrue(Health.of(2, List.of(new ShardHealth(0, 2, 2), new ShardHealth(1, 3, 2))).ready());
        assertFalse(Health.of(2, List.of(new ShardHealth(0, 2, 2), new ShardHealth(1, 1, 2))).ready());
        assertFalse(Health.of(2, List.of()).ready(), "a node with no shards running serves nothing");
    }

    @Test
    void jsonHasTheFixedShape() {
        assertEquals("{\"ready\":false,\"node\":1,\"shards\":[{\"shard\":0,\"reachable\":1,\"needed\":2}]}",
                Health.of(1, List.of(new ShardHealth(0, 1, 2))).toJson());
        assertEquals("{\"ready\":false,\"node\":3,\"shards\":[]}", new Health(false, 3, List.of()).toJson());
    }
}
