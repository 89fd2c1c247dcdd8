package io.tempokv.core.message;

import io.tempokv.core.Ballot;
import io.tempokv.core.CommandId;
import io.tempokv.core.Phase;

/**
 * Answer to MRec: the accepted value when abal is not zero, otherwise the replica's own proposal;
 * its phase after handling MRec (RECOVER_R or RECOVER_P) and the ballot answered.
 */
public record MRecAck(CommandId id, long ts, Phase phase, Ballot abal, Ballot ballot) implements Message {
}
