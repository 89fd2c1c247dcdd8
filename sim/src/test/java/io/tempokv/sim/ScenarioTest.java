package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.CommandId;
import io.tempokv.core.Outbox;
import io.tempokv.core.Reply;
import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.Message;
import io.tempokv.core.message.MConsensus;
import io.tempokv.core.message.MPayload;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.MRec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scripted scenarios from the protocol spec, each named after what it proves. */
class ScenarioTest {
    @Test
    void fastPathWithAllReplicasUp() {
        for (int[] nf : new int[][] {{3, 1}, {5, 2}}) {
            ScenarioSupport s = new ScenarioSupport(nf[0], nf[1], 1);
            for (int i = 0; i < 10; i++) {
                s.awaitAnswered(s.put(1 + i % nf[0], "x", "v" + i), 300);
            }
            s.awaitExecutedEverywhere("x", 10, 500);
            assertEquals(10, s.sim.totals().fastPaths, "n=" + nf[0]);
            assertEquals(0, s.sim.totals().slowPaths);
            assertEquals(0, s.sim.totals().recoveriesStarted);
            s.assertConsistent();
        }
    }

    @Test
    void fastPathWithAMinorityDisconnected() {
        for (int[] nf : new int[][] {{3, 1}, {5, 1}}) {
            ScenarioSupport s = new ScenarioSupport(nf[0], nf[1], 2);
            List<Integer> cut = nf[0] == 3 ? List.of(3) : List.of(4, 5);
            List<Integer> rest = nf[0] == 3 ? List.of(1, 2) : List.of(1, 2, 3);
            s.sim.split(cut, rest);
            s.sim.runFor(100);
            for (int i = 0; i < 5; i++) {
                s.awaitAnswered(s.put(rest.get(i % rest.size()), "x", "v" + i), 300);
            }
            assertEquals(5, s.sim.totals().fastPaths, "n=" + nf[0] + ": fast quorums avoid the suspected minority");
            assertEquals(0, s.sim.totals().recoveriesStarted);
            s.sim.heal();
            s.awaitExecutedEverywhere("x", 5, 2000);
            s.assertConsistent();
        }
    }

    /**
     * Node 3, a member of node 1's fast quorum {1, 2, 3} (n = 5, f = 1), goes silent right after
     * node 1 proposed to it. When node 1's link to 3 drops (a killed peer resets its connection),
     * node 1 recovers its command at its next scan and commits it in a few round trips; when only
     * the silence tells, it waits out the suspicion timeout (40 ticks) first.
     */
    @Test
    void aCoordinatorRecoversAtOnceWhenALinkToItsFastQuorumDrops() {
        long withHint = ticksToCommitWithNode3Cut(true);
        long silenceOnly = ticksToCommitWithNode3Cut(false);
        assertTrue(withHint < 30, "with the link down the command took " + withHint + " ticks");
        assertTrue(silenceOnly > 40, "with silence only the command took " + silenceOnly + " ticks");
    }

    private static long ticksToCommitWithNode3Cut(boolean linkDown) {
        ScenarioSupport s = new ScenarioSupport(5, 1, 7);
        s.sim.runFor(50);
        ClientRequestId id = s.put(1, "x", "a");
        s.sim.isolate(3);
        s.sim.runFor(2);
        if (linkDown) {
            s.sim.replica(1).setReachable(3, false);
        }
        long start = s.sim.time();
        s.awaitAnswered(id, 500);
        long took = s.sim.time() - start;
        assertEquals(1, s.sim.totals().recoveriesStarted, "only the coordinator recovers");
        assertEquals(0, s.sim.totals().fastPaths);
        s.sim.heal();
        s.awaitExecutedEverywhere("x", 1, 2000);
        s.assertConsistent();
        return took;
    }

    /**
     * Coordinators 1 and 5 propose conflicting commands; node 2 sees 5's command first, so its
     * proposal for 1's command is the only one carrying the maximum: fewer than f = 2, slow path.
     */
    private static void forceConflict(ScenarioSupport s, int coordinatorA, int coordinatorB, int delayedMember) {
        s.sim.setDelayOverride((from, to, m) -> m instanceof MPropose && from == coordinatorA && to == delayedMember ? 3 : 0);
        s.put(coordinatorA, "x", "a");
        s.put(coordinatorB, "x", "b");
    }

    @Test
    void slowPathWhenTwoCoordinatorsSubmitConflictingCommandsConcurrently() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 3);
        forceConflict(s, 1, 5, 2);
        s.awaitExecutedEverywhere("x", 2, 500);
        assertTrue(s.sim.totals().slowPaths >= 1, "expected a slow path, got " + s.sim.totals().slowPaths);
        assertEquals(0, s.sim.totals().recoveriesStarted);
        s.assertConsistent();
    }

    @Test
    void slowPathWithAMinorityDisconnected() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 4);
        s.sim.isolate(5);
        s.sim.runFor(100);
        // Both fast quorums are {1,2,3,4}. Node 4 proposes for 1's command before its own, node 2
        // proposes for 4's command first: only node 2's reply to 1 carries the maximum (< f = 2).
        s.sim.setDelayOverride((from, to, m) -> m instanceof MPropose && from == 1 && to == 2 ? 5 : 0);
        s.put(1, "x", "a");
        s.sim.runFor(1);
        s.put(4, "x", "b");
        s.awaitAnswered(new ClientRequestId(1, 1), 500);
        s.awaitAnswered(new ClientRequestId(2, 1), 500);
        assertTrue(s.sim.totals().slowPaths >= 1, "expected a slow path, got " + s.sim.totals().slowPaths);
        assertEquals(0, s.sim.totals().recoveriesStarted);
        s.sim.heal();
        s.awaitExecutedEverywhere("x", 2, 2000);
        s.assertConsistent();
    }

    @Test
    void recoveryWhenTheCoordinatorCrashesBeforeCommit() {
        for (int[] nf : new int[][] {{3, 1}, {5, 2}}) {
            ScenarioSupport s = new ScenarioSupport(nf[0], nf[1], 5);
            s.sim.setFilter((from, to, m) -> m instanceof MProposeAck && to == 1);
            s.put(1, "x", "lost-coordinator");
            s.sim.runFor(10);
            s.sim.crash(1);
            boolean recovered = s.sim.runUntil(() -> s.sim.observations().order(2, "x").size() == 1
                    && s.sim.observations().order(nf[0], "x").size() == 1, 2000);
            assertTrue(recovered, "live replicas recover and execute the command: " + s.orders("x"));
            assertTrue(s.sim.totals().recoveriesStarted >= 1);
            s.sim.setFilter((from, to, m) -> false);
            s.sim.restart(1);
            s.awaitExecutedEverywhere("x", 1, 2000);
            s.assertConsistent();
        }
    }

    /**
     * Coordinator 1 decides on the fast path, commits locally, gets its MCommit only to node 2 and
     * crashes; node 2 is then cut off too. The remaining n - f replicas must recover the same
     * timestamp (rule 3 of the recovery: max over fast-quorum replies only).
     */
    @Test
    void recoveryWhenTheCoordinatorCrashesAfterOneReplicaGotTheCommit() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 6);
        s.sim.setFilter((from, to, m) -> m instanceof MCommit && from == 1 && to != 2);
        s.put(1, "x", "decided");
        assertTrue(s.sim.runUntil(() -> s.sim.store(2).load().commands().stream().anyMatch(r -> r.phase().committed()), 500),
                "node 2 got the commit");
        CommandId id = s.sim.store(2).load().commands().get(0).id();
        long decided = s.sim.store(2).load().commands().get(0).ts();
        s.sim.crash(1);
        s.sim.split(List.of(2), List.of(3, 4, 5));
        s.sim.setFilter((from, to, m) -> false);
        assertTrue(s.sim.runUntil(() -> s.sim.executedAt(3, id) && s.sim.executedAt(4, id) && s.sim.executedAt(5, id), 3000),
                "3, 4, 5 recover the command without 1 and 2");
        assertTrue(s.sim.totals().recoveriesStarted >= 1);
        assertEquals(decided, s.sim.observations().timestamp(id), "recovery chose the timestamp the coordinator decided");
        s.sim.heal();
        s.sim.restart(1);
        s.awaitExecutedEverywhere("x", 1, 3000);
        s.assertConsistent();
    }

    @Test
    void slowPathThatCannotFinishWhileAMajorityIsCutOffFinishesAfterHealing() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 7);
        forceConflict(s, 1, 5, 2);
        assertTrue(s.sim.runUntil(() -> s.sim.totals().slowPaths >= 1, 200), "slow path started");
        s.sim.split(List.of(1, 2), List.of(3, 4, 5));
        s.sim.split(List.of(3), List.of(4, 5));
        s.sim.split(List.of(4), List.of(5));
        s.sim.runFor(1500);
        CommandId slow = new CommandId(1, 1);
        for (int m = 1; m <= 5; m++) {
            assertFalse(s.sim.executedAt(m, slow), "node " + m + " must not execute while no side has a quorum");
        }
        s.sim.heal();
        s.awaitExecutedEverywhere("x", 2, 5000);
        s.assertConsistent();
    }

    @Test
    void aReplicaRestartedFromItsDurableStateRejoinsAndExecutesTheSameOrder() {
        ScenarioSupport s = new ScenarioSupport(3, 1, 8);
        for (int i = 0; i < 5; i++) {
            s.awaitAnswered(s.put(1 + i % 3, "x", "before" + i), 300);
        }
        s.sim.crash(3);
        for (int i = 0; i < 5; i++) {
            s.awaitAnswered(s.put(1 + i % 2, "x", "during" + i), 1000);
        }
        s.sim.restart(3);
        // Until it has caught up with its peers it takes no requests and says so (D10).
        ClientRequestId early = s.put(3, "x", "too-early");
        assertTrue(s.sim.runUntil(() -> s.replies.stream().anyMatch(r -> r.request().equals(early)), 50), "no answer to " + early);
        assertEquals(Reply.Status.UNAVAILABLE, s.replies.stream().filter(r -> r.request().equals(early)).findFirst().orElseThrow().status());
        assertTrue(s.sim.runUntil(() -> !s.sim.replica(3).catchingUp(), 1000), "node 3 did not catch up");
        assertEquals(1, s.sim.replica(3).stats().caughtUp);
        // and it says where the time went, in ticks since its restart
        List<Outbox.CaughtUp> reports = s.sim.observations().caughtUp();
        assertEquals(1, reports.size(), reports.toString());
        Outbox.CaughtUp report = reports.get(0);
        assertEquals(3, report.replica());
        assertFalse(report.timedOut());
        assertTrue(report.reportsTick() >= 0 && report.reportsTick() <= report.ticks(), report.describe());
        assertTrue(report.describe().startsWith("caught up " + report.ticks() + " ticks after the restart: executed reports from f peers at tick "),
                report.describe());
        for (int i = 0; i < 5; i++) {
            s.awaitAnswered(s.put(1 + i % 3, "x", "after" + i), 1000);
        }
        s.awaitExecutedEverywhere("x", 15, 3000);
        assertEquals(s.sim.observations().order(1, "x"), s.sim.observations().order(3, "x"));
        assertEquals(s.sim.store(1).valuesView(), s.sim.store(3).valuesView(), "same data after rejoining");
        s.assertConsistent();
    }

    @Test
    void aRetriedRequestExecutesOnce() {
        ScenarioSupport s = new ScenarioSupport(3, 1, 9);
        ClientRequestId id = new ClientRequestId(42, 1);
        io.tempokv.core.Request r = new io.tempokv.core.Request(id, List.of(io.tempokv.core.Op.put("x", "once")));
        s.sim.submit(1, r);
        s.sim.submit(2, r);
        s.sim.submit(3, r);
        s.awaitExecutedEverywhere("x", 3, 500);
        assertEquals(6, s.sim.totals().duplicatesSuppressed, "at each of 3 nodes, 2 of the 3 commands were suppressed");
        assertEquals(9, s.sim.totals().executed);
        s.sim.runFor(20);
        assertEquals(3, s.replies.stream().filter(x -> x.request().equals(id)).count(), "every coordinator answered");
        assertEquals(1, s.replies.stream().filter(x -> x.request().equals(id)).map(x -> x.results()).distinct().count(),
                "with the same result");
        s.assertConsistent();
    }

    /**
     * The coordinator crashes before commit and the link between nodes 2 and 3 is cut: each
     * suspects the other and considers itself responsible, so both recover the command at once
     * with competing ballots. They must still commit one timestamp.
     */
    @Test
    void concurrentRecoveriesAgreeOnOneTimestamp() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 11);
        s.sim.setFilter((from, to, m) -> m instanceof MProposeAck && to == 1);
        s.put(1, "x", "contested");
        s.sim.runFor(10);
        s.sim.crash(1);
        s.sim.split(List.of(2), List.of(3));
        CommandId id = new CommandId(1, 1);
        assertTrue(s.sim.runUntil(() -> s.sim.executedAt(2, id) && s.sim.executedAt(3, id) && s.sim.executedAt(4, id)
                && s.sim.executedAt(5, id), 5000), "the live replicas execute it: " + s.orders("x"));
        assertTrue(s.sim.replica(2).stats().recoveriesStarted >= 1 && s.sim.replica(3).stats().recoveriesStarted >= 1,
                "both 2 and 3 led a recovery: " + s.sim.replica(2).stats().recoveriesStarted + ", "
                        + s.sim.replica(3).stats().recoveriesStarted);
        s.sim.heal();
        s.sim.setFilter((from, to, m) -> false);
        s.sim.restart(1);
        s.awaitExecutedEverywhere("x", 1, 3000);
        s.assertConsistent();
    }
    /**
     * The spec's §8.5 example 2 (scenario 6 of §12.2): fresh proposals below the coordinator's.
     * Nodes 1, 2 and 5 run a few commands on x that 3 and 4 never see, so their clocks for x's
     * bucket are ahead. Then coordinator 1 sends its MPropose only to 2 and its payload only to 5,
     * and crashes; 2 falls silent. The recovery hears from 3, 4 and 5: 3 and 4 (fast-quorum members)
     * get the command first from a recovery message and propose fresh, from their low clocks
     * (RECOVER_R). Rule (3), the maximum over fast-quorum replies only, would commit below the
     * promises 1, 2 and 5 made before the command existed, and a replica holding those promises
     * could declare that timestamp stable without knowing the command (INV-SUPPORT, checked at
     * every commit by the simulator). Rule (2) applies instead, because a fast-quorum member is in
     * RECOVER_R: the maximum over all replies, 5's. With the RECOVER_R test taken out of the rule,
     * this test fails: 1.1 committed at 1 with 2 attached promises at or below it (3 needed), and
     * node 5 executed it after 5.5 at 5.
     */
    @Test
    void freshProposalsBelowTheCoordinatorsMakeTheFastPathImpossible() {
        ScenarioSupport s = new ScenarioSupport(5, 2, 12);
        int ahead = 5;
        s.sim.setFilter((from, to, m) -> (to == 3 || to == 4) && !(m instanceof MPromises));
        for (int i = 0; i < ahead; i++) {
            s.awaitAnswered(s.put(5, "x", "v" + i), 3000);
        }
        assertTrue(s.sim.observations().order(3, "x").isEmpty() && s.sim.observations().order(4, "x").isEmpty(),
                "3 and 4 saw nothing of x yet: " + s.orders("x"));
        CommandId id = new CommandId(1, 1);
        // 3 and 4 hear only heartbeats and what concerns the new command, so their clocks stay behind.
        s.sim.setFilter((from, to, m) -> from == 2
                || (from == 1 && to != 2 && to != 5)
                || (from == 5 && to == 2)
                || ((to == 3 || to == 4) && from != 3 && from != 4 && !(m instanceof MPromises) && !concerns(m, id)));
        s.put(1, "x", "after");
        s.sim.runFor(10);
        s.sim.crash(1);
        assertTrue(s.sim.runUntil(() -> s.sim.executedAt(5, id), 10_000),
                "3, 4 and 5 recover it, 5 executes it: " + s.orders("x") + " " + s.sim.observations().violations());
        assertEquals(List.of(), s.sim.observations().violations());
        assertTrue(s.sim.observations().timestamp(id) > ahead, "committed at " + s.sim.observations().timestamp(id)
                + ", not above the " + ahead + " commands 1, 2 and 5 had promised past");
        s.sim.setFilter((from, to, m) -> false);
        s.sim.restart(1);
        s.awaitExecutedEverywhere("x", ahead + 1, 5000);
        s.assertConsistent();
    }

    private static boolean concerns(Message m, CommandId id) {
        return m instanceof MRec r && r.id().equals(id) || m instanceof MConsensus c && c.id().equals(id)
                || m instanceof MCommit c2 && c2.id().equals(id) || m instanceof MPayload p && p.id().equals(id);
    }
}
