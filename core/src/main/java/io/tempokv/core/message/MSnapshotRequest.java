package io.tempokv.core.message;

/**
 * Sent by a replica that found itself behind a peer's collection horizon (the peer collected
 * commands this replica has not executed): it asks that peer for a snapshot of its executed state
 * (docs/protocol.md, D8). With {@code id} 0 it asks for a new snapshot, and {@code executed} is the
 * requester's own executed ids per origin, so the donor answers only when its state contains the
 * requester's. Otherwise it asks for part {@code part} (1, 2, ...) of the donor's snapshot {@code id}
 * (D8b), and {@code executed} is empty.
 */
public record MSnapshotRequest(java.util.List<MExecuted.OriginExecuted> executed, long id, int part) implements Message {
    public MSnapshotRequest {
        executed = java.util.List.copyOf(executed);
    }

    /** A request for a new snapshot. */
    public MSnapshotRequest(java.util.List<MExecuted.OriginExecuted> executed) {
        this(executed, 0, 0);
    }
}
