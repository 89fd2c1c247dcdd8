package io.tempokv.check;

/**
 * One client operation as the search sees it: an invocation paired with its outcome.
 * A determinate call completed :ok and must take effect between {@link #callPos} and
 * {@link #retPos}; an indeterminate one (:info, or never completed) may take effect any time
 * after {@link #callPos}, or not at all.
 */
final class Call {

    final Op invoke;
    /** The :ok or :info completion; null if the history ends before one. */
    final Op completion;
    /** The op handed to {@link Model#step}: what the model must accept. */
    final Op effective;
    final boolean determinate;
    final boolean readOnly;
    /** Position of the invocation in the client (non-nemesis) history. */
    final int callPos;
    /** Position of the :ok completion; -1 when indeterminate. */
    final int retPos;

    private Call(Op invoke, Op completion, Op effective, boolean determinate, boolean readOnly,
                 int callPos, int retPos) {
        this.invoke = invoke;
        this.completion = completion;
        this.effective = effective;
        this.determinate = determinate;
        this.readOnly = readOnly;
        this.callPos = callPos;
        this.retPos = retPos;
    }

    static Call ok(Model model, Op invoke, Op ok, int callPos, int retPos) {
        // Clients usually echo the invocation's value; when a completion carries none, the
        // invocation's value is what happened (e.g. a write acknowledged without its value).
        Object value = ok.value() != null ? ok.value() : invoke.value();
        Op effective = ok.withValue(value);
        model.validate(effective);
        return new Call(invoke, ok, effective, true, model.readOnly(effective), callPos, retPos);
    }

    static Call indeterminate(Model model, Op invoke, Op info, int callPos) {
        model.validate(invoke);
        return new Call(invoke, info, invoke, false, model.readOnly(invoke), callPos, -1);
    }

    /** The entry best describing the call in reports: its completion if it has one. */
    Op shown() {
        return completion != null ? completion : invoke;
    }
}
