package io.tempokv.core;

import java.util.List;
import java.util.Objects;

/**
 * A command as replicated: its id, the client request it serves, its operations and the shards its
 * keys live in (sorted). A replica of shard s handles the operations whose keys map to s.
 * {@code sessionless} (D16): set by the coordinator on a command of reads only, which every replica
 * then applies without client sessions.
 */
public record Command(CommandId id, ClientRequestId request, List<Op> ops, List<Integer> shards, boolean sessionless) {
    /** A command that keeps client sessions (D3, D12). */
    public Command(CommandId id, ClientRequestId request, List<Op> ops, List<Integer> shards) {
        this(id, request, ops, shards, false);
    }

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
        if (sessionless && !readOnly(ops)) {
            throw new IllegalArgumentException("command " + id + " is marked sessionless but writes: only a command of reads may be (D16)");
        }
    }

    /** Whether none of the operations writes. */
    public static boolean readOnly(List<Op> ops) {
        for (Op op : ops) {
            if (op.writes()) {
                return false;
            }
        }
        return true;
    }

    public boolean singleShard() {
        return shards.size() == 1;
    }
}
