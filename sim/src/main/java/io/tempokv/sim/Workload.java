package io.tempokv.sim;

import io.tempokv.check.Op;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Simulated clients doing register operations (read, write, cas) on a few keys, one request at a
 * time each, retrying with the same request id on another node after a timeout, and recording a
 * Jepsen-style history per key. With a conflict rate set, clients only write: a share of the
 * commands goes to one hot key, the rest to fresh keys (the paper's conflict-rate experiment).
 */
final class Workload {
    static final int CLIENT_TIMEOUT_TICKS = 150;
    static final int ATTEMPTS_BEFORE_GIVING_UP = 4;

    private final Simulation sim;
    private final SplittableRandom rng;
    private final int keys;
    private final int conflictPercent;
    private final List<Client> clients = new ArrayList<>();
    private final Map<String, List<Op>> histories = new HashMap<>();
    private final Map<String, List<Long>> written = new HashMap<>();
    private final List<Long> latencies = new ArrayList<>();
    private final long[] completions = new long[3];
    private long nextValue;
    private long nextIndex;
    private boolean stopping;

    private final class Client {
        final long id;
        long process;
        long seq;
        Request request;
        String f;
        String key;
        Object invokeValue;
        int attempts;
        int node;
        long invokedAt;

        Client(long id, long process) {
            this.id = id;
            this.process = process;
        }
    }

    Workload(Simulation sim, int clientCount, int keys, int conflictPercent) {
        this.sim = sim;
        this.rng = sim.random();
        this.keys = keys;
        this.conflictPercent = conflictPercent;
        for (int i = 0; i < clientCount; i++) {
            clients.add(new Client(i + 1, i));
        }
        sim.onReply(this::onReply);
    }

    void start() {
        for (Client c : clients) {
            sim.at(rng.nextInt(20), () -> next(c));
        }
    }

    /** Stop starting new operations; the ones in flight are retried until answered. */
    void stop() {
        stopping = true;
    }

    boolean idle() {
        for (Client c : clients) {
            if (c.request != null) {
                return false;
            }
        }
        return true;
    }

    int waiting() {
        int w = 0;
        for (Client c : clients) {
            w += c.request != null ? 1 : 0;
        }
        return w;
    }

    Map<String, List<Op>> histories() {
        return histories;
    }

    private void next(Client c) {
        if (stopping || c.request != null) {
            return;
        }
        // As the Java client does: sequence numbers follow the clock (here ticks x 1000), so a bucket
        // that drops its lowest sessions (D12) drops idle clients' first.
        c.seq = Math.max(c.seq + 1, sim.time() * 1000);
        chooseOperation(c);
        record(c, Op.Type.INVOKE, c.invokeValue);
        c.invokedAt = sim.time();
        c.attempts = 0;
        send(c);
    }

    private void chooseOperation(Client c) {
        long v = ++nextValue;
        if (conflictPercent >= 0) {
            c.key = rng.nextInt(100) < conflictPercent ? "hot" : "c" + c.id + "-" + c.seq;
            c.f = "write";
            c.invokeValue = v;
            c.request = new Request(new ClientRequestId(c.id, c.seq), List.of(io.tempokv.core.Op.put(c.key, Long.toString(v))));
            return;
        }
        c.key = "k" + rng.nextInt(keys);
        int dice = rng.nextInt(10);
        io.tempokv.core.Op op;
        if (dice < 4) {
            c.f = "read";
            c.invokeValue = null;
            op = io.tempokv.core.Op.get(c.key);
        } else if (dice < 8) {
            c.f = "write";
            c.invokeValue = v;
            written.computeIfAbsent(c.key, k -> new ArrayList<>()).add(v);
            op = io.tempokv.core.Op.put(c.key, Long.toString(v));
        } else {
            List<Long> w = written.getOrDefault(c.key, List.of());
            Long expected = w.isEmpty() || rng.nextInt(5) == 0 ? null : w.get(Math.max(0, w.size() - 1 - rng.nextInt(3)));
            c.f = "cas";
            c.invokeValue = java.util.Arrays.asList(expected, v);
            written.computeIfAbsent(c.key, k -> new ArrayList<>()).add(v);
            op = io.tempokv.core.Op.cas(c.key, expected == null ? null : Long.toString(expected), Long.toString(v));
        }
        c.request = new Request(new ClientRequestId(c.id, c.seq), List.of(op));
    }

    private void send(Client c) {
        c.attempts++;
        List<Integer> members = sim.members();
        int node = members.get(rng.nextInt(members.size()));
        if (c.attempts > 1 && node == c.node) {
            node = members.get((members.indexOf(node) + 1) % members.size());
        }
        c.node = node;
        sim.submit(node, c.request);
        Request sent = c.request;
        int attempt = c.attempts;
        sim.at(CLIENT_TIMEOUT_TICKS, () -> onTimeout(c, sent, attempt));
    }

    private void onTimeout(Client c, Request sent, int attempt) {
        if (c.request != sent || c.attempts != attempt) {
            return;
        }
        if (!stopping && c.attempts >= ATTEMPTS_BEFORE_GIVING_UP) {
            record(c, Op.Type.INFO, c.invokeValue);
            c.request = null;
            c.process += clients.size();
            sim.at(rng.nextInt(5), () -> next(c));
            return;
        }
        send(c);
    }

    private void onReply(Reply r) {
        if (r.request() == null) {
            return;
        }
        Client c = clients.get((int) r.request().client() - 1);
        if (c.request == null || !c.request.id().equals(r.request())) {
            return;
        }
        if (r.status() == Reply.Status.UNAVAILABLE) {
            // Not taken by this replica (catching up, D10): the same request goes to another one.
            sim.at(1 + rng.nextInt(5), () -> {
                if (c.request != null && c.request.id().equals(r.request())) {
                    send(c);
                }
            });
            return;
        }
        if (r.status() == Reply.Status.EXPIRED) {
            // Every replica refuses it from now on (D12): sent once it did not apply; sent more
            // than once an earlier attempt may have, so its outcome is unknown.
            if (c.attempts > 1) {
                record(c, Op.Type.INFO, c.invokeValue);
                c.process += clients.size();
            } else {
                record(c, Op.Type.FAIL, c.invokeValue);
            }
            c.request = null;
            sim.at(rng.nextInt(5), () -> next(c));
            return;
        }
        if (r.status() == Reply.Status.REJECTED) {
            if (c.attempts > 1) {
                return;
            }
            record(c, Op.Type.FAIL, c.invokeValue);
        } else {
            complete(c, r.results().get(0));
        }
        c.request = null;
        sim.at(rng.nextInt(5), () -> next(c));
    }

    private void complete(Client c, OpResult result) {
        switch (c.f) {
            case "read":
                record(c, Op.Type.OK, result.value() == null ? null : Long.parseLong(result.value()));
                break;
            case "cas":
                record(c, result.ok() ? Op.Type.OK : Op.Type.FAIL, c.invokeValue);
                break;
            default:
                record(c, Op.Type.OK, c.invokeValue);
        }
    }

    /** Completed operations: ok, fail, info. */
    long[] completions() {
        return completions.clone();
    }

    /** Ticks from invocation to a definite answer, for every answered operation. */
    List<Long> latencies() {
        return latencies;
    }

    private void record(Client c, Op.Type type, Object value) {
        if (type != Op.Type.INVOKE) {
            completions[type == Op.Type.OK ? 0 : type == Op.Type.FAIL ? 1 : 2]++;
            if (type != Op.Type.INFO) {
                latencies.add(sim.time() - c.invokedAt);
            }
        }
        histories.computeIfAbsent(c.key, k -> new ArrayList<>())
                .add(new Op(nextIndex++, type, c.process, c.f, value, sim.time()));
    }
}
