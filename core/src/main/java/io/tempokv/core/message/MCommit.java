package io.tempokv.core.message;

import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import java.util.List;

/**
 * The decision: id commits with timestamp ts. Carries the payload (and its quorum and coordinator)
 * only when answering a request from a replica that lacks it; otherwise cmd is null and quorum empty.
 */
public record MCommit(CommandId id, long ts, Command cmd, List<Integer> quorum, int coordinator) implements Message {
    public MCommit {
        quorum = List.copyOf(quorum);
    }

    public static MCommit of(CommandId id, long ts) {
        return new MCommit(id, ts, null, List.of(), 0);
    }
}
