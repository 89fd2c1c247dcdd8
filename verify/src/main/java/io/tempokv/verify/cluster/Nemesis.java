package io.tempokv.verify.cluster;

import io.tempokv.verify.cluster.Cluster.Capability;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import us.bpsm.edn.Keyword;

/**
 * Faults on a schedule, like Jepsen's combined nemesis: a quiet period, then one fault of a kind
 * chosen at random from the enabled ones, held for the same period, then healed; until stopped.
 * Faults never overlap: each is healed before the next quiet period, so healing only ever has one
 * fault to undo. Each start and stop is a :nemesis :info op in the history, as in Jepsen:
 * {@code :start-kill}/{@code :stop-kill} and {@code :start-pause}/{@code :stop-pause} with the
 * nodes, {@code :start-partition}/{@code :stop-partition} with the kind and the grudge, and
 * {@code :start-clock}/{@code :stop-clock} with the kind and the offsets set (the stop also carries
 * the offsets the nodes' processes were seen to have, when the cluster can tell).
 */
public final class Nemesis {
    /** A fault kind: its name on the command line, its family (the :f of its history ops), what the cluster must be able to do. */
    public enum Fault {
        /** SIGKILL a minority, restart it at the heal. */
        KILL("kill", "kill", Capability.PROCESS, 2),
        /** SIGSTOP a minority, SIGCONT at the heal. */
        PAUSE("pause", "pause", Capability.PROCESS, 2),
        /** Cut one node off from all others. */
        PARTITION_ONE("partition-one", "partition", Capability.NETWORK, 2),
        /** Random halves: a minority against a majority. */
        PARTITION_MAJORITY("partition-majority", "partition", Capability.NETWORK, 2),
        /** Two halves joined through one node that sees both. */
        PARTITION_BRIDGE("partition-bridge", "partition", Capability.NETWORK, 3),
        /** Every node sees a majority, each a different one. */
        PARTITION_RING("partition-ring", "partition", Capability.NETWORK, 4),
        /** Different offsets (up to two minutes either way) on some nodes. */
        CLOCK_SKEW("clock-skew", "clock", Capability.CLOCK, 1),
        /** A big one-time jump (10 minutes to 2 hours either way) on some nodes. */
        CLOCK_JUMP("clock-jump", "clock", Capability.CLOCK, 1),
        /** Some nodes' clocks flip between real time and an offset every second. */
        CLOCK_STROBE("clock-strobe", "clock", Capability.CLOCK, 1);

        private final String keyword;
        private final String family;
        private final Capability capability;
        private final int minNodes;

        Fault(String keyword, String family, Capability capability, int minNodes) {
            this.keyword = keyword;
            this.family = family;
            this.capability = capability;
            this.minNodes = minNodes;
        }

        /** The command-line name, e.g. {@code partition-bridge}; also the label in plots and the timeline. */
        public String keyword() {
            return keyword;
        }

        /** kill, pause, partition or clock: the history ops are {@code :start-<family>} and {@code :stop-<family>}. */
        public String family() {
            return family;
        }

        /** The kind within the family ({@code bridge}, {@code skew}); the keyword for kill and pause. */
        public String kind() {
            return keyword.equals(family) ? keyword : keyword.substring(family.length() + 1);
        }

        public Capability capability() {
            return capability;
        }

        /** The smallest cluster the fault makes sense for. */
        public int minNodes() {
            return minNodes;
        }

        public static Fault ofKeyword(String keyword) {
            for (Fault f : values()) {
                if (f.keyword.equals(keyword)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** The names {@link #parseFaults} accepts, for help texts. */
    public static final String FAULT_NAMES = "kill, pause, partition (= partition-one, partition-majority, partition-bridge, "
            + "partition-ring), clock (= clock-skew, clock-jump, clock-strobe), all, or none";

    /**
     * Faults from a comma-separated list of {@link #FAULT_NAMES}. A family name stands for its kinds
     * that make sense for {@code nodes} (partition-ring needs 4), {@code all} for every kind the
     * capabilities allow; a kind named on its own that cannot work with {@code nodes} is an error.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static List<Fault> parseFaults(String spec, int nodes, Set<Capability> capabilities) {
        List<Fault> out = new ArrayList<>();
        if (spec.trim().equals("none")) {
            return out;
        }
        for (String raw : spec.split(",")) {
            String part = raw.trim().toLowerCase(Locale.ROOT);
            List<Fault> add = new ArrayList<>();
            if (part.equals("all")) {
                for (Fault f : Fault.values()) {
                    if (capabilities.contains(f.capability()) && nodes >= f.minNodes()) {
                        add.add(f);
                    }
                }
            } else if (Fault.ofKeyword(part) != null) {
                Fault f = Fault.ofKeyword(part);
                if (nodes < f.minNodes()) {
                    throw new IllegalArgumentException(part + " needs at least " + f.minNodes() + " nodes, the cluster has " + nodes
                            + (f == Fault.PARTITION_RING ? " (with 3, every node seeing a majority cuts no link)" : ""));
                }
                add.add(f);
            } else if (part.equals("partition") || part.equals("clock")) {
                for (Fault f : Fault.values()) {
                    if (f.family().equals(part) && nodes >= f.minNodes()) {
                        add.add(f);
                    }
                }
            } else {
                throw new IllegalArgumentException("unknown fault '" + raw.trim() + "'; the faults are " + FAULT_NAMES);
            }
            for (Fault f : add) {
                if (!out.contains(f)) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** A short name for a list of faults, as used in test names: a family stands for several of its kinds. */
    public static String describe(List<Fault> faults) {
        if (faults.isEmpty()) {
            return "none";
        }
        Map<String, List<Fault>> byFamily = new LinkedHashMap<>();
        faults.forEach(f -> byFamily.computeIfAbsent(f.family(), k -> new ArrayList<>()).add(f));
        return byFamily.entrySet().stream().map(e -> e.getValue().size() == 1 ? e.getValue().get(0).keyword() : e.getKey())
                .collect(Collectors.joining("+"));
    }

    /**
     * When a fault was active, in history time (nanoseconds): its kind, the nodes it was about (the
     * killed, paused, cut-off or skewed ones; for a ring, all), and a one-line description.
     */
    public record Interval(Fault fault, List<Integer> nodes, long startNanos, long endNanos, String detail) {
        public Interval {
            nodes = List.copyOf(nodes);
        }
    }

    /** A fault under way: what to record and how to heal it. */
    private record Active(Fault fault, List<Integer> nodes, long startNanos, String detail) {
    }

    static final long STROBE_PERIOD_MILLIS = 1000;

    private final Cluster cluster;
    private final History history;
    private final List<Fault> faults;
    private final long intervalMillis;
    private final Random random;
    private final PrintStream log;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final List<Interval> intervals = Collections.synchronizedList(new ArrayList<>());
    private final RestartTimer restartTimer;
    private Thread thread;
    private volatile Exception error;

    /**
     * @throws UnsupportedOperationException when a fault needs something the cluster cannot do
     *                                       (partitions and clocks on a {@link LocalCluster})
     */
    public Nemesis(Cluster cluster, History history, List<Fault> faults, long intervalMillis, long seed, PrintStream log) {
        Set<Capability> can = cluster.capabilities();
        for (Fault f : faults) {
            if (!can.contains(f.capability())) {
                throw new UnsupportedOperationException(f.keyword() + " needs a cluster that can " + switch (f.capability()) {
                    case PROCESS -> "signal its nodes' processes";
                    case NETWORK -> "cut its nodes' network (--cluster testbed or ssh)";
                    case CLOCK -> "skew its nodes' clocks (--cluster testbed or ssh, set up for clock faults)";
                } + "; " + cluster.getClass().getSimpleName() + " can " + can);
            }
            if (cluster.nodeIds().size() < f.minNodes()) {
                throw new IllegalArgumentException(f.keyword() + " needs at least " + f.minNodes() + " nodes, the cluster has "
                        + cluster.nodeIds().size());
            }
        }
        this.cluster = cluster;
        this.history = history;
        this.faults = List.copyOf(faults);
        this.intervalMillis = intervalMillis;
        this.random = new Random(seed);
        this.log = log;
        this.restartTimer = new RestartTimer(cluster, history::now);
    }

    public void start() {
        thread = new Thread(this::run, "nemesis");
        thread.start();
    }

    private void run() {
        try {
            while (!faults.isEmpty() && !stopped.await(intervalMillis, TimeUnit.MILLISECONDS)) {
                Active a = begin(faults.get(random.nextInt(faults.size())));
                stopped.await(intervalMillis, TimeUnit.MILLISECONDS);
                end(a);
                intervals.add(new Interval(a.fault(), a.nodes(), a.startNanos(), history.now(), a.detail()));
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
        return sorted(ids.subList(0, Math.max(1, Math.min(count, f))));
    }

    /** A random non-empty subset of the nodes, of any size: clocks may be wrong anywhere. */
    List<Integer> someNodes() {
        List<Integer> ids = new ArrayList<>(cluster.nodeIds());
        Collections.shuffle(ids, random);
        return sorted(ids.subList(0, 1 + random.nextInt(ids.size())));
    }

    /** The grudge for a partition kind, on a random order of the nodes. */
    Grudge grudge(Fault f) {
        List<Integer> ids = cluster.nodeIds();
        return switch (f) {
            case PARTITION_ONE -> Grudge.isolate(ids, ids.get(random.nextInt(ids.size())));
            case PARTITION_MAJORITY -> Grudge.randomHalves(ids, random);
            case PARTITION_BRIDGE -> Grudge.randomBridge(ids, random);
            case PARTITION_RING -> Grudge.randomMajoritiesRing(ids, random);
            default -> throw new IllegalArgumentException(f + " is not a partition");
        };
    }

    /** A signed offset with magnitude in [min, max] seconds. */
    private long offset(long min, long max) {
        long magnitude = min + (long) (random.nextDouble() * (max - min + 1));
        return random.nextBoolean() ? magnitude : -magnitude;
    }

    private Active begin(Fault f) throws IOException, InterruptedException {
        long at = history.now();
        switch (f) {
            case KILL, PAUSE -> {
                List<Integer> nodes = targets();
                history.nemesis("start-" + f.family(), nodes);
                for (int id : nodes) {
                    if (f == Fault.KILL) {
                        cluster.kill(id);
                    } else {
                        cluster.pause(id);
                    }
                }
                return started(f, nodes, at, "nodes " + nodes);
            }
            case PARTITION_ONE, PARTITION_MAJORITY, PARTITION_BRIDGE, PARTITION_RING -> {
                Grudge g = grudge(f);
                history.nemesis("start-partition", Map.of(kw("kind"), kw(f.kind()), kw("grudge"), g.drops()));
                cluster.partition(g);
                return started(f, about(f, g), at, partitionDetail(f, g));
            }
            case CLOCK_SKEW, CLOCK_JUMP -> {
                Map<Integer, Long> offsets = new TreeMap<>();
                for (int id : someNodes()) {
                    offsets.put(id, f == Fault.CLOCK_SKEW ? offset(1, 120) : offset(600, 7200));
                }
                history.nemesis("start-clock", Map.of(kw("kind"), kw(f.kind()), kw("offsets"), offsets));
                cluster.setClockOffsets(offsets);
                return started(f, List.copyOf(offsets.keySet()), at, "offsets (s) " + signed(offsets));
            }
            case CLOCK_STROBE -> {
                List<Integer> nodes = someNodes();
                long delta = offset(5, 60);
                Map<Object, Object> value = new LinkedHashMap<>();
                value.put(kw("kind"), kw("strobe"));
                value.put(kw("nodes"), nodes);
                value.put(kw("delta"), delta);
                value.put(kw("period-ms"), STROBE_PERIOD_MILLIS);
                history.nemesis("start-clock", value);
                cluster.strobeClocks(nodes, delta, STROBE_PERIOD_MILLIS);
                return started(f, nodes, at, "flipping between +0 and " + (delta > 0 ? "+" : "") + delta + " s every "
                        + STROBE_PERIOD_MILLIS + " ms on " + nodes);
            }
            default -> throw new IllegalStateException("unknown fault " + f);
        }
    }

    private Active started(Fault f, List<Integer> nodes, long at, String detail) {
        log.println("verify: nemesis " + f.keyword() + ": " + detail);
        return new Active(f, nodes, at, detail);
    }

    /** The nodes a partition is about: the cut-off node, the minority, the bridge, or (ring) all. */
    private static List<Integer> about(Fault f, Grudge g) {
        List<Integer> ids = g.nodes();
        return switch (f) {
            case PARTITION_ONE -> ids.stream().filter(id -> g.sees(id).size() == 1).toList();
            case PARTITION_MAJORITY -> ids.stream().filter(id -> g.sees(id).size() <= ids.size() / 2).toList();
            case PARTITION_BRIDGE -> ids.stream().filter(id -> g.sees(id).size() == ids.size()).toList();
            default -> ids;
        };
    }

    private static String partitionDetail(Fault f, Grudge g) {
        List<Integer> ids = g.nodes();
        return switch (f) {
            case PARTITION_ONE -> "node " + about(f, g).get(0) + " cut off from the others";
            case PARTITION_MAJORITY -> {
                List<Integer> minority = about(f, g);
                List<Integer> majority = ids.stream().filter(id -> !minority.contains(id)).toList();
                yield minority + " | " + majority;
            }
            case PARTITION_BRIDGE -> {
                int bridge = about(f, g).get(0);
                List<Integer> sides = ids.stream().filter(id -> id != bridge).toList();
                int first = sides.get(0);
                List<Integer> a = sides.stream().filter(id -> g.connected(first, id)).toList();
                List<Integer> b = sides.stream().filter(id -> !g.connected(first, id)).toList();
                yield a + " | " + b + ", bridged by node " + bridge;
            }
            default -> "ring: " + g.describe();
        };
    }

    private void end(Active a) throws IOException, InterruptedException {
        Fault f = a.fault();
        Object value = a.nodes();
        switch (f.family()) {
            case "kill" -> {
                for (int id : a.nodes()) {
                    restartTimer.starting(id);
                    cluster.start(id);
                }
            }
            case "pause" -> {
                for (int id : a.nodes()) {
                    cluster.resume(id);
                }
            }
            case "partition" -> {
                cluster.healPartition();
                value = Map.of(kw("kind"), kw(f.kind()));
            }
            case "clock" -> {
                Map<Integer, Long> seen = cluster.observedClockOffsets();
                cluster.resetClocks();
                value = Map.of(kw("kind"), kw(f.kind()), kw("observed-offsets"), seen);
                if (!seen.isEmpty()) {
                    log.println("verify: nemesis " + f.keyword() + ": the nodes' processes saw offsets (s) " + signed(seen)
                            + " before the reset");
                }
            }
            default -> throw new IllegalStateException("unknown fault family " + f.family());
        }
        history.nemesis("stop-" + f.family(), value);
        log.println("verify: nemesis healed " + f.keyword());
    }

    /**
     * Ends the schedule (healing the current fault), then makes sure every node is whole: resumed,
     * its network healed, its clock reset, and started.
     */
    public void stopAndHeal() throws IOException, InterruptedException {
        stopped.countDown();
        if (thread != null) {
            thread.join();
        }
        Set<Capability> used = EnumSet.noneOf(Capability.class);
        faults.forEach(f -> used.add(f.capability()));
        for (int id : cluster.nodeIds()) {
            cluster.resume(id);
        }
        if (used.contains(Capability.NETWORK)) {
            cluster.healPartition();
        }
        if (used.contains(Capability.CLOCK)) {
            cluster.resetClocks();
        }
        for (int id : cluster.nodeIds()) {
            cluster.start(id);
        }
        if (error != null) {
            throw new IOException("nemesis failed: " + error.getMessage(), error);
        }
    }

    public List<Interval> intervals() {
        return List.copyOf(intervals);
    }

    /** How long each node restarted at a kill's heal took to be ready; waits for the ones still starting. */
    public List<RestartTimer.Restart> restarts() throws InterruptedException {
        return restartTimer.restarts();
    }

    private static Keyword kw(String name) {
        return Keyword.newKeyword(name);
    }

    private static String signed(Map<Integer, Long> offsets) {
        return offsets.entrySet().stream().map(e -> e.getKey() + ": " + (e.getValue() >= 0 ? "+" : "") + e.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    private static List<Integer> sorted(List<Integer> ids) {
        List<Integer> s = new ArrayList<>(ids);
        s.sort(null);
        return s;
    }
}
