package io.tempokv.core;

import java.util.List;

/** What a client submits to a replica: its request id and the operations. */
public record Request(ClientRequestId id, List<Op> ops) {
    public Request {
        ops = List.copyOf(ops);
    }
}
