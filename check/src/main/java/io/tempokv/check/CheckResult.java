package io.tempokv.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import us.bpsm.edn.Keyword;

/**
 * The outcome of {@link Linearizability#check}.
 *
 * <p>{@link #toEdn()} produces a map in the spirit of Knossos's results:
 * <pre>
 * {:valid?           true | false | :unknown
 *  :model            :cas-register
 *  :ok-count         number of :ok ops checked
 *  :info-count       number of ops with unknown outcome that could change state
 *  :explored         search configurations memoised
 *  :elapsed-ms       wall time
 *  ;; only when :valid? is :unknown
 *  :cause            "search budget of ... exhausted"
 *  ;; only when :valid? is false
 *  :op               the :ok completion that no linearization can get past
 *  :invoke           its invocation
 *  :previous-ok      the last :ok completion before :op in the history, or nil
 *  :linearized-count :ok ops linearized on the deepest path the search found
 *  :last-linearized  [{:op op, :state model-state-after} ...], the tail of that path, oldest first
 *  :concurrent       [op ...], ops open at that point and not linearized on that path: up to
 *                    16 :ok ops, then up to 8 ops of unknown outcome, most recent first
 *  :final-states     [{:state s, :reason "why :op cannot follow s"} ...]}
 * </pre>
 */
public final class CheckResult implements Report {

    /** Counts describing the search. */
    public record Stats(int okOps, int infoOps, long explored, long elapsedMillis) {
    }

    /** One linearized op and the model state just after it. */
    public record PathStep(Op op, Object state) {
    }

    /** A model state reachable where the search got stuck, and why the stuck op fails there. */
    public record FinalState(Object state, String reason) {
    }

    /**
     * Where the deepest attempt got stuck: {@code invoke}/{@code completion} is the op that
     * could not be linearized; {@code linearized} of {@code okOps} :ok ops were placed before.
     */
    public record Failure(Op invoke, Op completion, int linearized, int okOps, List<PathStep> lastLinearized,
                          Op previousOk, List<Op> concurrent, List<FinalState> finalStates) {
    }

    private final Verdict verdict;
    private final String model;
    private final Failure failure;
    private final String cause;
    private final Stats stats;

    private CheckResult(Verdict verdict, String model, Failure failure, String cause, Stats stats) {
        this.verdict = verdict;
        this.model = model;
        this.failure = failure;
        this.cause = cause;
        this.stats = stats;
    }

    static CheckResult valid(String model, Stats stats) {
        return new CheckResult(Verdict.VALID, model, null, null, stats);
    }

    static CheckResult invalid(String model, Failure failure, Stats stats) {
        return new CheckResult(Verdict.INVALID, model, failure, null, stats);
    }

    static CheckResult unknown(String model, String cause, Stats stats) {
        return new CheckResult(Verdict.UNKNOWN, model, null, cause, stats);
    }

    @Override
    public Verdict verdict() {
        return verdict;
    }

    /** The model's name. */
    public String model() {
        return model;
    }

    /** The explanation of an INVALID result; null otherwise. */
    public Failure failure() {
        return failure;
    }

    /** Why an UNKNOWN result stopped; null otherwise. */
    public String cause() {
        return cause;
    }

    public Stats stats() {
        return stats;
    }

    @Override
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append(verdict).append(" (").append(model).append("): ").append(stats.okOps())
           .append(" :ok ops, ").append(stats.infoOps()).append(" with unknown outcome");
        if (verdict == Verdict.UNKNOWN) {
            out.append("\n").append(cause);
        }
        if (failure != null) {
            renderFailure(out, failure);
        }
        out.append("\nexplored ").append(stats.explored()).append(" configurations in ")
           .append(stats.elapsedMillis()).append(" ms\n");
        return out.toString();
    }

    private static void renderFailure(StringBuilder out, Failure f) {
        out.append("\nNo linearization gets past this op (linearized ").append(f.linearized())
           .append(" of ").append(f.okOps()).append(" :ok ops before it):")
           .append("\n  ").append(f.invoke()).append("\n  ").append(f.completion());
        out.append("\nPrevious :ok op in the history:\n  ").append(EdnText.print(f.previousOk()));
        out.append("\nLast ops of the longest linearization found, with the state after each:");
        for (PathStep s : f.lastLinearized()) {
            out.append("\n  ").append(s.op()).append("  => ").append(EdnText.print(s.state()));
        }
        out.append("\nOps open at that point and not linearized:");
        for (Op op : f.concurrent()) {
            out.append("\n  ").append(op);
        }
        out.append("\nStates the model could be in there, and why the op fails in each:");
        for (FinalState s : f.finalStates()) {
            out.append("\n  ").append(EdnText.print(s.state())).append(": ").append(s.reason());
        }
    }

    @Override
    public String toEdn() {
        return EdnText.print(ednMap());
    }

    Map<Keyword, Object> ednMap() {
        Map<Keyword, Object> m = new LinkedHashMap<>();
        m.put(kw("valid?"), ednValid(verdict));
        m.put(kw("model"), kw(model));
        m.put(kw("ok-count"), (long) stats.okOps());
        m.put(kw("info-count"), (long) stats.infoOps());
        m.put(kw("explored"), stats.explored());
        m.put(kw("elapsed-ms"), stats.elapsedMillis());
        if (cause != null) {
            m.put(kw("cause"), cause);
        }
        if (failure != null) {
            putFailure(m, failure);
        }
        return m;
    }

    private static void putFailure(Map<Keyword, Object> m, Failure f) {
        m.put(kw("op"), f.completion());
        m.put(kw("invoke"), f.invoke());
        m.put(kw("previous-ok"), f.previousOk());
        m.put(kw("linearized-count"), (long) f.linearized());
        List<Object> path = new ArrayList<>();
        for (PathStep s : f.lastLinearized()) {
            Map<Keyword, Object> step = new LinkedHashMap<>();
            step.put(kw("op"), s.op());
            step.put(kw("state"), s.state());
            path.add(step);
        }
        m.put(kw("last-linearized"), path);
        m.put(kw("concurrent"), new ArrayList<Object>(f.concurrent()));
        List<Object> finals = new ArrayList<>();
        for (FinalState s : f.finalStates()) {
            Map<Keyword, Object> fs = new LinkedHashMap<>();
            fs.put(kw("state"), s.state());
            fs.put(kw("reason"), s.reason());
            finals.add(fs);
        }
        m.put(kw("final-states"), finals);
    }

    static Object ednValid(Verdict v) {
        switch (v) {
            case VALID:
                return Boolean.TRUE;
            case INVALID:
                return Boolean.FALSE;
            default:
                return kw("unknown");
        }
    }

    static Keyword kw(String name) {
        return Keyword.newKeyword(name);
    }
}
