package io.tempokv.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import java.util.ArrayList;
import java.util.List;

/** A scripted simulation with a fixed-delay network, and the assertions scenario tests share. */
final class ScenarioSupport {
    final Simulation sim;
    final List<Reply> replies = new ArrayList<>();
    private long nextClient = 1;

    ScenarioSupport(int n, int f, long seed) {
        sim = new Simulation(seed, Simulation.config(n, f, 64), false);
        sim.setNetwork(0, 0, 1, 1);
        sim.onReply(replies::add);
    }

    /** Submit a put at a node as a fresh client; returns the client request id. */
    ClientRequestId put(int node, String key, String value) {
        ClientRequestId id = new ClientRequestId(nextClient++, 1);
        sim.submit(node, new Request(id, List.of(Op.put(key, value))));
        return id;
    }

    boolean answered(ClientRequestId id) {
        return replies.stream().anyMatch(r -> r.request().equals(id) && r.status() == Reply.Status.OK);
    }

    void awaitAnswered(ClientRequestId id, long maxTicks) {
        assertTrue(sim.runUntil(() -> answered(id), maxTicks), "request " + id + " was not answered within " + maxTicks + " ticks");
    }

    /** The command id a node executed for a request (commands carry the request id). */
    CommandId commandOf(String key, int node, int index) {
        return sim.observations().order(node, key).get(index);
    }

    void awaitExecutedEverywhere(String key, int count, long maxTicks) {
        boolean ok = sim.runUntil(() -> {
            for (int m : sim.members()) {
                if (sim.observations().order(m, key).size() < count) {
                    return false;
                }
            }
            return true;
        }, maxTicks);
        assertTrue(ok, "key " + key + " not executed " + count + " times everywhere; orders: " + orders(key));
    }

    String orders(String key) {
        StringBuilder sb = new StringBuilder();
        for (int m : sim.members()) {
            sb.append(m).append('=').append(sim.observations().order(m, key)).append(' ');
        }
        return sb.toString();
    }

    /** Same order of key at every node, no violation recorded. */
    void assertConsistent() {
        sim.observations().checkSameOrder(false);
        assertEquals(List.of(), sim.observations().violations());
    }
}
