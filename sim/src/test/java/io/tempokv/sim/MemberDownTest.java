package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.Reply;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Request;
import io.tempokv.core.message.MPromises;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Members down for a long time cost nothing (docs/protocol.md, D5 and D8): while f members are
 * down, the others keep collecting, so per-command state, stored records and promise summaries stay
 * bounded and no request is refused as overloaded; when the members return they catch up by a
 * snapshot and everything is collected again.
 */
class MemberDownTest {
    private static final int CLIENTS = 32;
    /** Per replica: command records, promise entries, executor queue entries, pending requests. */
    private static final int TRACKED_ENTRIES_MAX = 3_000;
    /** Attached promises listed in one MPromises: a few per in-flight command, never the backlog. */
    private static final int ATTACHED_PER_SUMMARY_MAX = 500;

    @Test
    void oneOfThreeDownFor100000Commands() {
        run(3, 1, List.of(3), 100_000, ReplicaConfig.Limits.defaults().snapshotBytesMax());
    }

    /** Snapshots in parts of at most 300 bytes: the returning members assemble dozens of parts. */
    @Test
    void twoOfFiveDownFor30000CommandsWithSnapshotsInParts() {
        run(5, 2, List.of(4, 5), 30_000, 300);
    }

    private static void run(int n, int f, List<Integer> down, int commands, long snapshotPartBytesMax) {
        ReplicaConfig config = Simulation.config(n, f, 64);
        config = config.withLimits(config.limits().withSnapshotBytesMax(snapshotPartBytesMax));
        Simulation sim = new Simulation(7 + n, config, false);
        sim.setNetwork(0, 0, 1, 3);
        // Until the down members have been silent for gcDownTicks they still hold collection back;
        // from then on the state must stay bounded however long they stay away.
        long settled = 2L * sim.replica(1).config().timing().gcDownTicks();
        int[] attachedPeak = {0};
        sim.setDelayOverride((from, to, m) -> {
            if (m instanceof MPromises p && sim.time() >= settled) {
                int total = 0;
                for (MPromises.BucketPromises bp : p.buckets()) {
                    total += bp.attached().size();
                }
                attachedPeak[0] = Math.max(attachedPeak[0], total);
            }
            return 0;
        });
        List<Integer> live = sim.members().stream().filter(m -> !down.contains(m)).toList();
        down.forEach(sim::crash);
        long[] seqs = new long[CLIENTS + 1];
        long[] answered = {0};
        long[] rejected = {0};
        sim.onReply(r -> {
            if (r.status() != Reply.Status.OK) {
                rejected[0]++;
                return;
            }
            answered[0]++;
            int client = (int) r.request().client();
            if (answered[0] + CLIENTS <= commands) {
                submit(sim, live, client, ++seqs[client]);
            }
        });
        for (int c = 1; c <= CLIENTS; c++) {
            submit(sim, live, c, ++seqs[c]);
        }
        int peak = 0;
        int peakStored = 0;
        int peakBeforeSettled = 0;
        while (answered[0] < commands) {
            assertTrue(sim.runUntil(() -> sim.time() % 100 == 0, 200), "simulation stopped: " + sim.observations().violations());
            for (int id : live) {
                if (sim.time() < settled) {
                    peakBeforeSettled = Math.max(peakBeforeSettled, sim.replica(id).liveCommands());
                    continue;
                }
                peak = Math.max(peak, sim.replica(id).trackedEntries());
                peakStored = Math.max(peakStored, sim.store(id).commandCount());
            }
            assertTrue(sim.time() < 200L * commands, "no progress: " + answered[0] + " answered after " + sim.time() + " ticks");
        }
        assertEquals(List.of(), sim.observations().violations());
        assertEquals(0, rejected[0], "requests refused (overloaded) while members were down");
        assertTrue(peakBeforeSettled < ReplicaConfig.Limits.defaults().pendingCommandsMax() / 2,
                "command records before the down members were left out " + peakBeforeSettled);
        assertTrue(peak < TRACKED_ENTRIES_MAX, "peak tracked entries per live replica " + peak);
        assertTrue(peakStored < TRACKED_ENTRIES_MAX, "peak stored command records per live replica " + peakStored);
        assertTrue(attachedPeak[0] < ATTACHED_PER_SUMMARY_MAX, "peak attached promises in one summary " + attachedPeak[0]);

        down.forEach(sim::restart);
        assertTrue(sim.runUntil(() -> sim.time() % 25 == 0 && sim.quiescent(), 20_000),
                "returning members did not catch up: " + sim.observations().violations());
        sim.observations().checkSameOrder(true);
        assertEquals(List.of(), sim.observations().violations());
        assertTrue(sim.totals().snapshotsInstalled >= down.size(), "snapshots installed " + sim.totals().snapshotsInstalled);
        sim.runFor(500);
        for (int id : sim.members()) {
            assertTrue(sim.replica(id).liveCommands() < 100, "node " + id + " still holds " + sim.replica(id).liveCommands()
                    + " command records after catching up");
            assertEquals(sim.store(live.get(0)).valuesView(), sim.store(id).valuesView(), "data of node " + id);
        }
        System.out.println("member down: n=" + n + " down=" + down + " commands=" + commands + " peak tracked " + peak
                + " (" + peakBeforeSettled + " records before the down members were left out), peak stored " + peakStored + ", peak attached per summary " + attachedPeak[0] + ", snapshots "
                + sim.totals().snapshotsInstalled + ", ticks " + sim.time());
    }

    private static void submit(Simulation sim, List<Integer> live, int client, long seq) {
        int node = live.get((int) ((client + seq) % live.size()));
        sim.submit(node, new Request(new ClientRequestId(client, seq), List.of(Op.put("k" + (seq % 10), "v" + seq))));
    }
}
