package io.tempokv.verify;

import io.tempokv.check.Op;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Client operations of a history paired with their completions (nemesis ops left out), for plots
 * and the timeline. Invocations that never completed (the run ended first) come last, with a null
 * completion.
 */
final class Calls {
    /** One call; completion is null when it never completed. */
    record Call(Op invoke, Op completion) {
    }

    private Calls() {
    }

    static List<Call> of(List<Op> history) {
        Map<Long, Op> open = new HashMap<>();
        List<Call> out = new ArrayList<>();
        for (Op op : history) {
            if (op.isNemesis()) {
                continue;
            }
            if (op.type() == Op.Type.INVOKE) {
                open.put(op.process(), op);
                continue;
            }
            Op inv = open.remove(op.process());
            if (inv != null) {
                out.add(new Call(inv, op));
            }
        }
        open.values().forEach(inv -> out.add(new Call(inv, null)));
        return out;
    }
}
