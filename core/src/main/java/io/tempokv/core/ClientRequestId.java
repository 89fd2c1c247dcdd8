package io.tempokv.core;

/**
 * Identifies a client request across retries (fantoch calls it a Rifl). A client sends one request
 * at a time per client id with increasing sequence numbers; a retry reuses the same id, and the
 * state machine applies each id at most once.
 */
public record ClientRequestId(long client, long seq) {
    public ClientRequestId {
        if (client <= 0 || seq <= 0) {
            throw new IllegalArgumentException("client request id needs client > 0 and seq > 0, got " + client + ":" + seq);
        }
    }

    @Override
    public String toString() {
        return client + ":" + seq;
    }
}
