package io.tempokv.core.message;

import io.tempokv.core.CommandId;

/** A fast-quorum member's proposal, back to the coordinator. */
public record MProposeAck(CommandId id, long ts) implements Message {
}
