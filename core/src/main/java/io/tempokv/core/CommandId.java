package io.tempokv.core;

/**
 * Unique id of a command: the process that created it and that process's sequence number.
 * Ordered by origin, then sequence; every replica uses this order to break timestamp ties.
 */
public record CommandId(int origin, long seq) implements Comparable<CommandId> {
    public CommandId {
        if (origin <= 0 || seq <= 0) {
            throw new IllegalArgumentException("command id needs origin > 0 and seq > 0, got " + origin + "." + seq);
        }
    }

    @Override
    public int compareTo(CommandId o) {
        int c = Integer.compare(origin, o.origin);
        return c != 0 ? c : Long.compare(seq, o.seq);
    }

    @Override
    public String toString() {
        return origin + "." + seq;
    }
}
