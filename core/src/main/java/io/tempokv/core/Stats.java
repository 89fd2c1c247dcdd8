package io.tempokv.core;

import java.util.EnumMap;
import java.util.Map;

/** Counters a host exports as metrics and the simulator sums up. */
public final class Stats {
    public long submitted;
    public long fastPaths;
    public long slowPaths;
    public long degradedSubmits;
    public long recoveriesStarted;
    public long recoveryCommits;
    /** MCommitRequests sent, each to one peer (§10.4). */
    public long commitRequests;
    public long commits;
    public long executed;
    public long duplicatesSuppressed;
    public long collected;
    /** Catch-up by snapshot (docs/protocol.md, D8): asked for, sent as donor, installed. */
    public long snapshotsRequested;
    public long snapshotsSent;
    public long snapshotsInstalled;
    /** Restarts after which this replica caught up with its peers and took client requests again (D10). */
    public long caughtUp;
    /** Client requests refused because their session was dropped (D12), counted where they executed or were refused at submit. */
    public long requestsExpired;
    public final Map<Outcome, Long> outcomes = new EnumMap<>(Outcome.class);

    void count(Outcome o) {
        outcomes.merge(o, 1L, Long::sum);
    }

    public long rejections() {
        long total = 0;
        for (Map.Entry<Outcome, Long> e : outcomes.entrySet()) {
            if (e.getKey().rejected()) {
                total += e.getValue();
            }
        }
        return total;
    }
}
