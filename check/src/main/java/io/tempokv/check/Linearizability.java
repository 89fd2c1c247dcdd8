package io.tempokv.check;

import java.util.List;

/**
 * Linearizability checking of a single-object history against a {@link Model}, with the
 * semantics of Knossos:
 * <ul>
 *   <li>each :invoke pairs with the next completion of the same process;</li>
 *   <li>an :ok op takes effect at one instant between its invocation and completion, and the
 *       model sees the completion's value (the invocation's if the completion has none);</li>
 *   <li>a :fail op never happened and is dropped with its invocation;</li>
 *   <li>an :info op, or an invocation never completed, took effect at some instant after its
 *       invocation, or never; if the model calls it read-only it is dropped;</li>
 *   <li>ops with {@code :process :nemesis} are ignored.</li>
 * </ul>
 *
 * <p>A {@link SetModel} history whose reads all begin after every add was invoked and every
 * :ok add answered (Jepsen's set workloads: adds, then final reads) is decided directly by
 * {@link SetFinalReads}, exactly and in linear time.
 *
 * <p>The search (see {@link WglSearch}) first runs with ops of unknown outcome reusable, a
 * relaxation that is much cheaper when there are many of them; its INVALID is final, as is a
 * VALID whose linearization uses each such op at most once. Otherwise the exact search runs.
 * Because of this, the path in an INVALID explanation may show an op of unknown outcome
 * taking effect more than once; the op reported as impossible is impossible either way.
 */
public final class Linearizability {

    private Linearizability() {
    }

    /** Checks with {@link Budget#defaults()}. */
    public static CheckResult check(Model model, List<Op> history) {
        return check(model, history, Budget.defaults());
    }

    /**
     * Searches for a linearization of {@code history}.
     *
     * @throws IllegalArgumentException if the history is malformed (a process invoking while
     *         busy, a completion with no invocation) or the model rejects an op
     */
    public static CheckResult check(Model model, List<Op> history, Budget budget) {
        long start = System.nanoTime();
        List<Op> client = Calls.clientOps(history);
        List<Call> calls = Calls.pair(model, client);
        // A read-only op whose outcome is unknown constrains nothing and changes nothing.
        calls.removeIf(c -> !c.determinate && c.readOnly);
        if (model instanceof SetModel set) {
            // Adds, then final reads: decided without a search (which would not fit in memory
            // on thousands of adds of unknown outcome).
            CheckResult finalReads = SetFinalReads.check(set, calls, start);
            if (finalReads != null) {
                return finalReads;
            }
        }

        WglSearch relaxed = new WglSearch(model, calls, client.size(), true, budget, start);
        Verdict v = relaxed.search();
        if (v == Verdict.INVALID || v == Verdict.UNKNOWN
                || (v == Verdict.VALID && !relaxed.pathReusesIndeterminate())) {
            return result(model, v, relaxed, relaxed.explored(), start);
        }
        WglSearch exact = new WglSearch(model, calls, client.size(), false, budget, start);
        v = exact.search();
        return result(model, v, exact, relaxed.explored() + exact.explored(), start);
    }

    private static CheckResult result(Model model, Verdict v, WglSearch s, long explored, long start) {
        long millis = (System.nanoTime() - start) / 1_000_000;
        CheckResult.Stats stats = new CheckResult.Stats(s.okCount(), s.infoCount(), explored, millis);
        switch (v) {
            case VALID:
                return CheckResult.valid(model.name(), stats);
            case INVALID:
                return CheckResult.invalid(model.name(), s.failure(), stats);
            default:
                return CheckResult.unknown(model.name(), s.budgetCause(), stats);
        }
    }
}
