package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import org.junit.jupiter.api.Test;

/** Under an endless load, per-command state stays bounded: commands executed everywhere are collected. */
class GarbageCollectionTest {
    private static final int COMMANDS = 200_000;
    private static final int CLIENTS = 32;
    /** Per replica: command records, promise entries, executor queue entries, pending requests. */
    private static final int TRACKED_ENTRIES_MAX = 3_000;

    @Test
    void liveStateStaysBoundedOver200000Commands() {
        Simulation sim = new Simulation(99, Simulation.config(3, 1, 64), false);
        sim.setNetwork(0, 0, 1, 3);
        long[] seqs = new long[CLIENTS + 1];
        long[] answered = {0};
        sim.onReply(r -> {
            if (r.status() != Reply.Status.OK) {
                return;
            }
            answered[0]++;
            int client = (int) r.request().client();
            if (answered[0] + CLIENTS <= COMMANDS) {
                submit(sim, client, ++seqs[client]);
            }
        });
        for (int c = 1; c <= CLIENTS; c++) {
            submit(sim, c, ++seqs[c]);
        }
        int peak = 0;
        int peakStored = 0;
        while (answered[0] < COMMANDS) {
            assertTrue(sim.runUntil(() -> sim.time() % 100 == 0, 200), "simulation stopped: " + sim.observations().violations());
            for (int id : sim.members()) {
                peak = Math.max(peak, sim.replica(id).trackedEntries());
                peakStored = Math.max(peakStored, sim.store(id).commandCount());
            }
        }
        assertEquals(java.util.List.of(), sim.observations().violations());
        assertTrue(sim.totals().collected > COMMANDS * 2L, "collected " + sim.totals().collected);
        assertTrue(peak < TRACKED_ENTRIES_MAX, "peak tracked entries per replica " + peak);
        assertTrue(peakStored < TRACKED_ENTRIES_MAX, "peak stored command records per replica " + peakStored);
        System.out.println("GC: " + COMMANDS + " commands, peak tracked entries per replica " + peak
                + ", peak stored records " + peakStored + ", ticks " + sim.time());
    }

    private static void submit(Simulation sim, int client, long seq) {
        int node = 1 + (int) ((client + seq) % 3);
        sim.submit(node, new Request(new ClientRequestId(client, seq), java.util.List.of(Op.put("k" + (seq % 10), "v" + seq))));
    }
}
