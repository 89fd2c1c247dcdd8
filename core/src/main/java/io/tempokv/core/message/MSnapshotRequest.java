package io.tempokv.core.message;

/**
 * Sent by a replica that found itself behind a peer's collection horizon (the peer collected
 * commands this replica has not executed): it asks that peer for a snapshot of its executed state
 * (docs/protocol.md, D8). {@code executed} is the requester's own executed ids per origin, so the
 * donor answers only when its state contains the requester's.
 */
public record MSnapshotRequest(java.util.List<MExecuted.OriginExecuted> executed) implements Message {
    public MSnapshotRequest {
        executed = java.util.List.copyOf(executed);
    }
}
