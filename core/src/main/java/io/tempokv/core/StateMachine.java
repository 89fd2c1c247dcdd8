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
    /** Results of applying a command, and whether it was a duplicate of an applied request. */
    record Applied(List<OpResult> results, boolean duplicate, boolean stale) {
    }

    private final DurableStore store;
    private final int shard;
    private final int shards;

    StateMachine(DurableStore store, int shard, int shards) {
        this.store = store;
        this.shard = shard;
        this.shards = shards;
    }

    /**
     * Apply once per client request: a retry gets the results of the first application; a request
     * older than one already applied in its buckets is stale and not applied. Decided from the
     * sessions of the command's buckets only, so every replica decides the same.
     */
    Applied applyOnce(Command c, int[] buckets) {
        Applied known = lookup(c.request(), buckets);
        if (known != null) {
            return known;
        }
        List<OpResult> results = apply(c);
        ClientSession s = new ClientSession(c.request().seq(), results);
        for (int b : buckets) {
            store.putSession(b, c.request().client(), s);
        }
        return new Applied(results, false, false);
    }

    /** Results of this request if it was applied already in these buckets, a stale marker, or null. */
    Applied lookup(ClientRequestId r, int[] buckets) {
        for (int b : buckets) {
            ClientSession s = store.getSession(b, r.client());
            if (s != null && r.seq() == s.seq()) {
                return new Applied(s.results(), true, false);
            }
            if (s != null && r.seq() < s.seq()) {
                return new Applied(List.of(), true, true);
            }
        }
        return null;
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

    private OpResult applyOp(Op op) {
        String current = store.getValue(op.key());
        switch (op.kind()) {
            case GET:
                return new OpResult(true, current);
            case PUT:
                store.putValue(op.key(), op.value());
                return OpResult.OK;
            case DELETE:
                store.deleteValue(op.key());
                return OpResult.OK;
            case CAS:
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
