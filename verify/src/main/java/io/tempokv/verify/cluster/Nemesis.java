package io.tempokv.verify.cluster;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Faults on a schedule: a quiet period, then one fault (a kind from the enabled ones, on one node,
 * a minority, or all but a quorum, chosen at random each time), held for the same period, then
 * healed; until stopped. Each start and stop is a :nemesis :info op in the history, as in Jepsen.
 */
public final class Nemesis {
    /** A fault kind and the history :f names of its two ends. */
    public enum Fault {
        KILL, PAUSE;

        public String keyword() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** When a fault was active, in history time (nanoseconds). */
    public record Interval(Fault fault, List<Integer> nodes, long startNanos, long endNanos) {
    }

    private final Cluster cluster;
    private final History history;
    private final List<Fault> faults;
    private final long intervalMillis;
    private final Random random;
    private final PrintStream log;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Interval> intervals = Collections.synchronizedList(new ArrayList<>());
    private Thread thread;
    private volatile Exception error;

    public Nemesis(Cluster cluster, History history, List<Fault> faults, long intervalMillis, long seed, PrintStream log) {
        this.cluster = cluster;
        this.history = history;
        this.faults = List.copyOf(faults);
        this.intervalMillis = intervalMillis;
        this.random = new Random(seed);
        this.log = log;
    }

    public void start() {
        thread = new Thread(this::run, "nemesis");
        thread.start();
    }

    private void run() {
        try {
            while (!faults.isEmpty() && !stopped.await(intervalMillis, TimeUnit.MILLISECONDS)) {
                Fault f = faults.get(random.nextInt(faults.size()));
                List<Integer> nodes = targets();
                long start = begin(f, nodes);
                stopped.await(intervalMillis, TimeUnit.MILLISECONDS);
                end(f, nodes);
                intervals.add(new Interval(f, nodes, start, history.now()));
            }
        } catch (IOException | RuntimeException e) {
            error = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One node, a random minority, or all but a quorum; never more than f = (n-1)/2 nodes. */
    List<Integer> targets() {
        List<Integer> ids = new ArrayList<>(cluster.nodeIds());
        Collections.shuffle(ids, random);
        int n = ids.size();
        int f = (n - 1) / 2;
        int count = switch (random.nextInt(3)) {
            case 0 -> 1;
            case 1 -> 1 + random.nextInt(Math.max(1, f));
            default -> n - (n / 2 + 1);
        };
        List<Integer> chosen = new ArrayList<>(ids.subList(0, Math.max(1, Math.min(count, f))));
        chosen.sort(null);
        return chosen;
    }

    private long begin(Fault f, List<Integer> nodes) throws IOException, InterruptedException {
        long at = history.now();
        history.nemesis("start-" + f.keyword(), nodes);
        for (int id : nodes) {
            if (f == Fault.KILL) {
                cluster.kill(id);
            } else {
                cluster.pause(id);
            }
        }
        log.println("verify: nemesis " + f.keyword() + " " + nodes);
        return at;
    }

    private void end(Fault f, List<Integer> nodes) throws IOException, InterruptedException {
        for (int id : nodes) {
            if (f == Fault.KILL) {
                cluster.start(id);
            } else {
                cluster.resume(id);
            }
        }
        history.nemesis("stop-" + f.keyword(), nodes);
        log.println("verify: nemesis healed " + nodes);
    }

    /** Ends the schedule (healing the current fault), then resumes and restarts every node. */
    public void stopAndHeal() throws IOException, InterruptedException {
        stopped.countDown();
        if (thread != null) {
            thread.join();
        }
        for (int id : cluster.nodeIds()) {
            cluster.resume(id);
            cluster.start(id);
        }
        if (error != null) {
            throw new IOException("nemesis failed: " + error.getMessage(), error);
        }
    }

    public List<Interval> intervals() {
        return List.copyOf(intervals);
    }
}
