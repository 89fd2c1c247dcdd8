package io.tempokv.core;

import java.util.List;

/**
 * A reply to a client. {@link Status#OK}: executed exactly once, with results. {@link Status#REJECTED}:
 * definitely not executed (bad request, overload); the detail says why and what to do.
 * {@link Status#UNAVAILABLE}: definitely not executed because this replica does not take requests
 * now (it is catching up after a restart, docs/protocol.md D10); another replica can.
 */
public record Reply(ClientRequestId request, Status status, List<OpResult> results, String detail) {
    public enum Status { OK, REJECTED, UNAVAILABLE }

    public static Reply ok(ClientRequestId request, List<OpResult> results) {
        return new Reply(request, Status.OK, List.copyOf(results), null);
    }

    public static Reply rejected(ClientRequestId request, String detail) {
        return new Reply(request, Status.REJECTED, List.of(), detail);
    }

    public static Reply unavailable(ClientRequestId request, String detail) {
        return new Reply(request, Status.UNAVAILABLE, List.of(), detail);
    }
}
