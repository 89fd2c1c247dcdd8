package io.tempokv.server.cluster;

import io.tempokv.check.Op;
import io.tempokv.client.CasResult;
import io.tempokv.client.NoEndpointReachableException;
import io.tempokv.client.RequestRejectedException;
import io.tempokv.client.TempoClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Jepsen-style register workload against real nodes: each worker does one operation at a time and
 * records invoke/ok/fail/info in a history of [key value] tuples. A timed-out operation is :info
 * and its worker continues as a new process, as Jepsen does.
 */
public final class RegisterWorkload {
    private final int workers;
    private final int keys;
    private final List<Op> history = new ArrayList<>();
    private final List<Long> latencies = new ArrayList<>();
    private final long[] completions = new long[3];
    private final AtomicLong values = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final long startNanos = System.nanoTime();
    private volatile boolean stop;

    public RegisterWorkload(int workers, int keys) {
        this.workers = workers;
        this.keys = keys;
    }

    public void start(List<TempoClient> clients) {
        for (int i = 0; i < workers; i++) {
            int w = i;
            Thread t = new Thread(() -> work(w, clients.get(w)), "demo-worker-" + w);
            t.start();
            threads.add(t);
        }
    }

    public void stopAndJoin() throws InterruptedException {
        stop = true;
        for (Thread t : threads) {
            t.join();
        }
    }

    private void work(int w, TempoClient c) {
        SplittableRandom rng = new SplittableRandom(w);
        long process = w;
        while (!stop) {
            long k = rng.nextInt(keys);
            int dice = rng.nextInt(10);
            boolean ok = dice < 4 ? read(c, process, k) : dice < 8 ? write(c, process, k) : cas(c, process, k, rng);
            if (!ok) {
                process += workers;
            }
        }
    }

    private boolean read(TempoClient c, long p, long k) {
        long t0 = invoke(p, "read", k, null);
        try {
            Optional<String> v = c.get("k" + k).get();
            complete(p, Op.Type.OK, "read", k, v.map(Long::parseLong).orElse(null), t0);
            return true;
        } catch (Exception e) {
            return fail(p, "read", k, null, e, t0);
        }
    }

    private boolean write(TempoClient c, long p, long k) {
        long v = values.incrementAndGet();
        long t0 = invoke(p, "write", k, v);
        try {
            c.put("k" + k, Long.toString(v)).get();
            complete(p, Op.Type.OK, "write", k, v, t0);
            return true;
        } catch (Exception e) {
            return fail(p, "write", k, v, e, t0);
        }
    }

    private boolean cas(TempoClient c, long p, long k, SplittableRandom rng) {
        long expected = 1 + rng.nextInt((int) Math.max(1, values.get()));
        long v = values.incrementAndGet();
        List<Long> value = Arrays.asList(expected, v);
        long t0 = invoke(p, "cas", k, value);
        try {
            CasResult r = c.cas("k" + k, Long.toString(expected), Long.toString(v)).get();
            complete(p, r.applied() ? Op.Type.OK : Op.Type.FAIL, "cas", k, value, t0);
            return true;
        } catch (Exception e) {
            return fail(p, "cas", k, value, e, t0);
        }
    }

    /** Definitely not applied: :fail. Anything else (timeout, lost connection): :info. */
    private boolean fail(long p, String f, long k, Object value, Exception e, long t0) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        boolean definite = cause instanceof RequestRejectedException || cause instanceof NoEndpointReachableException;
        complete(p, definite ? Op.Type.FAIL : Op.Type.INFO, f, k, value, t0);
        return definite;
    }

    private synchronized long invoke(long p, String f, long k, Object value) {
        long now = System.nanoTime() - startNanos;
        history.add(new Op(history.size(), Op.Type.INVOKE, p, f, Arrays.asList(k, value), now));
        return now;
    }

    private synchronized void complete(long p, Op.Type type, String f, long k, Object value, long t0) {
        long now = System.nanoTime() - startNanos;
        history.add(new Op(history.size(), type, p, f, Arrays.asList(k, value), now));
        completions[type == Op.Type.OK ? 0 : type == Op.Type.FAIL ? 1 : 2]++;
        if (type == Op.Type.OK) {
            latencies.add(now - t0);
        }
    }

    public synchronized List<Op> history() {
        return List.copyOf(history);
    }

    public synchronized long[] completions() {
        return completions.clone();
    }

    /** p50 and p99 of ok operations, in milliseconds. */
    public synchronized double[] latencyMillis() {
        if (latencies.isEmpty()) {
            return new double[2];
        }
        List<Long> s = new ArrayList<>(latencies);
        s.sort(null);
        return new double[] {s.get(s.size() / 2) / 1e6, s.get(Math.min(s.size() - 1, (int) (s.size() * 0.99))) / 1e6};
    }
}
