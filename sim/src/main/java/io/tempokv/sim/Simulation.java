package io.tempokv.sim;

import io.tempokv.core.CommandId;
import io.tempokv.core.InvariantViolation;
import io.tempokv.core.Outbox;
import io.tempokv.core.Replica;
import io.tempokv.core.ReplicaConfig;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.core.Stats;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.InMemoryStore;
import io.tempokv.wire.Codec;
import io.tempokv.wire.WireFormatException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A deterministic world of replicas of one shard: a seeded network (delays, loss, duplicates,
 * partitions), crashes and restarts from each node's store, and simulated time in ticks. One seed
 * determines everything. Tests script it directly; {@link RandomRun} drives it with random faults.
 */
public final class Simulation {
    /** A test hook that can drop chosen messages (for scripted scenarios). */
    public interface MessageFilter {
        boolean drop(int from, int to, Message m);
    }

    /** A test hook that chooses the delay of chosen messages; 0 keeps the network's random delay. */
    public interface DelayOverride {
        int delay(int from, int to, Message m);
    }

    private sealed interface Event permits Deliver, Submit, ClientReply, Timer {
    }

    private record Deliver(int from, int to, Message message) implements Event {
    }

    private record Submit(int node, Request request) implements Event {
    }

    private record ClientReply(int node, Reply reply) implements Event {
    }

    private record Timer(Runnable action) implements Event {
    }

    private record Scheduled(long time, long seq, Event event) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final long seed;
    private final SplittableRandom rng;
    private final ReplicaConfig baseConfig;
    private final List<Integer> members;
    private final Node[] nodes;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final Partitions partitions = new Partitions();
    private final Observations observations;
    private final StringBuilder trace;
    private long time;
    private long eventSeq;
    private double dropRate;
    private double duplicateRate;
    private int minDelay = 1;
    private int maxDelay = 1;
    private MessageFilter filter = (from, to, m) -> false;
    private DelayOverride delayOverride = (from, to, m) -> 0;
    private Consumer<Reply> replySink = r -> { };
    private final Stats retiredStats = new Stats();
    // The codec is a pure function, so a message equal to one already checked needs no second round
    // trip: a broadcast repeats one object, and heartbeat summaries repeat themselves. Bounded LRU.
    private final Map<Message, Message> codecChecked = new LinkedHashMap<>(128, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Message, Message> eldest) {
            return size() > CODEC_MEMO_MAX;
        }
    };
    private static final int CODEC_MEMO_MAX = 64;

    private static final class Node {
        final int id;
        final InMemoryStore store = new InMemoryStore();
        Replica replica;
        int incarnation;
        boolean crashAfterNextSend;
        long slowUntil;
        int slowMin;
        int slowMax;

        Node(int id) {
            this.id = id;
        }
    }

    public Simulation(long seed, ReplicaConfig baseConfig, boolean traced) {
        this.seed = seed;
        this.rng = new SplittableRandom(seed);
        this.baseConfig = baseConfig;
        this.members = baseConfig.members();
        this.nodes = new Node[members.get(members.size() - 1) + 1];
        this.trace = traced ? new StringBuilder() : null;
        this.observations = new Observations(members);
        for (int id : members) {
            nodes[id] = new Node(id);
            start(nodes[id]);
        }
    }

    public static ReplicaConfig config(int n, int f, int buckets) {
        List<Integer> ms = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ms.add(i);
        }
        return new ReplicaConfig(0, 1, ms, 1, f, buckets, ReplicaConfig.Timing.defaults(), ReplicaConfig.Limits.defaults());
    }

    // ------------------------------------------------------------ network settings and faults

    public void setNetwork(double dropRate, double duplicateRate, int minDelay, int maxDelay) {
        this.dropRate = dropRate;
        this.duplicateRate = duplicateRate;
        this.minDelay = minDelay;
        this.maxDelay = Math.max(minDelay, maxDelay);
        log("network drop=" + dropRate + " dup=" + duplicateRate + " delay=" + minDelay + ".." + this.maxDelay);
    }

    public void setFilter(MessageFilter filter) {
        this.filter = filter;
    }

    public void setDelayOverride(DelayOverride override) {
        this.delayOverride = override;
    }

    public void onReply(Consumer<Reply> sink) {
        this.replySink = sink;
    }

    public Partitions partitions() {
        return partitions;
    }

    public void isolate(int node) {
        partitions.isolate(node, members);
        log("isolate " + node);
    }

    public void split(List<Integer> a, List<Integer> b) {
        partitions.split(a, b);
        log("split " + a + " | " + b);
    }

    public void heal() {
        partitions.heal();
        log("heal");
    }

    public void crash(int id) {
        Node node = nodes[id];
        if (node.replica == null) {
            return;
        }
        accumulate(node.replica.stats());
        node.replica = null;
        node.crashAfterNextSend = false;
        log("crash " + id);
        // A killed process resets its connections, and a host sees that at once; a machine that
        // vanishes does not. Each peer learns of the crash from its link or only from the silence.
        for (int m : members) {
            if (m != id && nodes[m].replica != null && rng.nextBoolean()) {
                nodes[m].replica.setReachable(id, false);
                log("link " + m + "->" + id + " down");
            }
        }
    }

    /** Crash the node right after its next step that sends messages, delivering only some of them. */
    public void crashDuringNextSend(int id) {
        if (nodes[id].replica != null) {
            nodes[id].crashAfterNextSend = true;
            log("crash-during-next-send " + id);
        }
    }

    public void restart(int id) {
        Node node = nodes[id];
        if (node.replica != null) {
            return;
        }
        start(node);
        for (int m : members) {
            if (m != id && nodes[m].replica != null) {
                nodes[m].replica.setReachable(id, true);
            }
        }
        log("restart " + id + " incarnation " + node.incarnation);
    }

    private void start(Node node) {
        node.incarnation++;
        long nodeSeed = seed * 1_000_003L + node.id * 7919L + node.incarnation;
        node.replica = Replica.open(baseConfig.withSelf(node.id), node.store, new SplittableRandom(nodeSeed));
    }

    public boolean up(int id) {
        return nodes[id].replica != null;
    }

    public List<Integer> members() {
        return members;
    }

    public Replica replica(int id) {
        return nodes[id].replica;
    }

    public InMemoryStore store(int id) {
        return nodes[id].store;
    }

    // ------------------------------------------------------------ clients

    /** A client request reaches the node after a network delay (lost if the node is down then). */
    public void submit(int node, Request request) {
        schedule(delay(), new Submit(node, request));
    }

    /** Run an action at a later tick (clients' timers, fault schedules). */
    public void at(long delayTicks, Runnable action) {
        schedule(Math.max(0, delayTicks), new Timer(action));
    }

    // ------------------------------------------------------------ time

    public long time() {
        return time;
    }

    public SplittableRandom random() {
        return rng;
    }

    /** Advance time until the condition holds (checked after every tick) or the limit passes. */
    public boolean runUntil(BooleanSupplier done, long maxTicks) {
        long limit = time + maxTicks;
        while (time < limit) {
            if (observations.failed()) {
                return false;
            }
            tickOnce();
            if (done.getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    public void runFor(long ticks) {
        runUntil(() -> false, ticks);
    }

    private void tickOnce() {
        while (!queue.isEmpty() && queue.peek().time() <= time) {
            dispatch(queue.poll().event());
        }
        for (int id : members) {
            Node node = nodes[id];
            if (node.replica != null) {
                step(node, r -> r.tick());
            }
        }
        time++;
    }

    private void dispatch(Event e) {
        if (e instanceof Deliver d) {
            Node node = nodes[d.to()];
            if (node.replica != null && !partitions.blocked(d.from(), d.to())) {
                if (trace != null) {
                    traceLine(d.from() + "->" + d.to() + " " + d.message());
                }
                step(node, r -> r.handle(d.from(), d.message()));
            }
        } else if (e instanceof Submit s) {
            Node node = nodes[s.node()];
            if (node.replica != null) {
                if (trace != null) {
                    traceLine("submit@" + s.node() + " " + s.request());
                }
                step(node, r -> r.submit(s.request()));
            }
        } else if (e instanceof ClientReply c) {
            if (trace != null) {
                traceLine("reply from " + c.node() + " " + c.reply());
            }
            replySink.accept(c.reply());
        } else if (e instanceof Timer t) {
            t.action().run();
        }
    }

    private void step(Node node, Consumer<Replica> action) {
        try {
            action.accept(node.replica);
        } catch (InvariantViolation v) {
            observations.violation("invariant violated at node " + node.id + " (t=" + time + "): " + v.getMessage());
            accumulate(node.replica.stats());
            node.replica = null;
            return;
        }
        drain(node);
    }

    private void drain(Node node) {
        Outbox out = node.replica.outbox();
        List<Outbox.Envelope> sends = out.drainSends();
        List<Reply> replies = out.drainReplies();
        // A step installs a snapshot (while handling a message) before it executes anything.
        for (Outbox.Installed in : out.drainInstalled()) {
            observations.installed(in);
        }
        for (Outbox.Executed e : out.drainExecuted()) {
            observations.executed(e);
        }
        out.drainRejections();
        out.drainCaughtUp().forEach(observations::caughtUp);
        for (Outbox.Envelope e : sends) {
            if (e.message() instanceof io.tempokv.core.message.MSnapshot snapshot && snapshot.part() == 0) {
                observations.snapshotSent(node.id, snapshot);
            }
            if (e.message() instanceof io.tempokv.core.message.MCommit c) {
                checkSupport(node.id, c);
            }
            String problem = Durability.revealedButNotStored(node.store, e.message());
            if (problem != null) {
                observations.violation("node " + node.id + " sent " + e.message().getClass().getSimpleName() + " before storing: " + problem);
            }
        }
        boolean crashNow = node.crashAfterNextSend && !sends.isEmpty();
        int keep = crashNow ? rng.nextInt(sends.size() + 1) : sends.size();
        for (int i = 0; i < keep; i++) {
            route(node.id, sends.get(i));
        }
        for (Reply r : replies) {
            if (!crashNow || rng.nextBoolean()) {
                schedule(delay(), new ClientReply(node.id, r));
            }
        }
        if (crashNow) {
            log("crashed " + node.id + " after sending " + keep + " of " + sends.size() + " messages");
            crash(node.id);
        }
    }

    private final java.util.Set<CommandId> supportChecked = new java.util.HashSet<>();

    /**
     * INV-SUPPORT (the spec's S8), checked over every store when a command's first MCommit leaves:
     * at least floor(n/2) + 1 replicas hold an attached promise (their durable proposal) for it at
     * or below its timestamp. Without it a majority could have promised the timestamp detached,
     * and stability could be declared while the command is unknown.
     */
    private void checkSupport(int from, io.tempokv.core.message.MCommit c) {
        if (!supportChecked.add(c.id())) {
            return;
        }
        int support = 0;
        StringBuilder seen = new StringBuilder();
        for (int id : members) {
            io.tempokv.core.store.CommandRecord r = nodes[id].store.command(c.id());
            long proposal = r == null ? 0 : r.proposal();
            seen.append(' ').append(id).append(':').append(proposal);
            if (proposal > 0 && proposal <= c.ts()) {
                support++;
            }
        }
        if (support < baseConfig.stabilityThreshold()) {
            observations.violation("INV-SUPPORT: " + c.id() + " committed at " + c.ts() + " by node " + from + " with only " + support
                    + " attached promises at or below it (need " + baseConfig.stabilityThreshold() + "; proposals" + seen + ")");
        }
    }

    private void route(int from, Outbox.Envelope e) {
        Message m = throughCodec(from, e.message());
        if (m == null) {
            return;
        }
        if (partitions.blocked(from, e.to()) || filter.drop(from, e.to(), m)) {
            return;
        }
        if (dropRate > 0 && rng.nextDouble() < dropRate) {
            return;
        }
        int forced = delayOverride.delay(from, e.to(), m);
        schedule((forced > 0 ? forced : delay()) + slowDelay(from, e.to()), new Deliver(from, e.to(), m));
        if (duplicateRate > 0 && rng.nextDouble() < duplicateRate) {
            schedule(delay(), new Deliver(from, e.to(), m));
        }
    }

    /**
     * Every sent message crosses the real wire codec, as it would between servers, and the receiver
     * gets the decoded copy: a message the codec cannot carry faithfully is a violation, not a silent
     * difference between simulated and deployed runs. Returns null (message lost) in that case.
     */
    private Message throughCodec(int from, Message m) {
        Message checked = codecChecked.get(m);
        if (checked != null) {
            return checked;
        }
        try {
            Message copy = Codec.decodePeer(Codec.encodePeer(baseConfig.shard(), from, m)).message();
            if (copy.equals(m)) {
                codecChecked.put(m, copy);
                return copy;
            }
            observations.violation("wire codec changed a message of node " + from + ": sent " + m + ", decoded " + copy);
        } catch (WireFormatException ex) {
            observations.violation("wire codec cannot decode a " + m.getClass().getSimpleName() + " of node " + from
                    + ": " + ex.getMessage() + " (message " + m + ")");
        }
        return null;
    }

    /**
     * Make a node slow until the given time: every message to or from it takes between min and max
     * ticks more (a loaded or cold process; Fault.SLOW).
     */
    public void slow(int id, long until, int min, int max) {
        nodes[id].slowUntil = until;
        nodes[id].slowMin = min;
        nodes[id].slowMax = max;
        log("slow " + id + " until " + until + " (+" + min + ".." + max + " ticks per message)");
    }

    private int slowDelay(int from, int to) {
        return Math.max(slowDelay(nodes[from]), slowDelay(nodes[to]));
    }

    private int slowDelay(Node n) {
        return n.slowUntil > time ? n.slowMin + rng.nextInt(n.slowMax - n.slowMin + 1) : 0;
    }

    private int delay() {
        return minDelay == maxDelay ? minDelay : minDelay + rng.nextInt(maxDelay - minDelay + 1);
    }

    private void schedule(long delayTicks, Event e) {
        queue.add(new Scheduled(time + delayTicks, eventSeq++, e));
    }

    // ------------------------------------------------------------ observation

    public Observations observations() {
        return observations;
    }

    private void accumulate(Stats s) {
        addInto(retiredStats, s);
    }

    /** Counters summed over every incarnation of every node. */
    public Stats totals() {
        Stats t = new Stats();
        addInto(t, retiredStats);
        for (int id : members) {
            if (nodes[id].replica != null) {
                addInto(t, nodes[id].replica.stats());
            }
        }
        return t;
    }

    private static void addInto(Stats t, Stats s) {
        t.submitted += s.submitted;
        t.fastPaths += s.fastPaths;
        t.slowPaths += s.slowPaths;
        t.degradedSubmits += s.degradedSubmits;
        t.recoveriesStarted += s.recoveriesStarted;
        t.recoveryCommits += s.recoveryCommits;
        t.commitRequests += s.commitRequests;
        t.commits += s.commits;
        t.executed += s.executed;
        t.duplicatesSuppressed += s.duplicatesSuppressed;
        t.collected += s.collected;
        t.snapshotsRequested += s.snapshotsRequested;
        t.snapshotsSent += s.snapshotsSent;
        t.snapshotsInstalled += s.snapshotsInstalled;
        t.caughtUp += s.caughtUp;
        t.requestsExpired += s.requestsExpired;
        s.outcomes.forEach((k, v) -> t.outcomes.merge(k, v, Long::sum));
    }

    /** True when every node is up and no node holds an uncommitted or unexecuted command. */
    public boolean quiescent() {
        for (int id : members) {
            Replica r = nodes[id].replica;
            if (r == null) {
                return false;
            }
        }
        return observations.allExecutedEverywhere(this);
    }

    /** Has node id executed command c (in any incarnation)? */
    public boolean executedAt(int id, CommandId c) {
        return observations.executedAt(id, c);
    }

    public String trace() {
        return trace == null ? "" : trace.toString();
    }

    void log(String line) {
        traceLine("# " + line);
    }

    private void traceLine(String line) {
        if (trace != null) {
            trace.append(time).append(' ').append(line).append('\n');
        }
    }
}
