package io.tempokv.core;

import java.util.List;
import java.util.Objects;

/**
 * A command as replicated: its id, the client request it serves, its operations and the shards its
 * keys live in (sorted). A replica of shard s handles the operations whose keys map to s.
 */
public record Command(CommandId id, ClientRequestId request, List<Op> ops, List<Integer> shards) {
    public Command {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(request, "request");
        ops = List.copyOf(ops);
        shards = List.copyOf(shards);
        if (ops.isEmpty()) {
            throw new IllegalArgumentException("command " + id + " has no operations");
        }
        for (int i = 1; i < shards.size(); i++) {
            if (shards.get(i - 1) >= shards.get(i)) {
                throw new IllegalArgumentException("command " + id + " shards must be sorted and distinct: " + shards);
            }
        }
    }

    public boolean singleShard() {
        return shards.size() == 1;
    }
}
