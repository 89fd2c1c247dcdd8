package io.tempokv.client;

import java.time.Duration;

/**
 * Client settings. {@code attemptTimeout}: how long one endpoint gets before the request is resent
 * (same request id) to the next; {@code deadline}: after this the outcome is reported unknown;
 * {@code lanes}: requests in flight at once (each lane is its own client id with increasing
 * sequence numbers, so retries never apply twice and pipelined requests never look stale).
 */
public record ClientOptions(Duration connectTimeout, Duration attemptTimeout, Duration deadline, int lanes) {
    public ClientOptions {
        if (lanes < 1 || lanes > 65_536) {
            throw new IllegalArgumentException("lanes must be 1..65536, got " + lanes);
        }
        if (attemptTimeout.isNegative() || attemptTimeout.isZero() || deadline.compareTo(attemptTimeout) < 0) {
            throw new IllegalArgumentException("need 0 < attemptTimeout <= deadline, got " + attemptTimeout + " / " + deadline);
        }
    }

    public static ClientOptions defaults() {
        return new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), 256);
    }

    public ClientOptions withDeadline(Duration d) {
        return new ClientOptions(connectTimeout, attemptTimeout.compareTo(d) > 0 ? d : attemptTimeout, d, lanes);
    }
}
