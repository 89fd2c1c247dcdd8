package io.tempokv.core.message;

/**
 * Every peer message of the Tempo protocol within one shard. Names follow the paper (docs/protocol.md
 * maps each to its rule). Messages are immutable values; hosts encode them with the wire codec.
 */
public sealed interface Message permits MPropose, MPayload, MProposeAck, MCommit, MConsensus, MConsensusAck,
        MRec, MRecAck, MRecNAck, MCommitRequest, MPromises, MExecuted, MSnapshotRequest, MSnapshot {
}
