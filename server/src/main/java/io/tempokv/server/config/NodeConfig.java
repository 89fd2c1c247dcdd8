package io.tempokv.server.config;

import io.tempokv.core.ReplicaConfig;
import io.tempokv.wire.Frames;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a node needs to start: who it is, where it listens, the cluster's members, and how each
 * shard is replicated. Immutable and always valid: the constructor applies the same rules as
 * {@link ConfigLoader} (see there for the YAML format) and throws {@link IllegalArgumentException}
 * naming the settings that break them.
 *
 * <p>{@code members} keeps the order of the file, so problem paths like {@code members[1]} point at
 * the line the operator wrote; {@link #memberIds()} and {@link #peers()} are sorted by id.
 *
 * @param nodeId    this node, one of {@code members}
 * @param clusterId nodes refuse peers that carry another cluster id
 * @param dataDir   where the node keeps its data; relative paths are relative to the working directory
 * @param listen    the address the client, peer and HTTP ports bind to
 * @param ports     this node's ports (equal to its own entry in {@code members})
 * @param members   every node of the cluster, this one included
 * @param shards    independent Tempo groups, each replicated on every member
 * @param f         failures tolerated per shard; needs {@code 2f+1 <= members}
 * @param buckets   clock buckets per shard that keys hash into
 * @param tickMs    one core tick, in milliseconds
 * @param fsync     whether commits are fsynced before replies and outgoing messages
 * @param limits    sizes and queue bounds
 */
public record NodeConfig(int nodeId, String clusterId, Path dataDir, String listen, Ports ports,
                         List<Member> members, int shards, int f, int buckets, int tickMs, boolean fsync,
                         Limits limits) {

    public static final int DEFAULT_CLIENT_PORT = 7400;
    public static final int DEFAULT_PEER_PORT = 7500;
    public static final int DEFAULT_HTTP_PORT = 7600;

    /** One node's three ports. */
    public record Ports(int client, int peer, int http) {
        public static Ports defaults() {
            return new Ports(DEFAULT_CLIENT_PORT, DEFAULT_PEER_PORT, DEFAULT_HTTP_PORT);
        }
    }

    /** One node of the cluster as the others reach it. */
    public record Member(int id, String host, int client, int peer, int http) {
        public Member {
            Objects.requireNonNull(host, "host");
        }

        public Ports ports() {
            return new Ports(client, peer, http);
        }

        /** Unresolved, so building a config never does DNS; the transport resolves when it connects. */
        public InetSocketAddress clientAddress() {
            return InetSocketAddress.createUnresolved(host, client);
        }

        public InetSocketAddress peerAddress() {
            return InetSocketAddress.createUnresolved(host, peer);
        }

        public InetSocketAddress httpAddress() {
            return InetSocketAddress.createUnresolved(host, http);
        }
    }

    /** Bounds, each named with its unit last. */
    public record Limits(int keyBytesMax, int valueBytesMax, int pendingCommandsMax, int frameBytesMax) {
        public static Limits defaults() {
            return new Limits(1024, 1 << 20, 20_000, 16 << 20);
        }
    }

    public NodeConfig {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(ports, "ports");
        Objects.requireNonNull(limits, "limits");
        members = List.copyOf(members);
        List<Problem> problems = ConfigRules.check(Draft.of(nodeId, clusterId, dataDir, listen, ports, members,
                shards, f, buckets, tickMs, fsync, limits));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid node config: " + String.join("; ",
                    problems.stream().map(p -> p.render("NodeConfig")).toList()));
        }
    }

    /** A single-node cluster on 127.0.0.1, so a first run needs no file. */
    public static NodeConfig defaults() {
        return ConfigLoader.parse("", "defaults");
    }

    /** This node's own member entry. */
    public Member self() {
        return member(nodeId).orElseThrow();
    }

    public Optional<Member> member(int id) {
        return members.stream().filter(m -> m.id() == id).findFirst();
    }

    /** Every member but this one, by id. */
    public List<Member> peers() {
        return members.stream().filter(m -> m.id() != nodeId).sorted(Comparator.comparingInt(Member::id)).toList();
    }

    /** All member ids, sorted, as core wants them. */
    public List<Integer> memberIds() {
        return members.stream().map(Member::id).sorted().toList();
    }

    /**
     * The largest part of a snapshot a donor sends (D8b), unless the frame limit is smaller. A
     * receiver waits {@code snapshotRetryTicks} (1 s) for each part and abandons the transfer after
     * three tries; with parts of up to 12 MiB (three quarters of the frame limit) a loaded donor or
     * receiver took longer than that, so a returning node started transfer after transfer (seven
     * started for two installed, in a 5-node run; docs/results.md). A part of 1 MiB also holds up
     * the protocol messages behind it on the connection for a twelfth of the time.
     */
    public static final long SNAPSHOT_PART_BYTES = 1L << 20;

    /**
     * Core's config for one shard of this node: the same members, f and buckets on every shard. A
     * snapshot part travels in one peer frame, which peers read up to {@link Frames#MAX_FRAME_BYTES}
     * whatever limits.frame-bytes says (that setting bounds client frames), so its size estimate is
     * kept to {@link #SNAPSHOT_PART_BYTES}, or to three quarters of the smaller of the two frame
     * limits if that is less, leaving room for the encoding's overhead. A single value larger than
     * that still travels, alone in its part.
     */
    public ReplicaConfig replicaConfig(int shard) {
        if (shard < 0 || shard >= shards) {
            throw new IllegalArgumentException("shard " + shard + " is not in 0.." + (shards - 1));
        }
        ReplicaConfig.Limits d = ReplicaConfig.Limits.defaults();
        ReplicaConfig.Limits coreLimits = new ReplicaConfig.Limits(limits.pendingCommandsMax(),
                d.opsPerCommandMax(), limits.keyBytesMax(), limits.valueBytesMax(), d.bucketsPerPromiseMessageMax(),
                Math.min(SNAPSHOT_PART_BYTES, Math.min(limits.frameBytesMax(), Frames.MAX_FRAME_BYTES) * 3L / 4),
                d.sessionsPerBucketMax());
        return new ReplicaConfig(shard, shards, memberIds(), nodeId, f, buckets,
                ReplicaConfig.Timing.defaults(), coreLimits);
    }
}
