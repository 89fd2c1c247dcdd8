package io.tempokv.core.message;

import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import java.util.List;

/** Coordinator to the other fast-quorum members: propose a timestamp of at least t0. */
public record MPropose(CommandId id, Command cmd, List<Integer> quorum, int coordinator, long t0) implements Message {
    public MPropose {
        quorum = List.copyOf(quorum);
    }
}
