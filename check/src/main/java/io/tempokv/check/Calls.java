package io.tempokv.check;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pairs invocations with completions the way Knossos does. */
final class Calls {

    private record Pending(Op invoke, int pos) {
    }

    private Calls() {
    }

    /** The client ops of a history, nemesis entries removed, in their original order. */
    static List<Op> clientOps(List<Op> history) {
        List<Op> client = new ArrayList<>(history.size());
        for (Op op : history) {
            if (!op.isNemesis()) {
                client.add(op);
            }
        }
        return client;
    }

    /**
     * Pairs each :invoke in {@code client} with the next completion of the same process.
     * :fail pairs are dropped (the op never happened); :info pairs and invocations never
     * completed become indeterminate calls; an :info with no open invocation is ignored.
     * Returns the calls ordered by invocation.
     *
     * @throws IllegalArgumentException if a process invokes while busy, completes while idle,
     *         or completes with a different :f
     */
    static List<Call> pair(Model model, List<Op> client) {
        Map<Long, Pending> open = new HashMap<>();
        List<Call> calls = new ArrayList<>();
        for (int pos = 0; pos < client.size(); pos++) {
            Op op = client.get(pos);
            if (op.type() == Op.Type.INVOKE) {
                Pending busy = open.put(op.process(), new Pending(op, pos));
                if (busy != null) {
                    throw new IllegalArgumentException("op :index " + op.index() + ": process "
                            + op.process() + " invoked again while its op :index "
                            + busy.invoke().index() + " had not completed");
                }
                continue;
            }
            Pending p = open.remove(op.process());
            if (p == null) {
                if (op.type() == Op.Type.INFO) {
                    continue;
                }
                throw new IllegalArgumentException("op :index " + op.index() + ": :"
                        + op.type().keywordName() + " from process " + op.process()
                        + " with no open :invoke");
            }
            addCompleted(model, calls, p, op, pos);
        }
        for (Pending p : open.values()) {
            calls.add(Call.indeterminate(model, p.invoke(), null, p.pos()));
        }
        calls.sort(Comparator.comparingInt(c -> c.callPos));
        return calls;
    }

    private static void addCompleted(Model model, List<Call> calls, Pending p, Op done, int pos) {
        if (!done.f().equals(p.invoke().f())) {
            throw new IllegalArgumentException("op :index " + done.index() + " completes :f :"
                    + done.f() + " but process " + done.process() + " invoked :f :"
                    + p.invoke().f() + " at :index " + p.invoke().index());
        }
        switch (done.type()) {
            case OK:
                calls.add(Call.ok(model, p.invoke(), done, p.pos(), pos));
                break;
            case INFO:
                calls.add(Call.indeterminate(model, p.invoke(), done, p.pos()));
                break;
            default:
                // :fail: the op certainly did not happen, so it constrains nothing.
                break;
        }
    }
}
