package io.tempokv.wire;

import java.util.Objects;

/**
 * The first frame on every peer connection: who is calling, for which cluster, and with which
 * cluster-wide settings ({@code settings}: name=value pairs the receiver compares with its own;
 * empty from a build before the field). The wire version is not a field here:
 * {@link Codec#decodeHello} only returns a Hello of {@link Codec#WIRE_VERSION}.
 */
public record Hello(int nodeId, String clusterId, String settings) {
    public Hello {
        Objects.requireNonNull(clusterId, "clusterId");
        Objects.requireNonNull(settings, "settings");
    }
}
