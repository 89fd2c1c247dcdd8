package io.tempokv.core.message;

import io.tempokv.core.Ballot;
import io.tempokv.core.CommandId;

/** The receiver already joined a ballot at least as high as the sender's: back off and retry above it. */
public record MRecNAck(CommandId id, Ballot ballot) implements Message {
}
