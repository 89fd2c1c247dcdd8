package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestTest {
    @Test
    void editDistance() {
        assertEquals(0, Suggest.distance("shards", "shards"));
        assertEquals(1, Suggest.distance("shard", "shards"));
        assertEquals(1, Suggest.distance("nodeid", "node-id"));
        assertEquals(3, Suggest.distance("kitten", "sitting"));
        assertEquals(5, Suggest.distance("", "fsync"));
    }

    @Test
    void suggestsOnlyCloseNames() {
        List<String> keys = DraftReader.TOP_KEYS;
        assertEquals("did you mean 'tick-ms'?", Suggest.fix("tick_ms", keys));
        assertEquals("did you mean 'f'?", Suggest.fix("F", keys));
        assertEquals("did you mean 'node-id'?", Suggest.fix("nodeId", keys));
        assertEquals("the settings here are client, peer, http", Suggest.fix("address", List.of("client", "peer", "http")));
    }
}
