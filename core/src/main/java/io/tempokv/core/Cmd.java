package io.tempokv.core;

import io.tempokv.core.message.MRecAck;
import io.tempokv.core.store.CommandRecord;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Per-command state at one replica. The fields up to {@code ts} are durable (see {@link #toRecord()});
 * the rest is coordinator / recovery-leader scratch and timers, lost on a crash by design.
 */
final class Cmd {
    final CommandId id;
    Command payload;
    int[] buckets = new int[0];
    List<Integer> quorum = List.of();
    int coordinator;
    Phase phase = Phase.START;
    long proposal;
    Ballot bal = Ballot.ZERO;
    Ballot abal = Ballot.ZERO;
    long accepted;
    long ts;

    Map<Integer, Long> proposeAcks;
    Ballot leading;
    long leadingValue;
    Map<Integer, MRecAck> recAcks;
    Set<Integer> consensusAcks;
    int maxRoundSeen;
    long bufferedCommitTs;

    long createdTick;
    long nextRecoveryTick;
    long nextCommitRequestTick;
    int recoveryAttempts;
    /** MCommitRequests sent for this command (one peer each, rotating). */
    int commitRequests;
    /** The member this replica last handed the payload to as the one responsible for recovering it (D9), 0 for none. */
    int forwardedTo;
    boolean dirty;

    Cmd(CommandId id) {
        this.id = id;
    }

    boolean committed() {
        return phase.committed();
    }

    void clearScratch() {
        proposeAcks = null;
        leading = null;
        recAcks = null;
        consensusAcks = null;
    }

    CommandRecord toRecord() {
        return new CommandRecord(id, payload, quorum, coordinator, phase, proposal, bal, abal, accepted, ts);
    }

    static Cmd fromRecord(CommandRecord r, int[] buckets) {
        Cmd c = new Cmd(r.id());
        c.payload = r.payload();
        c.buckets = buckets;
        c.quorum = r.quorum();
        c.coordinator = r.coordinator();
        c.phase = r.phase();
        c.proposal = r.proposal();
        c.bal = r.bal();
        c.abal = r.abal();
        c.accepted = r.accepted();
        c.ts = r.ts();
        c.maxRoundSeen = Math.max(r.bal().round(), r.abal().round());
        return c;
    }
}
