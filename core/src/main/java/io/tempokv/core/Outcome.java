package io.tempokv.core;

/** What handling one message did. Rejections are counted and reported with a reason, never thrown. */
public enum Outcome {
    APPLIED,
    /** Already known or no longer relevant (duplicate, late ack, old phase). */
    REDUNDANT,
    /** The command was garbage-collected here; the message must not recreate it. */
    IGNORED_COLLECTED,
    /**
     * The sender collected commands this replica has not executed: its summary cannot be used here
     * until this replica catches up by a snapshot (docs/protocol.md, D8).
     */
    IGNORED_BEHIND,
    REJECTED_NON_MEMBER,
    REJECTED_MALFORMED,
    REJECTED_STALE_BALLOT,
    REJECTED_UNKNOWN_COMMAND;

    public boolean rejected() {
        return name().startsWith("REJECTED");
    }
}
