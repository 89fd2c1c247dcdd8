package io.tempokv.core;

import java.util.List;

/**
 * A reply to a client. {@link Status#OK}: executed exactly once, with results. {@link Status#REJECTED}:
 * definitely not executed (bad request, overload); the detail says why and what to do.
 * {@link Status#UNAVAILABLE}: definitely not executed because this replica does not take requests
 * now (it is catching up after a restart, docs/protocol.md D10); another replica can.
 * {@link Status#EXPIRED}: not executed now, but an earlier attempt of this request may have been:
 * its client's session was dropped (docs/protocol.md D12), so a retry can no longer be told apart
 * from a first attempt. Every replica answers a retry of it the same way.
 */
public record Reply(ClientRequestId request, Status status, List<OpResult> results, String detail) {
    public enum Status { OK, REJECTED, UNAVAILABLE, EXPIRED }

    public static Reply ok(ClientRequestId request, List<OpResult> results) {
        return new Reply(request, Status.OK, List.copyOf(results), null);
    }

    public static Reply rejected(ClientRequestId request, String detail) {
        return new Reply(request, Status.REJECTED, List.of(), detail);
    }

    public static Reply expired(ClientRequestId request) {
        return new Reply(request, Status.EXPIRED, List.of(), "session expired: request " + request
                + " was not applied now, and an earlier attempt of it may have been (its client's session was dropped"
                + " after newer clients wrote the same keys); treat its outcome as unknown and read the keys to find out");
    }

    public static Reply unavailable(ClientRequestId request, String detail) {
        return new Reply(request, Status.UNAVAILABLE, List.of(), detail);
    }
}
