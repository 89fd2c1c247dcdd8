package io.tempokv.wire;

import java.util.Objects;

/**
 * The first frame on every peer connection: who is calling and for which cluster. The wire version
 * is not a field here: {@link Codec#decodeHello} only returns a Hello of {@link Codec#WIRE_VERSION}.
 */
public record Hello(int nodeId, String clusterId) {
    public Hello {
        Objects.requireNonNull(clusterId, "clusterId");
    }
}
