package io.tempokv.core.store;

import io.tempokv.core.Ballot;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Phase;
import java.util.List;

/**
 * The durable part of a command's state at one replica: everything recovery depends on. Written
 * before any message that reveals it leaves the replica.
 */
public record CommandRecord(CommandId id, Command payload, List<Integer> quorum, int coordinator, Phase phase,
                            long proposal, Ballot bal, Ballot abal, long accepted, long ts) {
    public CommandRecord {
        quorum = List.copyOf(quorum);
    }
}
