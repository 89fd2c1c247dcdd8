package io.tempokv.core;

import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.DurableStore;
import java.util.ArrayList;
import java.util.List;

/**
 * The key-value state machine of one shard, applied in execution order. Data and client sessions
 * live in the durable store; writes happen in the step that executes the command.
 */
final class StateMachine {
    /**
     * Results of applying a command; whether it was a duplicate of an applied request; whether it
     * was stale (a newer request of its client was applied) or expired (its client has no session
     * in a bucket that dropped sessions at or above its sequence number, D12): both not applied.
     */
    record Applied(List<OpResult> results, boolean duplicate, boolean stale, boolean expired) {
        static final Applied STALE = new Applied(List.of(), true, true, false);
        static final Applied EXPIRED = new Applied(List.of(), true, false, true);

        /** Not applied now, and no results to give. */
        boolean refused() {
            return stale || expired;
        }
    }

    private final DurableStore store;
    private final int shard;
    private final int shards;
    private final int sessionsPerBucketMax;

    StateMachine(DurableStore store, int shard, int shards, int sessionsPerBucketMax) {
        this.store = store;
        this.shard = shard;
        this.shards = shards;
        this.sessionsPerBucketMax = sessionsPerBucketMax;
    }

    /**
     * Apply once per client request: a retry gets the results of the first application; a request
     * older than one already applied in its buckets is stale and not applied; a request that its
     * buckets can no longer tell apart from an applied one is expired and not applied. Decided from
     * the sessions and horizons of the command's buckets only, so every replica decides the same.
     * After applying, each bucket that holds more than sessionsPerBucketMax sessions drops the one
     * with the lowest sequence number and raises its horizon to it (D12). A sessionless command
     * (D16) is applied without any of this.
     */
    Applied applyOnce(Command c, int[] buckets) {
        if (c.sessionless()) {
            // D16: reads only; applying them again is harmless, so no session is looked up or kept.
            return new Applied(apply(c), false, false, false);
        }
        Applied known = lookup(c.request(), buckets);
        if (known != null) {
            return known;
        }
        List<OpResult> results = apply(c);
        ClientSession s = new ClientSession(c.request().seq(), results);
        for (int b : buckets) {
            store.putSession(b, c.request().client(), s);
            while (store.sessionCount(b) > sessionsPerBucketMax) {
                DurableStore.SessionRef lowest = store.lowestSession(b);
                store.deleteSession(b, lowest.client());
                if (Long.compareUnsigned(lowest.seq(), store.sessionHorizon(b)) > 0) {
                    store.putSessionHorizon(b, lowest.seq());
                }
            }
        }
        return new Applied(results, false, false, false);
    }

    /** Results of this request if it was applied already in these buckets, a stale or expired marker, or null. */
    Applied lookup(ClientRequestId r, int[] buckets) {
        boolean expired = false;
        for (int b : buckets) {
            ClientSession s = store.getSession(b, r.client());
            if (s != null && r.seq() == s.seq()) {
                return new Applied(s.results(), true, false, false);
            }
            if (s != null && Long.compareUnsigned(r.seq(), s.seq()) < 0) {
                return Applied.STALE;
            }
            if (s == null && Long.compareUnsigned(r.seq(), store.sessionHorizon(b)) <= 0) {
                expired = true;
            }
        }
        return expired ? Applied.EXPIRED : null;
    }

    private List<OpResult> apply(Command c) {
        List<OpResult> results = new ArrayList<>(c.ops().size());
        for (Op op : c.ops()) {
            if (Keys.shardOf(op.key(), shards) != shard) {
                continue;
            }
            results.add(applyOp(op));
        }
        return results;
    }

    /** Reads the stored value only for the kinds whose result depends on it (a put or delete does not). */
    private OpResult applyOp(Op op) {
        switch (op.kind()) {
            case GET:
                return new OpResult(true, store.getValue(op.key()));
            case PUT:
                store.putValue(op.key(), op.value());
                return OpResult.OK;
            case DELETE:
                store.deleteValue(op.key());
                return OpResult.OK;
            case CAS:
                String current = store.getValue(op.key());
                boolean matches = op.expected() == null ? current == null : op.expected().equals(current);
                if (matches) {
                    store.putValue(op.key(), op.value());
                }
                return new OpResult(matches, current);
            default:
                throw new IllegalStateException("unknown op kind " + op.kind());
        }
    }
}
