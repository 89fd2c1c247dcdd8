package io.tempokv.server.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A config on its way from YAML to {@link NodeConfig}: every value may be missing. A null value means
 * "not given" until {@link #resolve()} fills in defaults; after that it means "given but unusable,
 * already reported", and {@link ConfigRules} skips the checks that would need it, so one typo does
 * not cascade into a page of follow-on errors.
 */
final class Draft {
    /** Port kinds, in the order of the {@code ports} arrays below and of the YAML keys. */
    static final List<String> PORT_NAMES = List.of("client", "peer", "http");
    static final int[] DEFAULT_PORTS = {NodeConfig.DEFAULT_CLIENT_PORT, NodeConfig.DEFAULT_PEER_PORT,
            NodeConfig.DEFAULT_HTTP_PORT};

    /** One {@code members} entry. */
    static final class DraftMember {
        Integer id;
        String host;
        final Integer[] ports = new Integer[3];
    }

    Integer nodeId;
    String clusterId;
    Path dataDir;
    String listen;
    final Integer[] ports = new Integer[3];
    /** Null when not given (or unusable, see {@link #broken}). */
    List<DraftMember> members;
    /** True when members was not given and is this node alone, built from listen and ports. */
    boolean membersDerived;
    Integer shards;
    Integer f;
    Integer buckets;
    Integer tickMs;
    Boolean fsync;
    Integer keyBytesMax;
    Integer valueBytesMax;
    Integer pendingCommandsMax;
    Integer frameBytesMax;
    /**
     * Paths of values that were given but could not be read; they, and the values inside them, must not
     * be replaced by defaults.
     */
    final Set<String> broken = new HashSet<>();

    static Draft of(int nodeId, String clusterId, Path dataDir, String listen, NodeConfig.Ports ports,
                    List<NodeConfig.Member> members, int shards, int f, int buckets, int tickMs, boolean fsync,
                    NodeConfig.Limits limits) {
        Draft d = new Draft();
        d.nodeId = nodeId;
        d.clusterId = clusterId;
        d.dataDir = dataDir;
        d.listen = listen;
        setPorts(d.ports, ports.client(), ports.peer(), ports.http());
        d.members = new ArrayList<>();
        for (NodeConfig.Member m : members) {
            DraftMember dm = new DraftMember();
            dm.id = m.id();
            dm.host = m.host();
            setPorts(dm.ports, m.client(), m.peer(), m.http());
            d.members.add(dm);
        }
        d.shards = shards;
        d.f = f;
        d.buckets = buckets;
        d.tickMs = tickMs;
        d.fsync = fsync;
        d.keyBytesMax = limits.keyBytesMax();
        d.valueBytesMax = limits.valueBytesMax();
        d.pendingCommandsMax = limits.pendingCommandsMax();
        d.frameBytesMax = limits.frameBytesMax();
        return d;
    }

    private static void setPorts(Integer[] target, int client, int peer, int http) {
        target[0] = client;
        target[1] = peer;
        target[2] = http;
    }

    /**
     * Fills in defaults. This node's ports and its own members entry describe the same ports, so a
     * port given in one place only is copied to the other; given in both, they must agree (a rule).
     * Without {@code members} the cluster is this node alone, reachable at {@code listen} (or at
     * 127.0.0.1 when {@code listen} is a wildcard address).
     */
    void resolve() {
        nodeId = orDefault(nodeId, "node-id", 1);
        clusterId = orDefault(clusterId, "cluster-id", "tempokv");
        dataDir = orDefault(dataDir, "data-dir", Path.of("./data"));
        listen = orDefault(listen, "listen", "127.0.0.1");
        if (members == null && !isBroken("members")) {
            members = new ArrayList<>(List.of(singleMember()));
            membersDerived = true;
        }
        sharePortsWithOwnEntry();
        for (int k = 0; k < 3; k++) {
            ports[k] = orDefault(ports[k], "ports." + PORT_NAMES.get(k), DEFAULT_PORTS[k]);
        }
        for (int i = 0; members != null && i < members.size(); i++) {
            for (int k = 0; k < 3; k++) {
                Integer[] mp = members.get(i).ports;
                mp[k] = orDefault(mp[k], memberPath(i) + "." + PORT_NAMES.get(k), DEFAULT_PORTS[k]);
            }
        }
        shards = orDefault(shards, "shards", 2);
        // The most failures the members allow: 0 for one node, 1 for three, 2 for five.
        f = orDefault(f, "f", members == null ? null : (members.size() - 1) / 2);
        buckets = orDefault(buckets, "buckets", 1024);
        tickMs = orDefault(tickMs, "tick-ms", 1);
        fsync = orDefault(fsync, "fsync", true);
        NodeConfig.Limits l = NodeConfig.Limits.defaults();
        keyBytesMax = orDefault(keyBytesMax, "limits.key-bytes", l.keyBytesMax());
        valueBytesMax = orDefault(valueBytesMax, "limits.value-bytes", l.valueBytesMax());
        pendingCommandsMax = orDefault(pendingCommandsMax, "limits.pending-commands", l.pendingCommandsMax());
        frameBytesMax = orDefault(frameBytesMax, "limits.frame-bytes", l.frameBytesMax());
    }

    private DraftMember singleMember() {
        DraftMember m = new DraftMember();
        m.id = nodeId;
        boolean wildcard = listen == null || listen.equals("0.0.0.0") || listen.equals("::") || listen.equals("[::]");
        m.host = wildcard ? "127.0.0.1" : listen;
        return m;
    }

    private void sharePortsWithOwnEntry() {
        int own = ownEntry();
        if (own < 0) {
            return;
        }
        Integer[] mine = members.get(own).ports;
        for (int k = 0; k < 3; k++) {
            String name = PORT_NAMES.get(k);
            if (ports[k] == null && mine[k] != null && !isBroken("ports." + name)) {
                ports[k] = mine[k];
            } else if (mine[k] == null && ports[k] != null && !isBroken(memberPath(own) + "." + name)) {
                mine[k] = ports[k];
            }
        }
    }

    /** Index of this node's entry in members, or -1. */
    int ownEntry() {
        for (int i = 0; nodeId != null && members != null && i < members.size(); i++) {
            if (nodeId.equals(members.get(i).id)) {
                return i;
            }
        }
        return -1;
    }

    static String memberPath(int i) {
        return "members[" + i + "]";
    }

    private <T> T orDefault(T value, String path, T fallback) {
        return value != null || isBroken(path) ? value : fallback;
    }

    /** Whether the value at path, or anything that contains it (members[1] for members[1].peer), was unreadable. */
    boolean isBroken(String path) {
        String p = path;
        while (true) {
            if (broken.contains(p)) {
                return true;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            if (cut <= 0) {
                return false;
            }
            p = p.substring(0, cut);
        }
    }

    /** Only called once {@link ConfigRules} found nothing wrong, so every value is present. */
    NodeConfig toConfig() {
        List<NodeConfig.Member> ms = new ArrayList<>();
        for (DraftMember m : members) {
            ms.add(new NodeConfig.Member(m.id, m.host, m.ports[0], m.ports[1], m.ports[2]));
        }
        return new NodeConfig(nodeId, clusterId, dataDir, listen, new NodeConfig.Ports(ports[0], ports[1], ports[2]),
                ms, shards, f, buckets, tickMs, fsync,
                new NodeConfig.Limits(keyBytesMax, valueBytesMax, pendingCommandsMax, frameBytesMax));
    }
}
