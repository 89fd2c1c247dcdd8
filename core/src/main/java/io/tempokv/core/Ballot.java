package io.tempokv.core;

/**
 * A Paxos ballot for one command: (round, process), ordered lexicographically. Round 0 is the
 * coordinator's own slow-path ballot (no prepare phase needed); recovery uses rounds >= 1.
 * {@link #ZERO} means "no ballot"; process ids start at 1 so it never collides with a real one.
 */
public record Ballot(int round, int process) implements Comparable<Ballot> {
    public static final Ballot ZERO = new Ballot(0, 0);

    public Ballot {
        if (round < 0 || process < 0) {
            throw new IllegalArgumentException("ballot needs round >= 0 and process >= 0, got " + round + "/" + process);
        }
    }

    public boolean isZero() {
        return round == 0 && process == 0;
    }

    @Override
    public int compareTo(Ballot o) {
        int c = Integer.compare(round, o.round);
        return c != 0 ? c : Integer.compare(process, o.process);
    }

    public boolean greaterThan(Ballot o) {
        return compareTo(o) > 0;
    }

    @Override
    public String toString() {
        return round + "/" + process;
    }
}
