package io.tempokv.check;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Exact linearizability of a {@link SetModel} history in the shape Jepsen's set workloads
 * (and tempokv's) produce: adds first, then reads of the whole set, no add invoked or answered
 * after the first read was invoked. There the question needs no search:
 * <ul>
 *   <li>every :ok add took effect before every read, no :fail add ever did, and an add of unknown
 *       outcome may take effect at any point after its invocation, so before or between reads;</li>
 *   <li>each :ok read must therefore hold every :ok-added element and only elements some add
 *       of :ok or unknown outcome may have added;</li>
 *   <li>and the set only grows, so the reads' values must form a chain under inclusion, with a
 *       read that began after another ended holding at least as much. Ordering the reads by size,
 *       then invocation, and placing each unknown add between the reads that first and last lack
 *       and hold its element, is then a linearization.</li>
 * </ul>
 * The general search keeps a set per configuration and explores the subsets of adds of
 * unknown outcome: on a history of thousands of adds it runs out of memory. This decides the
 * same question in time linear in the reads' total size (plus reads squared). Adds without any
 * :ok read are UNKNOWN: such a history is linearizable and proves nothing.
 */
final class SetFinalReads {

    /** At most this many ops of unknown outcome are listed in an explanation. */
    private static final int MAX_SHOWN = 20;

    private SetFinalReads() {
    }

    /**
     * The verdict for {@code calls} (paired by {@link Calls#pair}, read calls of unknown outcome
     * already dropped), or {@code null} if the history is not of the final-reads shape.
     */
    static CheckResult check(SetModel model, List<Call> calls, long startNanos) {
        List<Call> reads = new ArrayList<>();
        List<Call> adds = new ArrayList<>();
        for (Call c : calls) {
            (c.effective.f().equals("read") ? reads : adds).add(c);
        }
        int firstRead = reads.stream().mapToInt(c -> c.callPos).min().orElse(Integer.MAX_VALUE);
        for (Call a : adds) {
            if (a.callPos > firstRead || (a.determinate && a.retPos > firstRead)) {
                return null;
            }
        }
        Set<Object> required = new HashSet<>();
        Set<Object> allowed = new HashSet<>();
        List<Op> unknown = new ArrayList<>();
        for (Call a : adds) {
            allowed.add(a.effective.value());
            if (a.determinate) {
                required.add(a.effective.value());
            } else {
                unknown.add(a.shown());
            }
        }
        int okCalls = (int) calls.stream().filter(c -> c.determinate).count();
        int infoCalls = calls.size() - okCalls;
        CheckResult.Stats stats = new CheckResult.Stats(okCalls, infoCalls, 0,
                (System.nanoTime() - startNanos) / 1_000_000);
        int okAdds = okCalls - reads.size();
        if (reads.isEmpty() && !adds.isEmpty()) {
            // Linearizable, trivially, but it shows nothing: no read says which adds took effect,
            // or that the cluster answered at all after its faults (issue 15). Jepsen's set checker
            // answers unknown here too.
            return CheckResult.unknown(model.name(), "no read of the set completed (:ok) after the " + adds.size()
                    + " adds: nothing shows which of them took effect, or that the cluster served reads again."
                    + " End the run with final reads after the last heal and a recovery period", stats);
        }

        List<Set<Object>> values = new ArrayList<>();
        for (Call r : reads) {
            Set<Object> v = new HashSet<>((Collection<?>) r.effective.value());
            values.add(v);
            Set<Object> missing = minus(required, v);
            Set<Object> unexpected = minus(v, allowed);
            if (!missing.isEmpty() || !unexpected.isEmpty()) {
                String why = "read " + EdnText.print(r.effective.value()) + " but every :ok add ("
                        + required.size() + " elements) precedes it: missing " + EdnText.print(missing)
                        + ", unexpected (never added, or the add failed) " + EdnText.print(unexpected);
                return invalid(model, r, okAdds, okCalls, null, unknown, required, why, stats);
            }
        }
        // The reads as the set only grows: by size, then by invocation.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < reads.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer>comparingInt(i -> values.get(i).size()).thenComparingInt(i -> reads.get(i).callPos));
        for (int k = 1; k < order.size(); k++) {
            int before = order.get(k - 1);
            int after = order.get(k);
            if (!values.get(after).containsAll(values.get(before))) {
                Call r = reads.get(after);
                String why = "read " + EdnText.print(r.effective.value()) + " and the read completed as "
                        + reads.get(before).shown() + " each hold elements the other lacks: "
                        + EdnText.print(minus(values.get(before), values.get(after))) + " and "
                        + EdnText.print(minus(values.get(after), values.get(before)))
                        + ", but a set only grows";
                return invalid(model, r, okAdds, okCalls, reads.get(before).completion, unknown, values.get(before), why, stats);
            }
        }
        for (int i = 0; i < reads.size(); i++) {
            for (int j = 0; j < reads.size(); j++) {
                if (reads.get(i).retPos < reads.get(j).callPos && values.get(j).size() < values.get(i).size()) {
                    Call r = reads.get(j);
                    String why = "read " + EdnText.print(r.effective.value()) + " began after "
                            + reads.get(i).shown() + " had returned, yet lacks "
                            + EdnText.print(minus(values.get(i), values.get(j)))
                            + ": an element once read is never removed";
                    return invalid(model, r, okAdds, okCalls, reads.get(i).completion, unknown, values.get(i), why, stats);
                }
            }
        }
        return CheckResult.valid(model.name(), stats);
    }

    private static Set<Object> minus(Set<Object> a, Set<Object> b) {
        Set<Object> out = new LinkedHashSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static CheckResult invalid(SetModel model, Call read, int linearized, int okCalls, Op previousOk,
                                       List<Op> unknown, Set<Object> state, String why, CheckResult.Stats stats) {
        List<Op> shown = unknown.subList(Math.max(0, unknown.size() - MAX_SHOWN), unknown.size());
        CheckResult.Failure f = new CheckResult.Failure(read.invoke, read.completion, linearized, okCalls,
                List.of(), previousOk, List.copyOf(shown), List.of(new CheckResult.FinalState(state, why)));
        return CheckResult.invalid(model.name(), f, stats);
    }
}
