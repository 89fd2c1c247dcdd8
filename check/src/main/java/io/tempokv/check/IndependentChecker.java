package io.tempokv.check;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks a multi-key history of {@code [key value]} tuples (Jepsen's {@code independent}
 * workloads) one key at a time, as Jepsen's independent checker does: each key is its own
 * linearizable object.
 */
public final class IndependentChecker {

    private IndependentChecker() {
    }

    /**
     * Splits {@code history} by key with {@link Independent#split} and checks every key.
     * The budget's time limit covers all keys together; its state limit applies to each key.
     * Keys not reached before the time runs out are UNKNOWN.
     *
     * @throws IllegalArgumentException if an op is not a tuple or a sub-history is malformed
     */
    public static IndependentResult check(Model model, List<Op> history, Budget budget) {
        long start = System.nanoTime();
        Map<Object, List<Op>> byKey = Independent.split(history);
        Map<Object, CheckResult> results = new LinkedHashMap<>();
        for (Map.Entry<Object, List<Op>> e : byKey.entrySet()) {
            long usedMillis = (System.nanoTime() - start) / 1_000_000;
            long left = budget.maxMillis() - usedMillis;
            CheckResult r = left <= 0
                    ? CheckResult.unknown(model.name(), "time budget used up by earlier keys",
                                          new CheckResult.Stats(0, 0, 0, 0))
                    : Linearizability.check(model, e.getValue(), budget.withMaxMillis(left));
            results.put(e.getKey(), r);
        }
        return new IndependentResult(model.name(), results);
    }
}
