package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    private static final String THREE = """
            members:
              - {id: 1, host: 127.0.0.1, client: 7400, peer: 7500, http: 7600}
              - {id: 2, host: 127.0.0.1, client: 7401, peer: 7501, http: 7601}
              - {id: 3, host: 127.0.0.1, client: 7402, peer: 7502, http: 7602}
            """;

    private static List<String> problems(String yaml) {
        return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "tempokv.yaml")).problems();
    }

    private static String only(String yaml) {
        List<String> p = problems(yaml);
        assertEquals(1, p.size(), () -> "expected one problem, got " + p);
        return p.get(0);
    }

    @Test
    void emptyFileIsASingleNodeClusterOnLoopback() {
        NodeConfig c = ConfigLoader.parse("", "tempokv.yaml");
        assertEquals(1, c.nodeId());
        assertEquals("tempokv", c.clusterId());
        assertEquals(Path.of("./data"), c.dataDir());
        assertEquals("127.0.0.1", c.listen());
        assertEquals(new NodeConfig.Ports(7400, 7500, 7600), c.ports());
        assertEquals(List.of(new NodeConfig.Member(1, "127.0.0.1", 7400, 7500, 7600)), c.members());
        assertEquals(2, c.shards());
        assertEquals(0, c.f());
        assertEquals(1024, c.buckets());
        assertEquals(1, c.tickMs());
        assertTrue(c.fsync());
        assertEquals(NodeConfig.Limits.defaults(), c.limits());
        assertEquals(c, NodeConfig.defaults());
        assertEquals(c, ConfigLoader.parse("# only a comment\n", "tempokv.yaml"));
    }

    @Test
    void everySettingIsRead() {
        NodeConfig c = ConfigLoader.parse("""
                node-id: 2
                cluster-id: prod-eu.1
                data-dir: /var/lib/tempokv
                listen: 0.0.0.0
                shards: 4
                f: 1
                buckets: 64
                tick-ms: 5
                fsync: false
                limits: {key-bytes: 100, value-bytes: 1000, pending-commands: 7, frame-bytes: 2000}
                """ + THREE, "tempokv.yaml");
        assertEquals(2, c.nodeId());
        assertEquals("prod-eu.1", c.clusterId());
        assertEquals(Path.of("/var/lib/tempokv"), c.dataDir());
        assertEquals("0.0.0.0", c.listen());
        assertEquals(new NodeConfig.Ports(7401, 7501, 7601), c.ports(), "taken from this node's entry");
        assertEquals(3, c.members().size());
        assertEquals(4, c.shards());
        assertEquals(1, c.f());
        assertEquals(64, c.buckets());
        assertEquals(5, c.tickMs());
        assertEquals(false, c.fsync());
        assertEquals(new NodeConfig.Limits(100, 1000, 7, 2000), c.limits());
    }

    @Test
    void theShippedExampleIsValid() throws IOException {
        String yaml;
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/tempokv-example.yaml")) {
            yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        NodeConfig c = ConfigLoader.parse(yaml, "tempokv-example.yaml");
        assertEquals(1, c.nodeId());
        assertEquals(List.of(1, 2, 3), c.memberIds());
        assertEquals(1, c.f());
        assertEquals(new NodeConfig.Ports(7400, 7500, 7600), c.ports());
    }

    @Test
    void fDefaultsToTheMostTheMembersAllow() {
        assertEquals(1, ConfigLoader.parse(THREE, "t").f());
        String five = THREE + """
                  - {id: 4, host: 10.0.0.4}
                  - {id: 5, host: 10.0.0.5}
                """;
        assertEquals(2, ConfigLoader.parse(five, "t").f());
    }

    @Test
    void memberPortsDefaultAndOwnEntryTakesPortsFromPorts() {
        NodeConfig c = ConfigLoader.parse("""
                ports: {peer: 9500}
                members:
                  - {id: 1, host: a.example}
                  - {id: 2, host: b.example}
                  - {id: 3, host: c.example, http: 9999}
                """, "t");
        assertEquals(new NodeConfig.Member(1, "a.example", 7400, 9500, 7600), c.self());
        assertEquals(new NodeConfig.Ports(7400, 9500, 7600), c.ports());
        assertEquals(new NodeConfig.Member(2, "b.example", 7400, 7500, 7600), c.member(2).orElseThrow());
        assertEquals(9999, c.member(3).orElseThrow().http());
    }

    @Test
    void withoutMembersAWildcardListenIsReachedOnLoopback() {
        NodeConfig c = ConfigLoader.parse("listen: 0.0.0.0\nnode-id: 7\nports: {client: 1234}\n", "t");
        assertEquals(List.of(new NodeConfig.Member(7, "127.0.0.1", 1234, 7500, 7600)), c.members());
        NodeConfig named = ConfigLoader.parse("listen: 10.1.2.3\n", "t");
        assertEquals("10.1.2.3", named.self().host());
    }

    @Test
    void unknownSettingSuggestsTheNearestName() {
        assertEquals("tempokv.yaml: unknown setting 'shard'; did you mean 'shards'?", only("shard: 2\n"));
        assertEquals("tempokv.yaml: unknown setting 'node_id'; did you mean 'node-id'?", only("node_id: 1\n"));
        assertEquals("tempokv.yaml: limits: unknown setting 'key-byte'; did you mean 'key-bytes'?",
                only("limits: {key-byte: 5}\n"));
        assertEquals("tempokv.yaml: members[0]: unknown setting 'clent'; did you mean 'client'?",
                only("members: [{id: 1, host: h, clent: 1}]\n"));
    }

    @Test
    void unknownSettingFarFromEveryNameListsTheKnownOnes() {
        assertEquals("tempokv.yaml: ports: unknown setting 'grpc'; the settings here are client, peer, http",
                only("ports: {grpc: 1}\n"));
    }

    @Test
    void duplicateMemberIdIsNamedWithItsIndex() {
        assertEquals("tempokv.yaml: members[1].id: 1 appears twice (also members[0]); "
                + "give every member a distinct id >= 1", only("""
                members:
                  - {id: 1, host: a}
                  - {id: 1, host: b}
                  - {id: 3, host: c}
                """));
    }

    @Test
    void fNeedsTwoFPlusOneMembers() {
        assertEquals("tempokv.yaml: f: 2 needs at least 5 members (2f+1), found 3; lower f or add members",
                only("f: 2\n" + THREE));
        assertEquals("tempokv.yaml: f: 1 needs at least 3 members (2f+1), found 1; lower f or add members",
                only("f: 1\n"));
        assertEquals("tempokv.yaml: f: 0 with 3 members: a replicated shard tolerates at least one failure; "
                + "set f between 1 and 1 or leave f out", only("f: 0\n" + THREE));
        assertEquals("tempokv.yaml: f: -1 is negative; give the failures each shard tolerates, 0 or more",
                only("f: -1\n"));
    }

    @Test
    void twoMembersCannotFormAShard() {
        String p = only("members: [{id: 1, host: a}, {id: 2, host: b}]\n");
        assertEquals("tempokv.yaml: members: 2 members cannot replicate a shard (more than one member needs "
                + "f >= 1, so 2f+1 >= 3 members); use 1 member, or 3 or more", p);
    }

    @Test
    void wrongTypesSayWhatWasExpected() {
        assertEquals("tempokv.yaml: ports.client: expected a whole number, found text 'x'", only("ports: {client: x}\n"));
        assertEquals("tempokv.yaml: shards: expected a whole number, found text '4'; write it without quotes",
                only("shards: '4'\n"));
        assertEquals("tempokv.yaml: tick-ms: expected a whole number, found the number 1.5", only("tick-ms: 1.5\n"));
        assertEquals("tempokv.yaml: fsync: expected true or false, found text 'yes'", only("fsync: yes\n"));
        assertEquals("tempokv.yaml: data-dir: expected text, found the number 5; quote it if it is meant as text",
                only("data-dir: 5\n"));
        assertEquals("tempokv.yaml: limits: expected a mapping of settings (key: value), found the number 3",
                only("limits: 3\n"));
        assertEquals("tempokv.yaml: members: expected a list of members (- {id: 1, host: ..., client: ..., "
                + "peer: ..., http: ...}), found a mapping", only("members: {id: 1}\n"));
        assertEquals("tempokv.yaml: buckets: 9999999999 is out of range; give a whole number up to 2147483647",
                only("buckets: 9999999999\n"));
        assertEquals("tempokv.yaml: shards: has no value; give one or remove the line to use the default",
                only("shards:\n"));
    }

    @Test
    void rangesAreChecked() {
        assertEquals("tempokv.yaml: members[2].peer: 70000 is not a port; use a number from 1 to 65535",
                only(THREE.replace("peer: 7502", "peer: 70000")));
        assertEquals("tempokv.yaml: ports.http: 0 is not a port; use a number from 1 to 65535",
                only("ports: {http: 0}\n"));
        assertEquals("tempokv.yaml: shards: 0 is too small; give the number of independent Tempo groups, at least 1",
                only("shards: 0\n"));
        assertEquals(List.of(
                "tempokv.yaml: node-id: 0 is too small; give this node's id in members, at least 1",
                "tempokv.yaml: buckets: 0 is too small; give clock buckets per shard, at least 1",
                "tempokv.yaml: tick-ms: 0 is too small; give one core tick in milliseconds, at least 1",
                "tempokv.yaml: limits.pending-commands: -5 is too small; "
                        + "give commands a shard holds before refusing, at least 1"),
                problems("node-id: 0\nbuckets: 0\ntick-ms: 0\nlimits: {pending-commands: -5}\n"));
    }

    @Test
    void frameMustCarryTheLargestPut() {
        assertEquals("tempokv.yaml: limits.frame-bytes: 1000 cannot carry a key of limits.key-bytes 1024 and a value "
                        + "of limits.value-bytes 1048576; raise frame-bytes above their sum or lower value-bytes",
                only("limits: {frame-bytes: 1000}\n"));
    }

    @Test
    void nodeMustBeAMember() {
        assertEquals("tempokv.yaml: node-id: 4 is not one of the members' ids [1, 2, 3]; set node-id to this node's "
                + "entry or add an entry for it to members", only("node-id: 4\n" + THREE));
    }

    @Test
    void membersNeedIdAndHost() {
        assertEquals(List.of(
                        "tempokv.yaml: members[1].id: missing; give every member a distinct id >= 1",
                        "tempokv.yaml: members[2].host: missing; give the host name or IP address other nodes "
                                + "and clients reach it at"),
                problems("members: [{id: 1, host: a}, {host: b}, {id: 3}]\n"));
    }

    @Test
    void twoListenersOnOneAddressAreRefused() {
        assertEquals("tempokv.yaml: members[1].client: 127.0.0.1:7500 is already used by members[0].peer; "
                + "give every member its own host:port for each of client, peer and http",
                only(THREE.replace("client: 7401", "client: 7500")));
        // Same ports on different hosts are fine: that is the normal multi-host layout.
        ConfigLoader.parse("members: [{id: 1, host: a}, {id: 2, host: b}, {id: 3, host: c}]\n", "t");
    }

    @Test
    void portsMustAgreeWithTheNodesOwnEntry() {
        assertEquals("tempokv.yaml: ports.peer: 7501 differs from this node's own entry members[0].peer = 7500; "
                + "make them equal or give the port in one place only", only("ports: {peer: 7501}\n" + THREE));
    }

    @Test
    void hostsAndIdsAreChecked() {
        assertEquals("tempokv.yaml: listen: '127.0.0.1:7400' looks like host:port; give the host alone and the port "
                + "as client, peer or http", only("listen: 127.0.0.1:7400\n"));
        assertEquals("tempokv.yaml: members[0].host: 'a b' is not a host name or IP address; give one such as "
                + "127.0.0.1 or node1.example.com", only("members: [{id: 1, host: a b}]\n"));
        assertEquals("tempokv.yaml: cluster-id: 'my cluster' is not a usable cluster id; use 1 to 64 letters, "
                + "digits, '.', '_' or '-'", only("cluster-id: my cluster\n"));
        assertEquals("tempokv.yaml: data-dir: is empty; give a directory such as ./data or /var/lib/tempokv",
                only("data-dir: ''\n"));
        assertEquals("::1", ConfigLoader.parse("listen: '::1'\n", "t").listen(), "IPv6 literals are hosts");
    }

    @Test
    void everyProblemIsReportedTogether() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse("""
                shard: 2
                f: 2
                fsync: maybe
                members:
                  - {id: 1, host: a}
                  - {id: 1, host: b}
                  - {id: 3, host: c, peer: 0}
                """, "tempokv.yaml"));
        assertEquals(List.of(
                "tempokv.yaml: unknown setting 'shard'; did you mean 'shards'?",
                "tempokv.yaml: fsync: expected true or false, found text 'maybe'",
                "tempokv.yaml: members[1].id: 1 appears twice (also members[0]); give every member a distinct id >= 1",
                "tempokv.yaml: members[2].peer: 0 is not a port; use a number from 1 to 65535",
                "tempokv.yaml: f: 2 needs at least 5 members (2f+1), found 3; lower f or add members"),
                e.problems());
        assertEquals(String.join("\n", e.problems()), e.getMessage());
        assertEquals("tempokv.yaml", e.source());
    }

    @Test
    void anUnreadableValueDoesNotCascade() {
        // The bad id hides this member from the node-id and f checks, which would otherwise misfire.
        assertEquals("tempokv.yaml: members[0].id: expected a whole number, found text 'one'",
                only(THREE.replace("id: 1", "id: one")));
        assertEquals("tempokv.yaml: members: expected a list of members (- {id: 1, host: ..., client: ..., "
                + "peer: ..., http: ...}), found text 'all'", only("f: 1\nmembers: all\n"));
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        String p = only("node-id: 1\nports: {client: 7400\nshards: 2\n");
        assertTrue(p.startsWith("tempokv.yaml: line "), p);
        assertTrue(p.contains("not valid YAML"), p);
        assertEquals("tempokv.yaml: line 2, column 1: found duplicate key shards; a setting may appear only once, "
                + "keep one of them", only("shards: 1\nshards: 2\n"));
        assertEquals("tempokv.yaml: unknown setting 'x'; the settings here are node-id, cluster-id, data-dir, listen, "
                + "ports, members, shards, f, buckets, tick-ms, fsync, limits", only("x: 1\n"));
        assertEquals("tempokv.yaml: the top level must be a mapping of settings (key: value), found a list",
                only("- 1\n- 2\n"));
    }

    @Test
    void loadNamesTheFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("node.yaml");
        Files.writeString(file, "node-id: 3\n" + THREE);
        assertEquals(3, ConfigLoader.load(file).nodeId());
        Files.writeString(file, "shard: 1\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
        assertEquals(file + ": unknown setting 'shard'; did you mean 'shards'?", e.getMessage());
        Path missing = dir.resolve("missing.yaml");
        String m = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing)).getMessage();
        assertTrue(m.startsWith(missing + ": cannot read the config file (NoSuchFileException"), m);
    }
}
