package io.tempokv.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import us.bpsm.edn.Keyword;

/**
 * Per-key results of an {@link IndependentChecker} run. The verdict is INVALID if any key is
 * invalid, else UNKNOWN if any key is unknown, else VALID.
 *
 * <p>{@link #toEdn()} follows Jepsen's independent checker:
 * {@code {:valid? false, :model :cas-register, :key-count 3, :failures [k ...],
 * :unknown [k ...], :results {k {...per-key map as CheckResult...}, ...}}}.
 */
public final class IndependentResult implements Report {

    private final String model;
    private final Map<Object, CheckResult> results;

    IndependentResult(String model, Map<Object, CheckResult> results) {
        this.model = model;
        this.results = Collections.unmodifiableMap(new LinkedHashMap<>(results));
    }

    @Override
    public Verdict verdict() {
        if (!failures().isEmpty()) {
            return Verdict.INVALID;
        }
        return keysWith(Verdict.UNKNOWN).isEmpty() ? Verdict.VALID : Verdict.UNKNOWN;
    }

    /** Result per key, in order of the key's first appearance in the history. */
    public Map<Object, CheckResult> results() {
        return results;
    }

    /** Keys whose history is not linearizable. */
    public List<Object> failures() {
        return keysWith(Verdict.INVALID);
    }

    /** Keys the budget did not allow to decide. */
    public List<Object> unknownKeys() {
        return keysWith(Verdict.UNKNOWN);
    }

    private List<Object> keysWith(Verdict v) {
        List<Object> keys = new ArrayList<>();
        results.forEach((k, r) -> {
            if (r.verdict() == v) {
                keys.add(k);
            }
        });
        return keys;
    }

    @Override
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(verdict()).append(" (").append(model).append(", ").append(results.size())
           .append(" independent keys)");
        if (!failures().isEmpty()) {
            out.append("\nnot linearizable: key ").append(keyList(failures()));
        }
        if (!unknownKeys().isEmpty()) {
            out.append("\nundecided: key ").append(keyList(unknownKeys()));
        }
        out.append('\n');
        results.forEach((k, r) -> {
            if (r.verdict() != Verdict.VALID) {
                out.append("\n--- key ").append(EdnText.print(k)).append(" ---\n").append(r.render());
            }
        });
        return out.toString();
    }

    private static String keyList(List<Object> keys) {
        StringBuilder s = new StringBuilder();
        for (Object k : keys) {
            s.append(s.length() == 0 ? "" : ", ").append(EdnText.print(k));
        }
        return s.toString();
    }

    @Override
    public String toEdn() {
        Map<Keyword, Object> m = new LinkedHashMap<>();
        m.put(CheckResult.kw("valid?"), CheckResult.ednValid(verdict()));
        m.put(CheckResult.kw("model"), CheckResult.kw(model));
        m.put(CheckResult.kw("key-count"), (long) results.size());
        m.put(CheckResult.kw("failures"), failures());
        m.put(CheckResult.kw("unknown"), unknownKeys());
        Map<Object, Object> perKey = new LinkedHashMap<>();
        results.forEach((k, r) -> perKey.put(k, r.ednMap()));
        m.put(CheckResult.kw("results"), perKey);
        return EdnText.print(m);
    }
}
