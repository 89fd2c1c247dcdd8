package io.tempokv.wire;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The first frame on every peer connection: who is calling, for which cluster, and with which
 * cluster-wide settings ({@code settings}: name=value pairs the receiver compares with its own;
 * empty from a build before the field). {@code incarnation} names the sender's data directory (a
 * random id drawn when it was created) and {@code known} the incarnation the sender recorded for
 * each member it accepted (docs/protocol.md D14); both empty from a build before them. The wire
 * version is not a field here: {@link Codec#decodeHello} only returns a Hello of
 * {@link Codec#WIRE_VERSION}.
 */
public record Hello(int nodeId, String clusterId, String settings, String incarnation, Map<Integer, String> known) {
    public Hello {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(incarnation, "incarnation");
        known = java.util.Collections.unmodifiableMap(new TreeMap<>(known));
    }

    /** A Hello as a build before incarnations sent it. */
    public Hello(int nodeId, String clusterId, String settings) {
        this(nodeId, clusterId, settings, "", Map.of());
    }
}
