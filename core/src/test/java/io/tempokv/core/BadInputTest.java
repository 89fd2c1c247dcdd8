package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MConsensus;
import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.MRec;
import io.tempokv.core.message.MSnapshot;
import io.tempokv.core.store.InMemoryStore;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Malformed, stale, unknown and foreign messages are rejected with a reason and change nothing. */
class BadInputTest {
    private final InMemoryStore store = new InMemoryStore();
    private final Replica replica = Replica.open(ReplicaConfig.of(List.of(1, 2, 3), 2, 1), store, new SplittableRandom(1));

    private static Command command(int origin, long seq) {
        return new Command(new CommandId(origin, seq), new ClientRequestId(9, seq), List.of(Op.put("k", "v")), List.of(0));
    }

    private void assertRejected(int from, io.tempokv.core.message.Message m, Outcome expected, String reasonPart) {
        int commandsBefore = replica.liveCommands();
        int storedBefore = store.commandCount();
        assertEquals(expected, replica.handle(from, m));
        List<Outbox.Rejection> rejections = replica.outbox().drainRejections();
        assertEquals(1, rejections.size(), "one logged rejection");
        assertTrue(rejections.get(0).reason().contains(reasonPart), rejections.get(0).reason());
        assertEquals(List.of(), replica.outbox().drainSends(), "a rejected message sends nothing");
        assertEquals(commandsBefore, replica.liveCommands());
        assertEquals(storedBefore, store.commandCount());
    }

    @Test
    void messageFromANonMemberIsRejected() {
        assertRejected(7, new MPropose(new CommandId(7, 1), command(7, 1), List.of(7, 2), 7, 1),
                Outcome.REJECTED_NON_MEMBER, "not a member");
    }

    @Test
    void proposeWithAWrongQuorumIsRejected() {
        assertRejected(1, new MPropose(new CommandId(1, 1), command(1, 1), List.of(1, 2, 3), 1, 1),
                Outcome.REJECTED_MALFORMED, "fast quorum must have 2 members");
    }

    @Test
    void proposeWhosePayloadIdDiffersIsRejected() {
        assertRejected(1, new MPropose(new CommandId(1, 1), command(1, 2), List.of(1, 2), 1, 1),
                Outcome.REJECTED_MALFORMED, "does not match");
    }

    @Test
    void proposeFromSomeoneElseThanItsCoordinatorIsRejected() {
        assertRejected(3, new MPropose(new CommandId(1, 1), command(1, 1), List.of(1, 2), 1, 1),
                Outcome.REJECTED_MALFORMED, "is not the sender");
    }

    @Test
    void consensusWithAForgedBallotIsRejected() {
        assertRejected(1, new MConsensus(new CommandId(1, 1), 5, new Ballot(3, 2)),
                Outcome.REJECTED_MALFORMED, "came from 1");
    }

    @Test
    void recoveryAtRoundZeroIsRejected() {
        assertRejected(1, new MRec(new CommandId(1, 1), new Ballot(0, 1), command(1, 1), List.of(1, 2), 1),
                Outcome.REJECTED_MALFORMED, "round 1");
    }

    @Test
    void promisesForABucketOutOfRangeAreRejected() {
        assertRejected(1, new MPromises(List.of(new MPromises.BucketPromises(10_000, 3, List.of()))),
                Outcome.REJECTED_MALFORMED, "out of range");
    }

    @Test
    void attachedPromiseAboveTheClockIsRejected() {
        MPromises.Attached a = new MPromises.Attached(9, new CommandId(1, 1));
        assertRejected(1, new MPromises(List.of(new MPromises.BucketPromises(1, 3, List.of(a)))),
                Outcome.REJECTED_MALFORMED, "not within");
    }

    @Test
    void collectionHorizonWithABadOriginIsRejected() {
        assertRejected(1, new MPromises(List.of(), List.of(new MPromises.Collected(0, 5))), Outcome.REJECTED_MALFORMED, "origin 0");
    }

    @Test
    void snapshotHeaderMarkedLastIsRejectedAndInstallsNothing() {
        MSnapshot s = new MSnapshot(List.of(new MExecuted.OriginExecuted(1, 5, List.of())), List.of(),
                List.of(new MSnapshot.Entry("k", "v")), List.of(), List.of(), 7, 0, true);
        assertRejected(1, s, Outcome.REJECTED_MALFORMED, "part 0 (last)");
        assertEquals(null, store.getValue("k"));
    }

    @Test
    void snapshotWithAKeyOfAnotherShardIsRejected() {
        ReplicaConfig two = new ReplicaConfig(0, 2, List.of(1, 2, 3), 2, 1, 64, ReplicaConfig.Timing.defaults(),
                ReplicaConfig.Limits.defaults());
        Replica r = Replica.open(two, new io.tempokv.core.store.InMemoryStore(), new java.util.SplittableRandom(1));
        String other = null;
        for (int i = 0; other == null; i++) {
            if (Keys.shardOf("key" + i, 2) == 1) {
                other = "key" + i;
            }
        }
        MSnapshot s = MSnapshot.slice(List.of(new MSnapshot.Entry(other, "v")), List.of(), 7, 1, true);
        assertEquals(Outcome.REJECTED_MALFORMED, r.handle(1, s));
        assertTrue(r.outbox().drainRejections().get(0).reason().contains("belongs to shard 1"));
    }

    @Test
    void ackForAnUnknownCommandIsRejected() {
        assertRejected(1, new MProposeAck(new CommandId(2, 5), 3), Outcome.REJECTED_UNKNOWN_COMMAND, "no state");
    }

    @Test
    void staleBallotIsAnsweredWithANackAndChangesNothing() {
        CommandId id = new CommandId(1, 1);
        assertEquals(Outcome.APPLIED, replica.handle(3, new MRec(id, new Ballot(2, 3), command(1, 1), List.of(1, 2), 1)));
        replica.outbox().drainSends();
        var before = store.load().commands().get(0);
        assertEquals(Outcome.REJECTED_STALE_BALLOT, replica.handle(1, new MConsensus(id, 99, new Ballot(1, 1))));
        var sends = replica.outbox().drainSends();
        assertEquals(1, sends.size());
        assertTrue(sends.get(0).message() instanceof io.tempokv.core.message.MRecNAck);
        assertEquals(before, store.load().commands().get(0), "the accepted value is untouched");
    }

    @Test
    void commitBeforePayloadIsBufferedAndRequestsThePayload() {
        CommandId id = new CommandId(1, 1);
        assertEquals(Outcome.APPLIED, replica.handle(1, MCommit.of(id, 4)));
        var sends = replica.outbox().drainSends();
        assertEquals(1, sends.size());
        assertTrue(sends.get(0).message() instanceof io.tempokv.core.message.MCommitRequest);
    }

    @Test
    void conflictingCommitStopsTheReplica() {
        CommandId id = new CommandId(1, 1);
        replica.handle(1, new io.tempokv.core.message.MPayload(id, command(1, 1), List.of(1, 2), 1));
        replica.handle(1, MCommit.of(id, 4));
        org.junit.jupiter.api.Assertions.assertThrows(InvariantViolation.class, () -> replica.handle(3, MCommit.of(id, 5)));
    }

    @Test
    void oversizeValueIsRejectedAtSubmitWithTheLimit() {
        String big = "x".repeat(ReplicaConfig.Limits.defaults().valueBytesMax() + 1);
        replica.submit(new Request(new ClientRequestId(4, 1), List.of(Op.put("k", big))));
        List<Reply> replies = replica.outbox().drainReplies();
        assertEquals(1, replies.size());
        assertEquals(Reply.Status.REJECTED, replies.get(0).status());
        assertTrue(replies.get(0).detail().contains("larger than the limit"), replies.get(0).detail());
        assertEquals(0, replica.liveCommands());
    }
}
