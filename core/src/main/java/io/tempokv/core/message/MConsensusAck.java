package io.tempokv.core.message;

import io.tempokv.core.Ballot;
import io.tempokv.core.CommandId;

/** An acceptor accepted the value proposed at ballot. */
public record MConsensusAck(CommandId id, Ballot ballot) implements Message {
}
