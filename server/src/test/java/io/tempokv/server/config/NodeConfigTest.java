package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ReplicaConfig;
import io.tempokv.wire.Frames;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeConfigTest {
    /** Members listed out of id order on purpose: core wants them sorted, problem paths want file order. */
    private static final NodeConfig THREE = ConfigLoader.parse("""
            node-id: 2
            shards: 3
            buckets: 16
            limits: {key-bytes: 10, value-bytes: 100, pending-commands: 5, frame-bytes: 1000}
            members:
              - {id: 3, host: c.example}
              - {id: 1, host: a.example}
              - {id: 2, host: b.example, client: 9400}
            """, "t");

    @Test
    void replicaConfigCarriesTheClusterToCore() {
        ReplicaConfig rc = THREE.replicaConfig(1);
        assertEquals(1, rc.shard());
        assertEquals(3, rc.shards());
        assertEquals(List.of(1, 2, 3), rc.members());
        assertEquals(2, rc.self());
        assertEquals(1, rc.f());
        assertEquals(16, rc.buckets());
        assertEquals(ReplicaConfig.Timing.defaults(), rc.timing());
        assertEquals(5, rc.limits().pendingCommandsMax());
        assertEquals(10, rc.limits().keyBytesMax());
        assertEquals(100, rc.limits().valueBytesMax());
        assertEquals(ReplicaConfig.Limits.defaults().opsPerCommandMax(), rc.limits().opsPerCommandMax());
        assertEquals(750, rc.limits().snapshotBytesMax());
        assertEquals(2, rc.fastQuorumSize());
    }

    /**
     * Snapshot parts are at most 1 MiB (a part must arrive within the receiver's 1 s patience on a
     * loaded host), less when the frame limit is smaller, and never more than a peer frame holds
     * whatever the client frame limit says.
     */
    @Test
    void snapshotPartsAreAtMostOneMebibyteAndFitAPeerFrame() {
        NodeConfig big = ConfigLoader.parse("limits: {frame-bytes: 1000000000}\n", "t");
        assertEquals(1 << 20, big.replicaConfig(0).limits().snapshotBytesMax());
        assertEquals(NodeConfig.SNAPSHOT_PART_BYTES, NodeConfig.defaults().replicaConfig(0).limits().snapshotBytesMax());
        assertTrue(NodeConfig.SNAPSHOT_PART_BYTES < Frames.MAX_FRAME_BYTES * 3L / 4);
        NodeConfig small = ConfigLoader.parse("limits: {frame-bytes: 1200000, value-bytes: 1000000}\n", "t");
        assertEquals(900_000, small.replicaConfig(0).limits().snapshotBytesMax());
    }

    @Test
    void everyShardOfTheDefaultConfigIsASingleReplica() {
        NodeConfig d = NodeConfig.defaults();
        for (int shard = 0; shard < d.shards(); shard++) {
            ReplicaConfig rc = d.replicaConfig(shard);
            assertEquals(List.of(1), rc.members());
            assertEquals(0, rc.f());
        }
        assertThrows(IllegalArgumentException.class, () -> d.replicaConfig(2));
        assertThrows(IllegalArgumentException.class, () -> d.replicaConfig(-1));
    }

    @Test
    void peersAreTheOtherMembersById() {
        assertEquals(List.of(1, 3), THREE.peers().stream().map(NodeConfig.Member::id).toList());
        assertEquals(List.of(1, 2, 3), THREE.memberIds());
        assertEquals(new NodeConfig.Member(2, "b.example", 9400, 7500, 7600), THREE.self());
        assertEquals(new NodeConfig.Ports(9400, 7500, 7600), THREE.ports());
        assertEquals("c.example", THREE.member(3).orElseThrow().host());
        assertTrue(THREE.member(4).isEmpty());
        assertTrue(NodeConfig.defaults().peers().isEmpty());
    }

    @Test
    void memberAddressesAreNotResolvedWhenBuilt() {
        NodeConfig.Member m = THREE.self();
        assertEquals("b.example", m.peerAddress().getHostString());
        assertEquals(7500, m.peerAddress().getPort());
        assertTrue(m.peerAddress().isUnresolved());
        assertEquals(9400, m.clientAddress().getPort());
        assertEquals(7600, m.httpAddress().getPort());
    }

    @Test
    void aConfigBuiltInCodeObeysTheFileRules() {
        List<NodeConfig.Member> dup = List.of(new NodeConfig.Member(1, "a", 1, 2, 3),
                new NodeConfig.Member(1, "b", 1, 2, 3), new NodeConfig.Member(3, "c", 1, 2, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NodeConfig(1, "tempokv",
                Path.of("d"), "127.0.0.1", new NodeConfig.Ports(1, 2, 3), dup, 1, 1, 1, 1, true,
                NodeConfig.Limits.defaults()));
        assertTrue(e.getMessage().contains("members[1].id: 1 appears twice"), e.getMessage());
        NodeConfig ok = new NodeConfig(1, "tempokv", Path.of("d"), "127.0.0.1", new NodeConfig.Ports(1, 2, 3),
                List.of(new NodeConfig.Member(1, "a", 1, 2, 3)), 1, 0, 1, 1, true, NodeConfig.Limits.defaults());
        assertEquals(1, ok.self().id());
    }
}
