package io.tempokv.check;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks a Jepsen {@code history.edn} against a model and prints the verdict and explanation; the
 * {@code tempokv check} command is a thin command-line wrapper around it. Without an explicit key
 * mode, whether the history is per-key (independent tuples) is detected (see {@link #looksIndependent}).
 *
 * <p>Exit status: {@value #EXIT_VALID} valid, {@value #EXIT_INVALID} invalid,
 * {@value #EXIT_UNKNOWN} unknown (search budget exhausted), {@value #EXIT_BAD_INPUT} bad input:
 * unreadable or malformed file, unknown model, ops the model cannot interpret.
 */
public final class CheckMain {

    public static final int EXIT_VALID = 0;
    public static final int EXIT_INVALID = 1;
    public static final int EXIT_UNKNOWN = 2;
    public static final int EXIT_BAD_INPUT = 3;

    /** Whether the history is one object, a set of independent keys, or to be detected. */
    public enum KeyMode { AUTO, SINGLE, INDEPENDENT }

    private CheckMain() {
    }

    /**
     * Checks {@code file} with the default budget and prints the explanation to {@code out}.
     * {@code independent} forces per-key checking; {@code false} means detect it.
     *
     * @return {@value #EXIT_VALID} valid, {@value #EXIT_INVALID} invalid,
     *         {@value #EXIT_UNKNOWN} unknown, {@value #EXIT_BAD_INPUT} bad model name or input
     *         (the problem, e.g. a {@link HistoryFormatException} message, goes to {@code err})
     */
    public static int run(String modelName, Path file, boolean independent, PrintStream out, PrintStream err) {
        KeyMode mode = independent ? KeyMode.INDEPENDENT : KeyMode.AUTO;
        return run(modelName, file, mode, Budget.defaults(), false, out, err);
    }

    /** As {@link #run(String, Path, boolean, PrintStream, PrintStream)}, with every option. */
    public static int run(String modelName, Path file, KeyMode mode, Budget budget, boolean edn,
                          PrintStream out, PrintStream err) {
        try {
            Model model = Model.named(modelName);
            List<Op> history = HistoryIO.read(file);
            boolean perKey = mode == KeyMode.INDEPENDENT
                    || (mode == KeyMode.AUTO && looksIndependent(history));
            Report report = perKey ? IndependentChecker.check(model, history, budget)
                                   : Linearizability.check(model, history, budget);
            out.print(edn ? report.toEdn() + "\n" : report.render());
            out.flush();
            return exitStatus(report.verdict());
        } catch (IOException e) {
            err.println("check: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            err.println("check: " + file + ": " + e.getMessage());
        }
        return EXIT_BAD_INPUT;
    }

    static int exitStatus(Verdict v) {
        switch (v) {
            case VALID:
                return EXIT_VALID;
            case INVALID:
                return EXIT_INVALID;
            default:
                return EXIT_UNKNOWN;
        }
    }

    /**
     * The auto-detection rule: a history is independent iff it has at least one client
     * :invoke, every client :invoke's value is a two-element vector, and every :cas
     * invocation's value is {@code [k [expected new]]}. A single-register history fails the
     * rule through its reads (invoked with {@code nil}) or writes (scalar values); a history
     * where it guesses wrong needs {@code --single} or {@code --independent}.
     */
    public static boolean looksIndependent(List<Op> history) {
        boolean any = false;
        for (Op op : history) {
            if (op.isNemesis() || op.type() != Op.Type.INVOKE) {
                continue;
            }
            if (!Independent.isTuple(op.value())) {
                return false;
            }
            if (op.f().equals("cas") && !Independent.isTuple(((List<?>) op.value()).get(1))) {
                return false;
            }
            any = true;
        }
        return any;
    }
}
