package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.Reply;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Request;
import io.tempokv.core.message.MSnapshot;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshots are streamed part by part (docs/protocol.md, D8b): the receiver writes each part as it
 * comes and asks for the next, so neither side holds the whole data set. A crash of the receiver
 * in the middle leaves its data marked incomplete, and it installs a whole snapshot after its
 * restart before it executes anything; a crash of the donor in the middle makes the receiver give
 * up on it and take a snapshot from another peer.
 */
class SnapshotStreamTest {
    private static final int CLIENTS = 16;
    private static final int KEYS = 400;

    @Test
    void receiverCrashingMidTransferInstallsAWholeSnapshotAfterItsRestart() {
        Simulation sim = behindWithData(31);
        boolean[] crashed = {false};
        boolean[] incompleteAtCrash = {false};
        sim.setFilter((from, to, m) -> {
            if (to == 3 && m instanceof MSnapshot s && s.part() == 5 && !crashed[0]) {
                crashed[0] = true;
                sim.at(1, () -> {
                    incompleteAtCrash[0] = sim.store(3).load().installing();
                    sim.crash(3);
                });
                sim.at(200, () -> sim.restart(3));
            }
            return false;
        });
        sim.restart(3);
        assertTrue(sim.runUntil(() -> sim.time() % 25 == 0 && crashed[0] && sim.up(3) && sim.quiescent(), 30_000),
                "node 3 did not catch up: crashed mid-transfer " + crashed[0] + ", " + sim.observations().violations());
        assertTrue(incompleteAtCrash[0], "node 3's data was marked incomplete while parts were arriving");
        assertEquals(false, sim.store(3).load().installing(), "node 3 finished an install after its restart");
        sameDataEverywhere(sim);
    }

    @Test
    void donorCrashingMidTransferIsReplacedByAnotherPeer() {
        Simulation sim = behindWithData(32);
        int[] donor = {0};
        List<Integer> partsToThree = new ArrayList<>();
        sim.setFilter((from, to, m) -> {
            if (to == 3 && m instanceof MSnapshot s) {
                partsToThree.add(s.part());
                if (s.part() == 4 && donor[0] == 0) {
                    donor[0] = from;
                    sim.at(1, () -> sim.crash(from));
                }
            }
            return false;
        });
        sim.restart(3);
        assertTrue(sim.runUntil(() -> donor[0] != 0 && !sim.store(3).load().installing() && sim.totals().snapshotsInstalled >= 1, 30_000),
                "node 3 did not install a snapshot from the other peer: " + sim.observations().violations());
        sim.restart(donor[0]);
        assertTrue(sim.runUntil(() -> sim.time() % 25 == 0 && sim.quiescent(), 30_000), "no quiescence: " + sim.observations().violations());
        assertTrue(partsToThree.size() > 10, "the snapshot came in many parts: " + partsToThree);
        sameDataEverywhere(sim);
    }

    /** Three nodes, snapshots in parts of at most 300 bytes; node 3 down while 4,000 commands over 400 keys commit. */
    private static Simulation behindWithData(long seed) {
        ReplicaConfig config = Simulation.config(3, 1, 64);
        config = config.withLimits(config.limits().withSnapshotBytesMax(300)).withTiming(config.timing().withGcDown(150));
        Simulation sim = new Simulation(seed, config, false);
        sim.setNetwork(0, 0, 1, 3);
        sim.crash(3);
        int commands = 4_000;
        long[] seqs = new long[CLIENTS + 1];
        long[] answered = {0};
        sim.onReply(r -> {
            assertEquals(Reply.Status.OK, r.status(), "reply " + r);
            answered[0]++;
            int client = (int) r.request().client();
            if (answered[0] + CLIENTS <= commands) {
                submit(sim, client, ++seqs[client]);
            }
        });
        for (int c = 1; c <= CLIENTS; c++) {
            submit(sim, c, ++seqs[c]);
        }
        assertTrue(sim.runUntil(() -> answered[0] >= commands, 200_000), "only " + answered[0] + " answered");
        sim.onReply(r -> { });
        return sim;
    }

    private static void submit(Simulation sim, int client, long seq) {
        int node = 1 + (int) ((client + seq) % 2);
        sim.submit(node, new Request(new ClientRequestId(client, seq), List.of(Op.put("key" + ((client * 7919L + seq) % KEYS), "v" + seq))));
    }

    private static void sameDataEverywhere(Simulation sim) {
        sim.observations().checkSameOrder(true);
        assertEquals(List.of(), sim.observations().violations());
        assertTrue(sim.totals().snapshotsInstalled >= 1, "snapshots installed " + sim.totals().snapshotsInstalled);
        assertEquals(KEYS, sim.store(1).valuesView().size());
        for (int id : sim.members()) {
            assertEquals(sim.store(1).valuesView(), sim.store(id).valuesView(), "data of node " + id);
        }
    }
}
