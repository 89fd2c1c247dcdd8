package io.tempokv.core.message;

import io.tempokv.core.Ballot;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import java.util.List;

/** Recovery phase 1 at ballot; carries the payload so that every correct replica can answer. */
public record MRec(CommandId id, Ballot ballot, Command cmd, List<Integer> quorum, int coordinator) implements Message {
    public MRec {
        quorum = List.copyOf(quorum);
    }
}
