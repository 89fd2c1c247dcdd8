package io.tempokv.verify.cluster;

import io.tempokv.check.Model;
import io.tempokv.check.Op;
import io.tempokv.client.NoEndpointReachableException;
import io.tempokv.client.RequestRejectedException;
import io.tempokv.client.TempoClient;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;

/**
 * A Jepsen-style workload on independent keys: each worker does one operation at a time on the key
 * the {@link Generator} picks and records invoke/ok/fail/info as {@code [key value]} tuples. After
 * an :info (outcome unknown) the worker continues as a new process, as Jepsen does, because the
 * old one may still have an operation in flight.
 */
public abstract class KeyedWorkload {
    protected final History history;
    private final Generator generator;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stop;
    /** Why operations failed or ended unknown, by exception class and message: bounded to 32 distinct reasons. */
    private final java.util.Map<String, Long> errors = new java.util.LinkedHashMap<>();

    protected KeyedWorkload(History history, Generator generator) {
        this.history = history;
        this.generator = generator;
    }

    /** The Jepsen name of the workload, e.g. {@code register}. */
    public abstract String name();

    /** The model its per-key histories are checked against. */
    public abstract Model model();

    /** One operation on {@code key}; false when its outcome is unknown (:info). */
    protected abstract boolean operate(TempoClient c, long process, long key, SplittableRandom rng);

    /** Reads {@code key} as a normal operation, for the final reads; false when :info. */
    protected abstract boolean read(TempoClient c, long process, long key);

    public History history() {
        return history;
    }

    /** Starts one worker per client; clients.size() must be at least the concurrency. */
    public void start(List<TempoClient> clients) {
        for (int i = 0; i < generator.concurrency(); i++) {
            int w = i;
            Thread t = new Thread(() -> work(w, clients.get(w)), name() + "-worker-" + w);
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
        try {
            while (!stop) {
                long key = generator.next(w);
                if (!stop && !operate(c, process, key, rng)) {
                    process += generator.concurrency();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** How the final reads went: how many were made, and how many completed :ok. */
    public record FinalReads(int attempted, int ok) {
        /** True when every final read completed :ok: the cluster recovered from the faults. */
        public boolean allOk() {
            return ok == attempted;
        }
    }

    /** Reads every key the run touched, as processes no worker used, so each key ends with a read. */
    public FinalReads finalReads(TempoClient c) {
        long process = history.ops().stream().mapToLong(Op::process).max().orElse(0) + 1;
        long okBefore = history.completions()[0];
        int attempted = 0;
        for (long key : generator.touched()) {
            attempted++;
            if (!read(c, process, key)) {
                process++;
            }
        }
        return new FinalReads(attempted, (int) (history.completions()[0] - okBefore));
    }

    /** Records a failed operation: :fail when it surely did not apply, :info otherwise. */
    protected boolean failed(long p, String f, long key, Object value, Exception e, long t0) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        boolean definite = cause instanceof RequestRejectedException || cause instanceof NoEndpointReachableException;
        history.complete(p, definite ? Op.Type.FAIL : Op.Type.INFO, f, key, value, t0);
        String reason = (definite ? ":fail " : ":info ") + f + ": " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
        synchronized (errors) {
            if (errors.containsKey(reason) || errors.size() < 32) {
                errors.merge(reason, 1L, Long::sum);
            }
        }
        return definite;
    }

    /** The reasons of :fail and :info completions with their counts (the first 32 distinct ones). */
    public java.util.Map<String, Long> errors() {
        synchronized (errors) {
            return new java.util.LinkedHashMap<>(errors);
        }
    }
}
