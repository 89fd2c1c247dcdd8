package io.tempokv.check;

import java.util.function.Supplier;

/**
 * A sequential specification: an initial state and a transition function over immutable
 * states. States must implement {@code equals}/{@code hashCode} by value because the checker
 * memoises (linearized ops, state) pairs; {@code null} is a legal state.
 */
public interface Model {

    /** Short name used in reports, e.g. {@code "cas-register"}. */
    String name();

    /** The state before any op. */
    Object init();

    /**
     * Applies {@code op} to {@code state}. Returns the next state, or an {@link Inconsistent}
     * (see {@link #inconsistent(String)}) if the op cannot have happened in that state.
     *
     * <p>The checker passes the op as it should take effect: for an :ok op the completion
     * (type OK, completion value); for an op whose outcome is unknown the invocation (type
     * INVOKE, invocation value).
     *
     * <p>The result may depend only on the state and the op's type, {@code f} and
     * {@code value}: the checker treats ops agreeing on those as interchangeable.
     */
    Object step(Object state, Op op);

    /**
     * True if {@code op} never changes any state (it can only be consistent or not). The
     * checker drops such ops when their outcome is unknown and linearizes them eagerly when
     * they are consistent, so a wrong {@code true} gives wrong verdicts.
     */
    default boolean readOnly(Op op) {
        return false;
    }

    /**
     * Rejects ops the model cannot interpret (unknown :f, malformed value) before the search
     * starts, so bad input is reported as such rather than as a non-linearizable history.
     *
     * @throws IllegalArgumentException describing the op
     */
    default void validate(Op op) {
    }

    /**
     * The result of an op that cannot happen in the given state. The reason is computed only
     * when asked for: the search produces many of these and reads few.
     */
    final class Inconsistent {
        private final Supplier<String> why;

        private Inconsistent(Supplier<String> why) {
            this.why = why;
        }

        /** Why the op cannot happen, e.g. {@code read 3 but the register held 2}. */
        public String reason() {
            return why.get();
        }

        @Override
        public String toString() {
            return "inconsistent: " + reason();
        }
    }

    static Inconsistent inconsistent(String reason) {
        return new Inconsistent(() -> reason);
    }

    /** An inconsistency whose reason is built only if a report needs it. */
    static Inconsistent inconsistent(Supplier<String> reason) {
        return new Inconsistent(reason);
    }

    static boolean isInconsistent(Object stepResult) {
        return stepResult instanceof Inconsistent;
    }

    /**
     * The model called {@code name}: {@code "cas-register"} or {@code "set"}.
     *
     * @throws IllegalArgumentException for other names
     */
    static Model named(String name) {
        switch (name) {
            case "cas-register":
                return new CasRegister();
            case "set":
                return new SetModel();
            default:
                throw new IllegalArgumentException("unknown model '" + name
                        + "'; expected cas-register or set");
        }
    }
}
