package io.tempokv.core.message;

import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import java.util.List;

/** Coordinator to replicas outside the fast quorum (or answer to MCommitRequest): store the payload. */
public record MPayload(CommandId id, Command cmd, List<Integer> quorum, int coordinator) implements Message {
    public MPayload {
        quorum = List.copyOf(quorum);
    }
}
