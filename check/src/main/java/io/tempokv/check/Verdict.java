package io.tempokv.check;

/** Outcome of a check. */
public enum Verdict {
    /** A linearization exists. */
    VALID,
    /** No linearization exists. */
    INVALID,
    /** The search ran out of its {@link Budget} before deciding. */
    UNKNOWN
}
