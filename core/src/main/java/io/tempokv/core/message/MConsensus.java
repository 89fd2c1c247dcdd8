package io.tempokv.core.message;

import io.tempokv.core.Ballot;
import io.tempokv.core.CommandId;

/** Paxos phase 2: accept timestamp ts at ballot. */
public record MConsensus(CommandId id, long ts, Ballot ballot) implements Message {
}
