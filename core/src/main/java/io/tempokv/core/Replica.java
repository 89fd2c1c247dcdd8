package io.tempokv.core;

import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MCommitRequest;
import io.tempokv.core.message.MConsensus;
import io.tempokv.core.message.MConsensusAck;
import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPayload;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.MRec;
import io.tempokv.core.message.MRecAck;
import io.tempokv.core.message.MRecNAck;
import io.tempokv.core.message.MSnapshot;
import io.tempokv.core.message.MSnapshotRequest;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.core.store.DurableStore;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.random.RandomGenerator;

/**
 * One replica of one shard running Tempo: a pure state machine driven by {@link #handle},
 * {@link #submit} and {@link #tick}. Each call is one step: it changes state, hands every durable
 * change to the {@link DurableStore}, and only then releases the step's messages to the
 * {@link Outbox}. The section numbers in comments refer to docs/protocol.md.
 */
public final class Replica {
    private final ReplicaConfig config;
    private final int self;
    private final DurableStore store;
    private final RandomGenerator random;
    private final Validator validator;
    private final Promises promises;
    private final Executor executor;
    private final StateMachine stateMachine;
    private final Outbox outbox = new Outbox();
    private final Stats stats = new Stats();

    private long now;
    private long nextSequence;
    private final Map<CommandId, Cmd> cmds = new HashMap<>();
    private final TreeSet<CommandId> uncommitted = new TreeSet<>();
    private final TreeSet<CommandId> executedLive = new TreeSet<>();
    private final Map<Integer, ExecutedSet> executed = new TreeMap<>();
    private final Map<Integer, Map<Integer, ExecutedSet>> peerExecuted = new TreeMap<>();
    /** Ids blocking stability that this replica has no record of: {next ask tick, asks so far}. */
    private final Map<CommandId, long[]> unknownRequested = new TreeMap<>();
    private final long[] lastHeard;
    private final boolean[] unreachable;
    private final Pace pace;
    /** D4c: what the periodic messages last said, and when, so one that says nothing new can wait. */
    private long promisesSentTick = Long.MIN_VALUE / 2;
    private long fullSentTick = Long.MIN_VALUE / 2;
    private boolean changedSinceFull = true;
    private List<MPromises.Collected> horizonSent = List.of();
    private List<MExecuted.OriginExecuted> executedSent;
    private long executedSentTick = Long.MIN_VALUE / 2;
    /** A peer became reachable again: the next full refresh, and the next executed report, go out whatever they say. */
    private boolean refreshOnReconnect;
    private boolean executedOnReconnect;
    /**
     * After a restart (D10): per origin, the executed watermark this replica must reach before it
     * takes client requests or early recovery turns again, the highest its peers reported in their
     * first MExecuted; null once caught up, or for a replica that started empty.
     */
    private Map<Integer, Long> catchUpTarget;
    private final TreeSet<Integer> catchUpHeardFrom = new TreeSet<>();
    /** Where a restart's catch-up time went (D10), in ticks since the restart; -1: not yet. See {@link Outbox.CaughtUp}. */
    private long catchUpReportsTick = -1;
    private long catchUpFirstRequestTick = -1;
    private long catchUpInstalledTick = -1;
    private long catchUpInstalls;
    private long catchUpRequests;
    private long catchUpExecuted;

    private final ArrayDeque<Message> selfQueue = new ArrayDeque<>();
    private final List<Outbox.Envelope> stepSends = new ArrayList<>();
    private final List<Reply> stepReplies = new ArrayList<>();
    private final List<Outbox.Executed> stepExecuted = new ArrayList<>();
    private final List<Cmd> dirtyCmds = new ArrayList<>();
    private final BitSet touchedBuckets = new BitSet();
    private final TreeSet<Integer> dirtyOrigins = new TreeSet<>();
    private boolean sequenceDirty;

    /** Per origin: every command up to this sequence number is collected here (D5). Durable. */
    private final Map<Integer, Long> collected = new TreeMap<>();
    private final TreeSet<Integer> dirtyCollected = new TreeSet<>();
    /** Peers that asked for a snapshot in this step; served at its end, after its executions (D8). */
    private final TreeSet<Integer> snapshotRequesters = new TreeSet<>();
    private long nextSnapshotRequestTick;
    /** Snapshots this replica sends, by receiver (D8b); at most SNAPSHOTS_SENDING_MAX. */
    private final Map<Integer, Outgoing> outgoing = new TreeMap<>();
    static final int SNAPSHOTS_SENDING_MAX = 2;
    /** The snapshot this replica is receiving, or null (D8b). */
    private Incoming incoming;
    /** The data is being replaced by a snapshot and is incomplete: nothing executes (D8b). */
    private boolean installing;

    /** A replica catching up after a restart takes client requests again after this many ticks at the latest (D10). */
    static final long CATCH_UP_MAX_TICKS = 30_000;

    private Replica(ReplicaConfig config, DurableStore store, RandomGenerator random) {
        this.config = config;
        this.self = config.self();
        this.store = store;
        this.random = random;
        this.validator = new Validator(config);
        this.promises = new Promises(config, this::committedHere);
        this.executor = new Executor(promises);
        this.stateMachine = new StateMachine(store, config.shard(), config.shards(), config.limits().sessionsPerBucketMax());
        this.lastHeard = new long[config.n()];
        this.unreachable = new boolean[config.n()];
        this.pace = new Pace(config.timing(), config.n());
    }

    /** Opens a replica over its store: a fresh one if the store is empty, else restarted from it. */
    public static Replica open(ReplicaConfig config, DurableStore store, RandomGenerator random) {
        Replica r = new Replica(config, store, random);
        r.restore(store.load());
        return r;
    }

    public Outbox outbox() {
        return outbox;
    }

    public Stats stats() {
        return stats;
    }

    public ReplicaConfig config() {
        return config;
    }

    /** Command records held in memory (bounded by garbage collection). */
    public int liveCommands() {
        return cmds.size();
    }

    /** All per-command entries this replica holds in memory, for the bounded-memory test. */
    public int trackedEntries() {
        return cmds.size() + promises.trackedEntries() + executor.queued() + unknownRequested.size();
    }

    public long now() {
        return now;
    }

    /**
     * The host's word on its link to a member: false when it has no connection to it (the peer
     * reset or refused it, as a killed process does at once), true when it has one again. A member
     * the host cannot reach counts as suspected whatever was last heard from it, so fast quorums
     * and recovery turns move away from a crashed peer without waiting out {@code suspectTicks}.
     * Silence still makes a reachable member suspected (a paused or partitioned peer keeps its
     * connection). Affects only liveness choices, never safety.
     */
    public void setReachable(int member, boolean reachable) {
        if (!config.isMember(member)) {
            throw new IllegalArgumentException("setReachable(" + member + "): not a member of shard " + config.shard()
                    + " (members " + config.members() + ")");
        }
        if (member != self) {
            int i = config.indexOf(member);
            if (unreachable[i] && reachable) {
                refreshOnReconnect = true;
                executedOnReconnect = true;
            }
            unreachable[i] = !reachable;
        }
    }

    /**
     * Ticks from now until the next one at which {@link #tick()} has periodic work (at least 1). A
     * host may let the ticks before it pass without waking up, as long as it runs them before the
     * next event it hands in (D4c).
     */
    public int ticksUntilDue() {
        ReplicaConfig.Timing t = config.timing();
        long due = Math.min(nextMultiple(t.promiseIntervalTicks()), Math.min(nextMultiple(t.gcIntervalTicks()),
                nextMultiple(t.scanIntervalTicks())));
        return (int) (due - now);
    }

    private long nextMultiple(int interval) {
        return (now / interval + 1) * interval;
    }

    /** Commands known here that are not committed yet, plus committed ones waiting to execute. */
    public int unfinished() {
        return uncommitted.size() + executor.queued();
    }

    /**
     * For operators and the node's stuck-command log: the oldest command known here that is not
     * executed yet, if it is older than {@code minAgeTicks}, with what it waits for; else null.
     */
    public String describeOldestUnfinished(long minAgeTicks) {
        Cmd oldest = null;
        for (CommandId id : uncommitted) {
            Cmd c = cmds.get(id);
            if (c != null && (oldest == null || c.createdTick < oldest.createdTick)) {
                oldest = c;
            }
        }
        for (Cmd c : cmds.values()) {
            if (c.phase == Phase.COMMIT && (oldest == null || c.createdTick < oldest.createdTick)) {
                oldest = c;
            }
        }
        if (oldest == null || now - oldest.createdTick < minAgeTicks) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        sb.append(oldest.id).append(" age=").append(now - oldest.createdTick).append(" ticks phase=").append(oldest.phase)
                .append(" coordinator=").append(oldest.coordinator).append(" quorum=").append(oldest.quorum)
                .append(" payload=").append(oldest.payload != null).append(" recoveries=").append(oldest.recoveryAttempts);
        if (oldest.proposeAcks != null) {
            sb.append(" proposeAcks=").append(oldest.proposeAcks.keySet());
        }
        if (oldest.recAcks != null) {
            sb.append(" recAcks=").append(oldest.recAcks.keySet()).append(" leading=").append(oldest.leading);
        }
        if (oldest.consensusAcks != null) {
            sb.append(" consensusAcks=").append(oldest.consensusAcks);
        }
        if (oldest.phase == Phase.COMMIT) {
            sb.append(" ts=").append(oldest.ts).append(" stable=[");
            for (int b : oldest.buckets) {
                sb.append(' ').append(b).append(':').append(promises.stable(b));
            }
            sb.append(" ] blockers=").append(promises.blockingIds().size());
        }
        StringBuilder heard = new StringBuilder();
        for (int m : config.members()) {
            if (m != self) {
                heard.append(' ').append(m).append(suspected(m) ? ":suspected" : ":heard");
            }
        }
        sb.append(" peers=[").append(heard).append(" ] uncommitted=").append(uncommitted.size())
                .append(" queued=").append(executor.queued());
        return sb.toString();
    }

    // ---------------------------------------------------------------- steps

    public Outcome handle(int from, Message m) {
        Outcome o = dispatch(from, m);
        finishStep();
        return o;
    }

    public void submit(Request r) {
        doSubmit(r);
        finishStep();
    }

    public void tick() {
        now++;
        ReplicaConfig.Timing t = config.timing();
        if (now % t.promiseIntervalTicks() == 0) {
            broadcastPromises((now / t.promiseIntervalTicks()) % t.fullRefreshIntervals() == 0);
        }
        if (now % t.gcIntervalTicks() == 0) {
            broadcastExecuted();
            collectGarbage();
            pace.decay();
            checkCaughtUp();
            if (catchUpTarget != null && now / t.gcIntervalTicks() == CATCH_UP_MAX_TICKS / t.gcIntervalTicks()) {
                reportCatchUp(true); // requests are taken from here on (D10's bound); the report says why so late
            }
            expireOutgoing();
        }
        if (now % t.scanIntervalTicks() == 0) {
            scanUncommitted();
            requestUnknownBlockers();
            checkIncoming();
        }
        finishStep();
    }

    private void finishStep() {
        while (!selfQueue.isEmpty()) {
            dispatch(self, selfQueue.poll());
        }
        promises.drainFrontierChanges(touchedBuckets::set);
        if (!touchedBuckets.isEmpty() && !installing) {
            List<Integer> start = new ArrayList<>();
            touchedBuckets.stream().forEach(start::add);
            touchedBuckets.clear();
            executor.run(start, cmds::get, this::execute);
        }
        if (!snapshotRequesters.isEmpty()) {
            serveSnapshots();
        }
        persist();
        outbox.sends.addAll(stepSends);
        outbox.replies.addAll(stepReplies);
        outbox.executed.addAll(stepExecuted);
        stepSends.clear();
        stepReplies.clear();
        stepExecuted.clear();
    }

    /** Hand every durable change of this step to the store, before any message of the step leaves. */
    private void persist() {
        for (Cmd c : dirtyCmds) {
            if (c.dirty && cmds.get(c.id) == c) {
                store.putCommand(c.toRecord());
            }
            c.dirty = false;
        }
        dirtyCmds.clear();
        promises.drainClockWrites(b -> store.putClock(b, promises.clock(b)));
        if (sequenceDirty) {
            store.putNextSequence(nextSequence);
            sequenceDirty = false;
        }
        for (int origin : dirtyOrigins) {
            store.putExecuted(origin, executed.get(origin).snapshot());
        }
        dirtyOrigins.clear();
        for (int origin : dirtyCollected) {
            store.putCollected(origin, collected.get(origin));
        }
        dirtyCollected.clear();
    }

    private Outcome dispatch(int from, Message m) {
        if (!config.isMember(from)) {
            return reject(from, m, Outcome.REJECTED_NON_MEMBER, "sender " + from + " is not a member of shard " + config.shard());
        }
        int index = config.indexOf(from);
        pace.heard(index, now - lastHeard[index]);
        lastHeard[index] = now;
        String problem = validator.message(from, m);
        if (problem != null) {
            return reject(from, m, Outcome.REJECTED_MALFORMED, problem);
        }
        Outcome o = route(from, m);
        stats.count(o);
        return o;
    }

    private Outcome route(int from, Message m) {
        if (m instanceof MPropose p) {
            return onPropose(from, p);
        } else if (m instanceof MPayload p) {
            return onPayload(p);
        } else if (m instanceof MProposeAck a) {
            return onProposeAck(from, a);
        } else if (m instanceof MCommit c) {
            return onCommit(from, c);
        } else if (m instanceof MConsensus c) {
            return onConsensus(from, c);
        } else if (m instanceof MConsensusAck a) {
            return onConsensusAck(from, a);
        } else if (m instanceof MRec r) {
            return onRec(from, r);
        } else if (m instanceof MRecAck a) {
            return onRecAck(from, a);
        } else if (m instanceof MRecNAck n) {
            return onRecNAck(n);
        } else if (m instanceof MCommitRequest r) {
            return onCommitRequest(from, r);
        } else if (m instanceof MPromises p) {
            return onPromises(from, p);
        } else if (m instanceof MExecuted e) {
            return onExecuted(from, e);
        } else if (m instanceof MSnapshotRequest r) {
            return onSnapshotRequest(from, r);
        } else if (m instanceof MSnapshot s) {
            return onSnapshot(from, s);
        }
        return reject(from, m, Outcome.REJECTED_MALFORMED, "unknown message type");
    }

    private Outcome reject(int from, Message m, Outcome o, String reason) {
        stats.count(o);
        outbox.rejections.add(new Outbox.Rejection(from, m == null ? "null" : m.getClass().getSimpleName(), o, reason));
        return o;
    }

    private Outcome rejectUnknown(int from, Message m, CommandId id) {
        if (executedContains(id)) {
            return Outcome.IGNORED_COLLECTED;
        }
        return reject(from, m, Outcome.REJECTED_UNKNOWN_COMMAND, "no state for command " + id);
    }

    // ---------------------------------------------------------------- submit (§6.2)

    private void doSubmit(Request r) {
        String problem = validator.request(r);
        if (problem != null) {
            stepReplies.add(Reply.rejected(r == null ? null : r.id(), problem));
            return;
        }
        if (installing) {
            stepReplies.add(Reply.unavailable(r.id(), "replica " + self + " of shard " + config.shard()
                    + " is installing a snapshot from a peer; retry on another node"));
            return;
        }
        boolean sessionless = Command.readOnly(r.ops());
        StateMachine.Applied known = sessionless ? null : stateMachine.lookup(r.id(), bucketsOf(r.ops()));
        if (known != null) {
            if (known.expired()) {
                stats.requestsExpired++;
            }
            stepReplies.add(reply(r.id(), known));
            return;
        }
        if (catchUpTarget != null && now < CATCH_UP_MAX_TICKS) {
            stepReplies.add(Reply.unavailable(r.id(), "replica " + self + " of shard " + config.shard()
                    + " is catching up after a restart; retry on another node"));
            return;
        }
        if (cmds.size() >= config.limits().pendingCommandsMax()) {
            stepReplies.add(Reply.rejected(r.id(), "replica " + self + " is overloaded (" + cmds.size()
                    + " commands pending, limit " + config.limits().pendingCommandsMax() + "); retry later"));
            return;
        }
        stats.submitted++;
        CommandId id = new CommandId(self, nextSequence++);
        sequenceDirty = true;
        Cmd c = newCmd(id);
        setPayload(c, new Command(id, r.id(), r.ops(), List.of(config.shard()), sessionless), fastQuorum(false), self);
        List<Integer> quorum = fastQuorum(true);
        if (quorum == null) {
            stats.degradedSubmits++;
            c.phase = Phase.PAYLOAD;
            markDirty(c);
            startRecovery(c);
            return;
        }
        c.quorum = quorum;
        c.phase = Phase.PROPOSE;
        c.proposal = promises.propose(id, c.buckets, 0);
        c.proposeAcks = new TreeMap<>(Map.of(self, c.proposal));
        markDirty(c);
        for (int m : config.members()) {
            if (m == self) {
                continue;
            }
            send(m, quorum.contains(m) ? new MPropose(id, c.payload, quorum, self, c.proposal)
                    : new MPayload(id, c.payload, quorum, self));
        }
        decideWhenAllProposed(c);
    }

    /**
     * The closest members in ring order from this replica, itself first. With {@code skipSuspected},
     * suspected members are left out, so are peers that answer much slower than the others while
     * the quorum can be filled without them (D11), and null means no full fast quorum is reachable
     * (§6.7).
     */
    private List<Integer> fastQuorum(boolean skipSuspected) {
        List<Integer> members = config.members();
        int start = config.indexOf(self);
        List<Integer> ring = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            int m = members.get((start + k) % members.size());
            if (!skipSuspected || !suspected(m)) {
                ring.add(m);
            }
        }
        int size = config.fastQuorumSize();
        if (ring.size() < size) {
            return null;
        }
        if (!skipSuspected || ring.size() == size) {
            return List.copyOf(new TreeSet<>(ring.subList(0, size)));
        }
        List<Integer> peers = new ArrayList<>();
        for (int m : ring.subList(1, ring.size())) {
            peers.add(config.indexOf(m));
        }
        TreeSet<Integer> q = new TreeSet<>(List.of(self));
        List<Integer> slow = new ArrayList<>();
        for (int m : ring.subList(1, ring.size())) {
            if (pace.answersSlowly(config.indexOf(m), peers)) {
                slow.add(m);
            } else if (q.size() < size) {
                q.add(m);
            }
        }
        for (int m : slow) {
            if (q.size() < size) {
                q.add(m);
            }
        }
        return List.copyOf(q);
    }

    private boolean suspected(int m) {
        if (m == self) {
            return false;
        }
        int i = config.indexOf(m);
        return unreachable[i] || now - lastHeard[i] > pace.suspectTicks(i);
    }

    // ---------------------------------------------------------------- propose and payload (§6.3)

    private Outcome onPropose(int from, MPropose p) {
        Cmd c = cmdFor(p.id());
        if (c == null) {
            return Outcome.IGNORED_COLLECTED;
        }
        if (c.committed()) {
            sendCommit(from, c);
            return Outcome.REDUNDANT;
        }
        if ((c.phase != Phase.START && c.phase != Phase.PAYLOAD) || !c.bal.isZero()) {
            return Outcome.REDUNDANT;
        }
        setPayload(c, p.cmd(), p.quorum(), p.coordinator());
        if (c.committed()) {
            return Outcome.APPLIED;
        }
        c.phase = Phase.PROPOSE;
        c.proposal = promises.propose(c.id, c.buckets, p.t0());
        markDirty(c);
        send(from, new MProposeAck(c.id, c.proposal));
        return Outcome.APPLIED;
    }

    private Outcome onPayload(MPayload p) {
        Cmd c = cmdFor(p.id());
        if (c == null) {
            return Outcome.IGNORED_COLLECTED;
        }
        if (c.payload != null) {
            return Outcome.REDUNDANT;
        }
        setPayload(c, p.cmd(), p.quorum(), p.coordinator());
        return Outcome.APPLIED;
    }

    /** Learn the payload once; a commit that arrived before it is applied now (§6.6). */
    private void setPayload(Cmd c, Command cmd, List<Integer> quorum, int coordinator) {
        if (c.payload != null) {
            return;
        }
        c.payload = cmd;
        c.buckets = bucketsOf(cmd);
        c.quorum = quorum;
        c.coordinator = coordinator;
        if (c.phase == Phase.START) {
            c.phase = Phase.PAYLOAD;
        }
        markDirty(c);
        if (c.bufferedCommitTs != 0) {
            long t = c.bufferedCommitTs;
            c.bufferedCommitTs = 0;
            commitLocally(c, t);
        }
    }

    private int[] bucketsOf(Command cmd) {
        return bucketsOf(cmd.ops());
    }

    private int[] bucketsOf(List<Op> ops) {
        TreeSet<Integer> bs = new TreeSet<>();
        for (Op op : ops) {
            if (Keys.shardOf(op.key(), config.shards()) == config.shard()) {
                bs.add(Keys.bucketOf(op.key(), config.buckets()));
            }
        }
        return bs.stream().mapToInt(Integer::intValue).toArray();
    }

    // ---------------------------------------------------------------- fast and slow path (§6.4, §6.5)

    private Outcome onProposeAck(int from, MProposeAck a) {
        Cmd c = cmds.get(a.id());
        if (c == null) {
            return rejectUnknown(from, a, a.id());
        }
        if (c.phase != Phase.PROPOSE || !c.bal.isZero() || c.proposeAcks == null) {
            return Outcome.REDUNDANT;
        }
        if (!c.quorum.contains(from)) {
            return reject(from, a, Outcome.REJECTED_MALFORMED, "MProposeAck for " + c.id + " from " + from + " outside fast quorum " + c.quorum);
        }
        if (c.proposeAcks.putIfAbsent(from, a.ts()) != null) {
            return Outcome.REDUNDANT;
        }
        pace.answered(config.indexOf(from), now - c.createdTick);
        decideWhenAllProposed(c);
        return Outcome.APPLIED;
    }

    /** Once the whole fast quorum proposed: fast path if f replies carry the maximum, else slow path. */
    private void decideWhenAllProposed(Cmd c) {
        if (c.proposeAcks.size() < c.quorum.size()) {
            return;
        }
        long max = 0;
        for (long t : c.proposeAcks.values()) {
            max = Math.max(max, t);
        }
        long reporters = 0;
        for (long t : c.proposeAcks.values()) {
            reporters += t == max ? 1 : 0;
        }
        if (reporters >= config.fastPathThreshold()) {
            pace.commitLatency(now, now - c.createdTick);
            stats.fastPaths++;
            commitAndBroadcast(c, max);
        } else {
            stats.slowPaths++;
            startPhase2(c, new Ballot(0, self), max);
        }
    }

    /** Propose value t at ballot b to every acceptor, accepting it locally first (§6.5, §8.4). */
    private void startPhase2(Cmd c, Ballot b, long t) {
        c.leading = b;
        c.leadingValue = t;
        c.proposeAcks = null;
        c.recAcks = null;
        accept(c, b, t);
        c.consensusAcks = new TreeSet<>(List.of(self));
        broadcast(new MConsensus(c.id, t, b));
        if (c.consensusAcks.size() >= config.slowQuorumSize()) {
            commitAndBroadcast(c, t);
        }
    }

    private void accept(Cmd c, Ballot b, long t) {
        Invariants.checkState(b.compareTo(c.bal) >= 0, "accepting %s at ballot %s below joined ballot %s", c.id, b, c.bal);
        c.bal = b;
        c.abal = b;
        c.accepted = t;
        c.maxRoundSeen = Math.max(c.maxRoundSeen, b.round());
        if (c.payload != null) {
            promises.bump(c.buckets, t);
        }
        markDirty(c);
    }

    private Outcome onConsensus(int from, MConsensus m) {
        Cmd c = cmdFor(m.id());
        if (c == null) {
            return Outcome.IGNORED_COLLECTED;
        }
        if (c.committed()) {
            sendCommit(from, c);
            return Outcome.REDUNDANT;
        }
        if (m.ballot().compareTo(c.bal) < 0) {
            send(from, new MRecNAck(c.id, c.bal));
            return Outcome.REJECTED_STALE_BALLOT;
        }
        accept(c, m.ballot(), m.ts());
        send(from, new MConsensusAck(c.id, m.ballot()));
        return Outcome.APPLIED;
    }

    private Outcome onConsensusAck(int from, MConsensusAck a) {
        Cmd c = cmds.get(a.id());
        if (c == null) {
            return rejectUnknown(from, a, a.id());
        }
        if (c.committed() || c.consensusAcks == null || !a.ballot().equals(c.leading)) {
            return Outcome.REDUNDANT;
        }
        c.consensusAcks.add(from);
        if (c.consensusAcks.size() >= config.slowQuorumSize()) {
            if (c.leading.round() > 0) {
                stats.recoveryCommits++;
            } else {
                pace.commitLatency(now, now - c.createdTick);
            }
            commitAndBroadcast(c, c.leadingValue);
        }
        return Outcome.APPLIED;
    }

    // ---------------------------------------------------------------- commit (§6.6)

    private void commitAndBroadcast(Cmd c, long t) {
        commitLocally(c, t);
        broadcast(MCommit.of(c.id, t));
    }

    private void commitLocally(Cmd c, long t) {
        Invariants.checkState(c.payload != null, "committing %s without its payload", c.id);
        if (c.committed()) {
            Invariants.checkState(c.ts == t || c.ts == 0, "agreement violated: %s committed with %d here and %d elsewhere", c.id, c.ts, t);
            return;
        }
        c.ts = t;
        c.phase = Phase.COMMIT;
        c.clearScratch();
        markDirty(c);
        uncommitted.remove(c.id);
        unknownRequested.remove(c.id);
        stats.commits++;
        promises.bump(c.buckets, t);
        promises.committed(c.id);
        executor.enqueue(c);
        for (int b : c.buckets) {
            touchedBuckets.set(b);
        }
    }

    private Outcome onCommit(int from, MCommit m) {
        Cmd c = cmdFor(m.id());
        if (c == null) {
            return Outcome.IGNORED_COLLECTED;
        }
        if (c.committed()) {
            Invariants.checkState(c.ts == m.ts() || c.ts == 0, "agreement violated: %s committed with %d here, MCommit from %d says %d", c.id, c.ts, from, m.ts());
            return Outcome.REDUNDANT;
        }
        Invariants.checkState(c.bufferedCommitTs == 0 || c.bufferedCommitTs == m.ts(),
                "agreement violated: two commits for %s: %d and %d", c.id, c.bufferedCommitTs, m.ts());
        if (m.cmd() != null) {
            setPayload(c, m.cmd(), m.quorum(), m.coordinator());
        }
        if (c.payload == null) {
            c.bufferedCommitTs = m.ts();
            send(from, new MCommitRequest(c.id));
            return Outcome.APPLIED;
        }
        if (from == c.coordinator && c.phase != Phase.START) {
            // How long its coordinator took, as seen here (D9); commits by other recovery leaders
            // say how long failures take, not how long commands do.
            pace.commitLatency(now, now - c.createdTick);
        }
        commitLocally(c, m.ts());
        return Outcome.APPLIED;
    }

    private Outcome onCommitRequest(int from, MCommitRequest r) {
        Cmd c = cmds.get(r.id());
        if (c == null || c.payload == null) {
            return Outcome.REDUNDANT;
        }
        if (c.committed()) {
            if (c.ts == 0) {
                return Outcome.REDUNDANT;
            }
            send(from, new MCommit(c.id, c.ts, c.payload, c.quorum, c.coordinator));
        } else {
            send(from, new MPayload(c.id, c.payload, c.quorum, c.coordinator));
        }
        return Outcome.APPLIED;
    }

    // ---------------------------------------------------------------- recovery (§8)

    private void startRecovery(Cmd c) {
        if (c.proposeAcks != null && c.phase == Phase.PROPOSE) {
            // A fast path given up on (D11): the members that have not answered answer at least this slowly.
            for (int m : c.quorum) {
                if (!c.proposeAcks.containsKey(m)) {
                    pace.answered(config.indexOf(m), now - c.createdTick);
                }
            }
        }
        int round = Math.max(c.bal.round(), c.maxRoundSeen) + 1;
        Ballot b = new Ballot(round, self);
        c.maxRoundSeen = round;
        c.leading = b;
        c.recAcks = new TreeMap<>();
        c.consensusAcks = null;
        c.proposeAcks = null;
        c.recoveryAttempts++;
        c.nextRecoveryTick = now + backoff(c);
        stats.recoveriesStarted++;
        MRec rec = new MRec(c.id, b, c.payload, c.quorum, c.coordinator);
        broadcast(rec);
        selfQueue.add(rec);
    }

    private Outcome onRec(int from, MRec r) {
        Cmd c = cmdFor(r.id());
        if (c == null) {
            return Outcome.IGNORED_COLLECTED;
        }
        if (c.committed()) {
            sendCommit(from, c);
            return Outcome.REDUNDANT;
        }
        c.maxRoundSeen = Math.max(c.maxRoundSeen, r.ballot().round());
        if (!r.ballot().greaterThan(c.bal)) {
            send(from, new MRecNAck(c.id, c.bal));
            return Outcome.REJECTED_STALE_BALLOT;
        }
        setPayload(c, r.cmd(), r.quorum(), r.coordinator());
        if (c.committed()) {
            sendCommit(from, c);
            return Outcome.APPLIED;
        }
        if (c.phase == Phase.START || c.phase == Phase.PAYLOAD) {
            c.proposal = promises.propose(c.id, c.buckets, 0);
            c.phase = Phase.RECOVER_R;
        } else if (c.phase == Phase.PROPOSE) {
            c.phase = Phase.RECOVER_P;
        }
        c.bal = r.ballot();
        if (r.ballot().process() != self) {
            // Another process leads a recovery of this command: give it time to finish before
            // this one starts a ballot of its own that would cut it off (§10.2).
            c.nextRecoveryTick = Math.max(c.nextRecoveryTick, now + backoff(c));
        }
        markDirty(c);
        long value = c.abal.isZero() ? c.proposal : c.accepted;
        send(from, new MRecAck(c.id, value, c.phase, c.abal, r.ballot()));
        return Outcome.APPLIED;
    }

    private Outcome onRecAck(int from, MRecAck a) {
        Cmd c = cmds.get(a.id());
        if (c == null) {
            return rejectUnknown(from, a, a.id());
        }
        if (c.committed() || c.recAcks == null || !a.ballot().equals(c.leading)) {
            return Outcome.REDUNDANT;
        }
        if (c.recAcks.putIfAbsent(from, a) != null) {
            return Outcome.REDUNDANT;
        }
        if (c.recAcks.size() < config.recoveryQuorumSize()) {
            return Outcome.APPLIED;
        }
        long t = recoveryValue(c);
        if (!c.bal.equals(c.leading)) {
            c.clearScratch();
            return Outcome.APPLIED;
        }
        startPhase2(c, c.leading, t);
        return Outcome.APPLIED;
    }

    /** The recovery rule of §8.4: Paxos first, then the fast-path-aware choice. */
    private long recoveryValue(Cmd c) {
        MRecAck highest = null;
        for (MRecAck a : c.recAcks.values()) {
            if (!a.abal().isZero() && (highest == null || a.abal().greaterThan(highest.abal()))) {
                highest = a;
            }
        }
        if (highest != null) {
            return highest.ts();
        }
        boolean coordinatorReplied = c.recAcks.containsKey(c.coordinator);
        boolean fastPathImpossible = coordinatorReplied;
        long maxAll = 0;
        long maxQuorum = 0;
        for (Map.Entry<Integer, MRecAck> e : c.recAcks.entrySet()) {
            maxAll = Math.max(maxAll, e.getValue().ts());
            if (c.quorum.contains(e.getKey())) {
                maxQuorum = Math.max(maxQuorum, e.getValue().ts());
                fastPathImpossible |= e.getValue().phase() == Phase.RECOVER_R;
            }
        }
        if (fastPathImpossible) {
            return maxAll;
        }
        Invariants.checkState(maxQuorum > 0, "recovery of %s: no fast-quorum member among replies %s", c.id, c.recAcks.keySet());
        return maxQuorum;
    }

    private Outcome onRecNAck(MRecNAck n) {
        Cmd c = cmds.get(n.id());
        if (c == null || c.committed()) {
            return Outcome.REDUNDANT;
        }
        c.maxRoundSeen = Math.max(c.maxRoundSeen, n.ballot().round());
        if (c.leading != null && n.ballot().greaterThan(c.leading)) {
            c.clearScratch();
            c.nextRecoveryTick = now + backoff(c);
            return Outcome.APPLIED;
        }
        return Outcome.REDUNDANT;
    }

    /**
     * Exponential, capped, randomised over the whole base: duelling recovery leaders drift apart
     * by about one recovery round, not by a sliver of it (§10.2).
     */
    private long backoff(Cmd c) {
        ReplicaConfig.Timing t = config.timing();
        long round = pace.roundTimeout(now);
        long base = Math.max(1, Math.min(round << Math.min(c.recoveryAttempts, 6), Math.max(t.backoffMaxTicks(), round)));
        return base + random.nextLong(base);
    }

    // ---------------------------------------------------------------- timers (§10)

    /** Commands known here but not committed: recover them when their time is up and it is our turn. */
    private void scanUncommitted() {
        for (CommandId id : new ArrayList<>(uncommitted)) {
            Cmd c = cmds.get(id);
            if (c.payload == null) {
                if (now >= c.nextCommitRequestTick) {
                    askForCommit(id, id.origin(), c.commitRequests);
                    c.nextCommitRequestTick = now + commitRequestBackoff(++c.commitRequests);
                }
                continue;
            }
            if (waitsOnSuspected(c)) {
                startRecovery(c);
                continue;
            }
            if (now < c.nextRecoveryTick) {
                continue;
            }
            long age = now - c.createdTick;
            long patience = pace.patience(now);
            long round = pace.roundTimeout(now);
            List<Integer> ring = recoveryRing(c);
            int turn = ring.indexOf(self);
            if (age > patience && now >= c.nextCommitRequestTick && !ownPathRunning(c)) {
                // The usual reason a command is still uncommitted here this late is an MCommit
                // that missed this replica: ask one peer at a time for it, backing off (§10.4, D9).
                // Its coordinator too, once its own path is over: after a restart (D7) or a ballot.
                askForCommit(id, c.coordinator, c.commitRequests);
                c.nextCommitRequestTick = now + Math.max(round, commitRequestBackoff(++c.commitRequests));
            }
            if (c.coordinator == self && c.recoveryAttempts == 0 && age < patience) {
                // Our own fast or slow path may still finish: a slow commit is not a failure.
                c.nextRecoveryTick = c.createdTick + patience + random.nextLong(round);
            } else if (turn == 0 || age > (2L * turn + 1) * patience) {
                // By now the commit was asked for above, so a missed MCommit had its chance (§10.4).
                startRecovery(c);
            } else {
                // Not our turn (D9): one recovery leader at a time. Make sure the responsible member
                // knows the command, and take over only if it has not finished by our turn.
                int responsible = ring.get(0);
                if (age > patience && c.forwardedTo != responsible && responsible != c.coordinator) {
                    send(responsible, new MPayload(c.id, c.payload, c.quorum, c.coordinator));
                    c.forwardedTo = responsible;
                }
                c.nextRecoveryTick = now + round + random.nextLong(round);
            }
        }
    }

    /**
     * Whether c is this replica's own command and its own fast or slow path (§6.4, §6.5) may still
     * commit it: it collects MProposeAcks at ballot 0, or MConsensusAcks at its round-0 ballot that
     * is still the highest it joined. False after a restart (that scratch is not durable, D7), after
     * a recovery attempt of its own, and once it joined another member's ballot: then nobody but a
     * recovery leader can commit it, so a missed MCommit is asked for as for any command (D4b).
     */
    private boolean ownPathRunning(Cmd c) {
        if (c.coordinator != self || c.recoveryAttempts > 0) {
            return false;
        }
        boolean fastPath = c.phase == Phase.PROPOSE && c.proposeAcks != null && c.bal.isZero();
        boolean slowPath = c.consensusAcks != null && c.leading != null && c.leading.round() == 0 && c.leading.equals(c.bal);
        return fastPath || slowPath;
    }

    /**
     * A fast path this replica coordinates that can no longer finish: a member of its fast quorum
     * that has not answered is suspected. Recovery needs only n - f replies, so it starts at once
     * instead of after the recovery timeout.
     */
    private boolean waitsOnSuspected(Cmd c) {
        // proposeAcks is non-null only while this replica, as coordinator, collects its fast path.
        if (c.proposeAcks == null || c.phase != Phase.PROPOSE) {
            return false;
        }
        for (int m : c.quorum) {
            if (!c.proposeAcks.containsKey(m) && suspected(m)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The order in which members take their turn to recover c (§10.2, D9): ring order from the
     * command's coordinator, leaving out members this replica suspects, with this replica last while
     * it catches up after a restart (D10). This replica is always in it; the first is the
     * responsible member.
     */
    private List<Integer> recoveryRing(Cmd c) {
        List<Integer> members = config.members();
        int start = Math.max(0, config.indexOf(c.coordinator));
        List<Integer> ring = new ArrayList<>(members.size());
        for (int k = 0; k < members.size(); k++) {
            int m = members.get((start + k) % members.size());
            if (!suspected(m)) {
                ring.add(m);
            }
        }
        if (catchUpTarget != null && ring.size() > 1) {
            // A replica catching up after a restart (D10) takes its turn after everybody else's.
            ring.remove(Integer.valueOf(self));
            ring.add(self);
        }
        return ring;
    }

    /**
     * Stability blocked on commands this replica has no record of: ask for them, one peer at a time,
     * starting with the command's origin, backing off (§10.4). A record without its payload is
     * asked for by {@link #scanUncommitted} instead.
     */
    private void requestUnknownBlockers() {
        unknownRequested.keySet().retainAll(promises.blockingIds());
        for (CommandId id : new ArrayList<>(promises.blockingIds())) {
            if (cmds.containsKey(id)) {
                continue;
            }
            long[] due = unknownRequested.get(id);
            if (due == null) {
                unknownRequested.put(id, new long[] {now + config.timing().commitRequestTicks(), 0});
            } else if (now >= due[0]) {
                askForCommit(id, id.origin(), (int) due[1]);
                due[1]++;
                due[0] = now + commitRequestBackoff((int) due[1]);
            }
        }
    }

    /**
     * Ask one peer for the commit (or payload) of id: the preferred member first, then the others
     * in ring order on later attempts, skipping suspected members while any other is left. One
     * peer per attempt instead of all of them keeps a replica that comes back far behind from
     * flooding the others.
     */
    private void askForCommit(CommandId id, int preferred, int attempt) {
        List<Integer> members = config.members();
        int start = config.isMember(preferred) ? config.indexOf(preferred) : config.indexOf(self);
        List<Integer> candidates = new ArrayList<>();
        List<Integer> live = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            int m = members.get((start + k) % members.size());
            if (m != self) {
                candidates.add(m);
                if (!suspected(m)) {
                    live.add(m);
                }
            }
        }
        List<Integer> pool = live.isEmpty() ? candidates : live;
        if (pool.isEmpty()) {
            return;
        }
        stats.commitRequests++;
        send(pool.get(attempt % pool.size()), new MCommitRequest(id));
    }

    private long commitRequestBackoff(int attempts) {
        ReplicaConfig.Timing t = config.timing();
        return Math.min((long) t.commitRequestTicks() << Math.min(attempts, 4), Math.max(t.commitRequestTicks(), t.backoffMaxTicks()));
    }

    /**
     * D2 and D4c: the changed buckets, or every bucket on a full refresh. One that says nothing new
     * still goes out every {@code heartbeatTicks}, as the heartbeat that failure suspicion relies on.
     */
    private void broadcastPromises(boolean fullDue) {
        ReplicaConfig.Timing t = config.timing();
        boolean changed = promises.changed();
        changedSinceFull |= changed;
        List<MPromises.Collected> horizon = new ArrayList<>();
        collected.forEach((origin, w) -> horizon.add(new MPromises.Collected(origin, w)));
        boolean horizonChanged = !horizon.equals(horizonSent);
        boolean full = fullDue && (changedSinceFull || horizonChanged || refreshOnReconnect
                || now - fullSentTick >= t.quietRefreshTicks());
        // Quiet only while recent commands committed within a heartbeat: on a slow or jittery
        // network, sparse heartbeats would arrive with gaps that look like silence (D4c). The p99
        // is asked last: under load there is news and it is not needed.
        if (!full && !changed && !horizonChanged && now - promisesSentTick < t.heartbeatTicks()
                && pace.commitP99(now) <= t.heartbeatTicks()) {
            return;
        }
        List<MPromises.BucketPromises> all = promises.summary(full);
        int max = config.limits().bucketsPerPromiseMessageMax();
        for (int i = 0; i == 0 || i < all.size(); i += max) {
            broadcast(new MPromises(all.subList(i, Math.min(all.size(), i + max)), horizon));
        }
        promisesSentTick = now;
        horizonSent = horizon;
        if (full) {
            fullSentTick = now;
            changedSinceFull = false;
            refreshOnReconnect = false;
        }
    }

    private Outcome onPromises(int from, MPromises p) {
        for (MPromises.Collected c : p.collected()) {
            if (c.watermark() > executedWatermark(c.origin()) && !holdsCommittedUpTo(c.origin(), c.watermark())) {
                // The sender no longer lists attached promises of commands this replica has not
                // executed, and does not know as committed: counting its clock would count them as
                // detached (D8, D8c).
                requestSnapshot(from);
                return Outcome.IGNORED_BEHIND;
            }
        }
        int m = config.indexOf(from);
        for (MPromises.BucketPromises bp : p.buckets()) {
            promises.onSummary(m, bp);
        }
        return Outcome.APPLIED;
    }

    /**
     * D8c: every command of the origin from this replica's executed watermark up to the given
     * watermark is executed here or held here as committed. Ids are dense, so a gap wider than the
     * commands held cannot be covered.
     */
    private boolean holdsCommittedUpTo(int origin, long watermark) {
        long from = executedWatermark(origin);
        if (watermark - from > cmds.size()) {
            return false;
        }
        for (long seq = from + 1; seq <= watermark; seq++) {
            if (!committedHere(new CommandId(origin, seq))) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- execution (§7.4)

    private void execute(Cmd c) {
        StateMachine.Applied applied = stateMachine.applyOnce(c.payload, c.buckets);
        // D15: not written again; the executed set below, in the same batch, says it ran.
        c.phase = Phase.EXECUTE;
        executed.computeIfAbsent(c.id.origin(), o -> new ExecutedSet()).add(c.id.seq());
        dirtyOrigins.add(c.id.origin());
        executedLive.add(c.id);
        stats.executed++;
        if (catchUpTarget != null) {
            catchUpExecuted++;
        }
        if (applied.duplicate()) {
            stats.duplicatesSuppressed++;
        }
        if (applied.expired()) {
            stats.requestsExpired++;
        }
        List<String> keys = new ArrayList<>();
        for (Op op : c.payload.ops()) {
            keys.add(op.key());
        }
        stepExecuted.add(new Outbox.Executed(self, c.id, c.ts, c.payload.request(), keys, applied.results(), applied.duplicate()));
        if (c.id.origin() == self) {
            stepReplies.add(reply(c.payload.request(), applied));
        }
    }

    private static Reply reply(ClientRequestId id, StateMachine.Applied applied) {
        if (applied.expired()) {
            return Reply.expired(id);
        }
        return applied.stale()
                ? Reply.rejected(id, "stale request " + id + ": a newer request of this client was applied")
                : Reply.ok(id, applied.results());
    }

    // ---------------------------------------------------------------- garbage collection (§11)

    /** D5 and D4c: an executed report equal to the last one waits for {@code quietRefreshTicks} or a reconnected peer. */
    private void broadcastExecuted() {
        List<MExecuted.OriginExecuted> origins = executedSummary();
        if (origins.isEmpty() || (origins.equals(executedSent) && !executedOnReconnect
                && now - executedSentTick < config.timing().quietRefreshTicks())) {
            return;
        }
        broadcast(new MExecuted(origins));
        executedSent = origins;
        executedSentTick = now;
        executedOnReconnect = false;
    }

    private List<MExecuted.OriginExecuted> executedSummary() {
        List<MExecuted.OriginExecuted> origins = new ArrayList<>();
        for (Map.Entry<Integer, ExecutedSet> e : executed.entrySet()) {
            DurableState.ExecutedSnapshot s = e.getValue().snapshot();
            origins.add(new MExecuted.OriginExecuted(e.getKey(), s.watermark(), s.above()));
        }
        return origins;
    }

    private Outcome onExecuted(int from, MExecuted e) {
        checkOwnIds(from, e);
        Map<Integer, ExecutedSet> view = peerExecuted.computeIfAbsent(from, k -> new TreeMap<>());
        boolean first = catchUpTarget != null && catchUpHeardFrom.add(from);
        if (first && catchUpHeardFrom.size() == config.f()) {
            catchUpReportsTick = now;
        }
        for (MExecuted.OriginExecuted o : e.origins()) {
            view.computeIfAbsent(o.origin(), k -> new ExecutedSet()).merge(o.watermark(), o.above());
            if (first) {
                catchUpTarget.merge(o.origin(), o.watermark(), Math::max);
            }
        }
        return Outcome.APPLIED;
    }

    /**
     * D13: a peer executed a command of this replica's with a sequence number this replica has not
     * issued. Sequence numbers are stored before any message carrying them leaves, so this can only
     * mean that the durable state is older than what this replica told its peers: its data
     * directory was wiped, replaced or restored from an old backup. Going on would reuse command
     * ids and contradict earlier promises and acknowledgements, so the replica stops here.
     */
    private void checkOwnIds(int from, MExecuted e) {
        for (MExecuted.OriginExecuted o : e.origins()) {
            if (o.origin() != self) {
                continue;
            }
            long highest = o.watermark();
            for (long seq : o.above()) {
                highest = Math.max(highest, seq);
            }
            if (highest >= nextSequence) {
                throw new InvariantViolation("replica " + self + " of shard " + config.shard() + ": node " + from + " executed command "
                        + new CommandId(self, highest) + ", but this replica has issued sequence numbers only below " + nextSequence
                        + ". Its data directory lost state it had acknowledged (wiped, replaced, or restored from an old backup);"
                        + " it stops instead of reusing command ids. Keep this node stopped and follow docs/operations.md,"
                        + " \"A node lost its disk\".");
            }
        }
    }

    /**
     * D10: caught up once f peers (a majority with this replica) reported what they had executed
     * and this replica executed, per origin, at least up to the highest of their watermarks.
     */
    private void checkCaughtUp() {
        if (catchUpTarget == null || catchUpHeardFrom.size() < config.f()) {
            return;
        }
        for (Map.Entry<Integer, Long> e : catchUpTarget.entrySet()) {
            ExecutedSet mine = executed.get(e.getKey());
            if ((mine == null ? 0 : mine.watermark()) < e.getValue()) {
                return;
            }
        }
        catchUpTarget = null;
        stats.caughtUp++;
        reportCatchUp(false);
    }

    private void reportCatchUp(boolean timedOut) {
        outbox.caughtUp.add(new Outbox.CaughtUp(self, now, catchUpReportsTick, catchUpFirstRequestTick, catchUpInstalledTick,
                catchUpRequests, catchUpInstalls, catchUpExecuted, timedOut));
    }

    /** Whether this replica restarted and has not caught up with its peers yet (D10). */
    public boolean catchingUp() {
        return catchUpTarget != null || installing;
    }

    /**
     * Drop commands executed here and by every member that is not down: those of each origin up to
     * the collection horizon, and any that every member executed (D5). A member down for longer than
     * {@code gcDownTicks} holds nothing back; if it returns behind the horizon it catches up by a
     * snapshot (D8).
     */
    private void collectGarbage() {
        advanceHorizon();
        for (Iterator<CommandId> it = executedLive.iterator(); it.hasNext(); ) {
            CommandId id = it.next();
            if (id.seq() > collected.getOrDefault(id.origin(), 0L) && !executedEverywhere(id)) {
                continue;
            }
            it.remove();
            Cmd c = cmds.remove(id);
            store.removeCommand(id);
            if (c.proposal != 0) {
                promises.forget(id, c.buckets, c.proposal);
            }
            stats.collected++;
        }
    }

    /** Per origin: the highest sequence such that this replica and every member not down executed all up to it. */
    private void advanceHorizon() {
        List<Integer> counted = new ArrayList<>();
        for (int m : config.members()) {
            if (m != self && !down(m) && !behindHorizon(m)) {
                counted.add(m);
            }
        }
        if (counted.size() + 1 < config.stabilityThreshold()) {
            // Only a majority moves the horizon: then every horizon is reached by a majority that
            // can use the summaries that announce it, and after a partition heals some replica that
            // executed all of them can serve the others a snapshot. A replica alone (in a minority)
            // that moved its horizon could leave two replicas each behind the other.
            return;
        }
        for (Map.Entry<Integer, ExecutedSet> e : executed.entrySet()) {
            int origin = e.getKey();
            long h = e.getValue().watermark();
            for (int m : counted) {
                Map<Integer, ExecutedSet> view = peerExecuted.get(m);
                ExecutedSet s = view == null ? null : view.get(origin);
                h = Math.min(h, s == null ? 0 : s.watermark());
            }
            if (h > collected.getOrDefault(origin, 0L)) {
                collected.put(origin, h);
                dirtyCollected.add(origin);
            }
        }
    }

    /**
     * A member that has not executed everything below this replica's horizon must catch up by a
     * snapshot anyway (it cannot use this replica's summaries), so waiting for it would only stop
     * collection while it catches up, or for good if it cannot.
     */
    private boolean behindHorizon(int m) {
        Map<Integer, ExecutedSet> view = peerExecuted.get(m);
        for (Map.Entry<Integer, Long> c : collected.entrySet()) {
            ExecutedSet s = view == null ? null : view.get(c.getKey());
            if ((s == null ? 0 : s.watermark()) < c.getValue()) {
                return true;
            }
        }
        return false;
    }

    /** Silent for longer than gcDownTicks: left out of garbage collection (a liveness choice only). */
    private boolean down(int m) {
        return now - lastHeard[config.indexOf(m)] > config.timing().gcDownTicks();
    }

    private long executedWatermark(int origin) {
        ExecutedSet s = executed.get(origin);
        return s == null ? 0 : s.watermark();
    }

    private boolean executedEverywhere(CommandId id) {
        for (int m : config.members()) {
            if (m == self) {
                continue;
            }
            Map<Integer, ExecutedSet> view = peerExecuted.get(m);
            ExecutedSet s = view == null ? null : view.get(id.origin());
            if (s == null || !s.contains(id.seq())) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- catch-up by snapshot (D8, D8b)

    /** Ask one peer for a snapshot, at most once per snapshotRetryTicks, and not while one is arriving. */
    private void requestSnapshot(int donor) {
        if (now < nextSnapshotRequestTick || incoming != null) {
            return;
        }
        nextSnapshotRequestTick = now + config.timing().snapshotRetryTicks();
        stats.snapshotsRequested++;
        if (catchingUp()) {
            catchUpRequests++;
            if (catchUpFirstRequestTick < 0) {
                catchUpFirstRequestTick = now;
            }
        }
        send(donor, new MSnapshotRequest(executedSummary()));
    }

    /**
     * A new snapshot is served at the end of the step, so it includes this step's executions; the
     * next part of a running one at once, from the donor's view (D8b).
     */
    private Outcome onSnapshotRequest(int from, MSnapshotRequest r) {
        if (installing) {
            // This replica's own data is incomplete: it cannot be anyone's donor.
            return Outcome.REDUNDANT;
        }
        if (r.id() != 0) {
            return sendNextPart(from, r);
        }
        if (!containsAll(executed, r.executed())) {
            // The requester executed something this replica has not: a snapshot from here would
            // move it back. It asks again later, when this replica (or another) is ahead.
            return Outcome.REDUNDANT;
        }
        snapshotRequesters.add(from);
        return Outcome.APPLIED;
    }

    /**
     * Opens a view of the data for each requester of this step and sends it the header (part 0):
     * executed ids, clocks and session horizons as of now, consistent with the view. At most
     * SNAPSHOTS_SENDING_MAX transfers run at once; a requester beyond that asks again later.
     */
    private void serveSnapshots() {
        List<MExecuted.OriginExecuted> executedIds = null;
        List<MSnapshot.BucketClock> clocks = new ArrayList<>();
        List<MSnapshot.BucketClock> horizons = new ArrayList<>();
        for (int to : snapshotRequesters) {
            Outgoing old = outgoing.remove(to);
            if (old != null) {
                old.view.close();
            }
            if (outgoing.size() >= SNAPSHOTS_SENDING_MAX) {
                continue;
            }
            if (executedIds == null) {
                executedIds = executedSummary();
                for (int b = 0; b < config.buckets(); b++) {
                    if (promises.clock(b) > 0) {
                        clocks.add(new MSnapshot.BucketClock(b, promises.clock(b)));
                    }
                }
                store.forEachSessionHorizon((b, h) -> horizons.add(new MSnapshot.BucketClock(b, h)));
                horizons.sort((a, b) -> Integer.compare(a.bucket(), b.bucket()));
            }
            Outgoing o = new Outgoing(random.nextLong() | 1, store.openSnapshotView(), now);
            outgoing.put(to, o);
            stats.snapshotsSent++;
            stepSends.add(new Outbox.Envelope(to, MSnapshot.header(executedIds, clocks, horizons, o.id)));
        }
        snapshotRequesters.clear();
    }

    /** The part the receiver asks for: the next one, or the last one sent again (it was lost). */
    private Outcome sendNextPart(int to, MSnapshotRequest r) {
        Outgoing o = outgoing.get(to);
        if (o == null || o.id != r.id()) {
            return Outcome.REDUNDANT;
        }
        if (r.part() == o.part + 1 && !o.sentLast) {
            o.start = o.next;
            o.part++;
        } else if (r.part() != o.part) {
            return Outcome.REDUNDANT;
        }
        o.lastAsked = now;
        Parts part = new Parts(config.limits().snapshotBytesMax());
        Cursor c = o.start;
        if (!c.sessions()) {
            o.view.values(c.key(), (k, v) -> part.add(new MSnapshot.Entry(k, v), entryBytes(k, v)));
            c = part.full ? new Cursor(false, part.lastKey(), -1, 0) : new Cursor(true, null, -1, 0);
        }
        if (c.sessions() && !part.full) {
            o.view.sessions(c.bucket(), c.client(), (b, client, s) -> part.add(new MSnapshot.Session(b, client, s), sessionBytes(s)));
            if (part.full && !part.sessions.isEmpty()) {
                MSnapshot.Session lastSession = part.sessions.get(part.sessions.size() - 1);
                c = new Cursor(true, null, lastSession.bucket(), lastSession.client());
            }
        }
        o.next = c;
        o.sentLast = !part.full;
        send(to, MSnapshot.slice(part.data, part.sessions, o.id, o.part, o.sentLast));
        return Outcome.APPLIED;
    }

    /** Close the views of transfers nobody asked to continue for a while (the receiver gave up or is gone). */
    private void expireOutgoing() {
        long idle = 3L * config.timing().snapshotRetryTicks();
        outgoing.values().removeIf(o -> {
            if (now - o.lastAsked > idle) {
                o.view.close();
                return true;
            }
            return false;
        });
    }

    /** A transfer this replica serves as donor (D8b). {@code start}: where part {@code part} began. */
    private static final class Outgoing {
        final long id;
        final DurableStore.SnapshotView view;
        int part;
        Cursor start = new Cursor(false, null, -1, 0);
        Cursor next = start;
        boolean sentLast;
        long lastAsked;

        Outgoing(long id, DurableStore.SnapshotView view, long now) {
            this.id = id;
            this.view = view;
            this.lastAsked = now;
        }
    }

    /** A position in a view: after a key (null: from the first), or in the sessions after (bucket, client) (bucket -1: from the first). */
    private record Cursor(boolean sessions, String key, int bucket, long client) {
    }

    /** One part being filled: items until the next would pass the budget (at least one item per part). */
    private static final class Parts {
        final List<MSnapshot.Entry> data = new ArrayList<>();
        final List<MSnapshot.Session> sessions = new ArrayList<>();
        private final long budget;
        private long used = 64;
        boolean full;

        Parts(long budget) {
            this.budget = budget;
        }

        boolean add(MSnapshot.Entry e, long size) {
            if (!room(size)) {
                return false;
            }
            data.add(e);
            return true;
        }

        boolean add(MSnapshot.Session s, long size) {
            if (!room(size)) {
                return false;
            }
            sessions.add(s);
            return true;
        }

        private boolean room(long size) {
            if (used + size > budget && (!data.isEmpty() || !sessions.isEmpty())) {
                full = true;
                return false;
            }
            used += size;
            return true;
        }

        String lastKey() {
            return data.isEmpty() ? null : data.get(data.size() - 1).key();
        }
    }

    /** Upper bounds of encoded sizes: UTF-8 bytes of every string plus a fixed cost per item. */
    private static long entryBytes(String key, String value) {
        return 16 + utf8Length(key) + utf8Length(value);
    }

    private static long sessionBytes(io.tempokv.core.store.ClientSession s) {
        long total = 40;
        for (OpResult r : s.results()) {
            total += 8 + (r.value() == null ? 0 : utf8Length(r.value()));
        }
        return total;
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            n += ch < 0x80 ? 1 : ch < 0x800 ? 2 : Character.isSurrogate(ch) ? 2 : 3;
        }
        return n;
    }

    /**
     * Receive a snapshot part by part (D8b). The header starts the install if the donor has executed
     * everything this replica has and more (or this replica's data is incomplete anyway): the data
     * is cleared and marked incomplete, and nothing executes until the last part. Each data part is
     * written as it comes and the next one asked for; the last part finishes the install.
     */
    private Outcome onSnapshot(int from, MSnapshot part) {
        if (part.part() == 0) {
            return incoming == null ? startInstall(from, part) : Outcome.REDUNDANT;
        }
        Incoming in = incoming;
        if (in == null || in.donor != from || in.id != part.id() || in.nextPart != part.part()) {
            return Outcome.REDUNDANT;
        }
        for (MSnapshot.Entry e : part.data()) {
            store.putValue(e.key(), e.value());
        }
        for (MSnapshot.Session ss : part.sessions()) {
            store.putSession(ss.bucket(), ss.client(), ss.session());
        }
        in.keys += part.data().size();
        in.sessions += part.sessions().size();
        if (part.last()) {
            finishInstall(in);
        } else {
            in.nextPart++;
            askForPart(in);
        }
        return Outcome.APPLIED;
    }

    private Outcome startInstall(int from, MSnapshot header) {
        Map<Integer, ExecutedSet> donor = new TreeMap<>();
        for (MExecuted.OriginExecuted o : header.executed()) {
            donor.computeIfAbsent(o.origin(), k -> new ExecutedSet()).merge(o.watermark(), o.above());
        }
        if (!containsAll(donor, executedSummary()) || (!installing && containsAll(executed, header.executed()))) {
            // Older than what this replica executed since it asked, or nothing new in it.
            return Outcome.REDUNDANT;
        }
        store.clearData();
        store.putInstalling(true);
        installing = true;
        for (MSnapshot.BucketClock h : header.horizons()) {
            store.putSessionHorizon(h.bucket(), h.clock());
        }
        incoming = new Incoming(from, header);
        askForPart(incoming);
        return Outcome.APPLIED;
    }

    private void askForPart(Incoming in) {
        in.deadline = now + config.timing().snapshotRetryTicks();
        send(in.donor, new MSnapshotRequest(List.of(), in.id, in.nextPart));
    }

    /**
     * A part not come by its deadline is asked for again, twice; then the transfer is dropped (the
     * data stays marked incomplete) and a new snapshot is asked for, from the next peer in turn.
     */
    private void checkIncoming() {
        if (incoming != null && now >= incoming.deadline) {
            if (++incoming.retries <= 2) {
                askForPart(incoming);
                return;
            }
            incoming = null;
            nextSnapshotRequestTick = now;
        }
        if (installing && incoming == null && now >= nextSnapshotRequestTick) {
            List<Integer> peers = new ArrayList<>();
            for (int m : config.members()) {
                if (m != self && !suspected(m)) {
                    peers.add(m);
                }
            }
            if (!peers.isEmpty()) {
                requestSnapshot(peers.get((int) (stats.snapshotsRequested % peers.size())));
            }
        }
    }

    /**
     * Take the donor's executed state as this replica's: its executed ids and clocks (the data and
     * sessions are written already). Commands it covers are marked executed without running them;
     * the rest run afterwards in (ts, id) order, which is correct because every command the donor
     * executed precedes, in its buckets, every command it had not (D8).
     */
    private void finishInstall(Incoming in) {
        MSnapshot s = in.header;
        for (MExecuted.OriginExecuted o : s.executed()) {
            executed.computeIfAbsent(o.origin(), k -> new ExecutedSet()).merge(o.watermark(), o.above());
            dirtyOrigins.add(o.origin());
        }
        for (Cmd c : new ArrayList<>(cmds.values())) {
            if (c.phase != Phase.EXECUTE && executedContains(c.id)) {
                markExecutedBySnapshot(c);
            }
        }
        for (CommandId id : new ArrayList<>(promises.blockingIds())) {
            if (committedHere(id)) {
                promises.committed(id);
            }
        }
        for (MSnapshot.BucketClock bc : s.clocks()) {
            promises.bump(new int[] {bc.bucket()}, bc.clock());
        }
        store.putInstalling(false);
        installing = false;
        incoming = null;
        touchedBuckets.set(0, config.buckets());
        stats.snapshotsInstalled++;
        if (catchUpTarget != null) {
            catchUpInstalls++;
            catchUpInstalledTick = now;
        }
        outbox.installed.add(new Outbox.Installed(self, in.donor, in.id, in.keys, in.sessions));
    }

    /** The snapshot this replica is installing (D8b). */
    private static final class Incoming {
        final int donor;
        final long id;
        final MSnapshot header;
        int nextPart = 1;
        long deadline;
        int retries;
        long keys;
        long sessions;

        Incoming(int donor, MSnapshot header) {
            this.donor = donor;
            this.id = header.id();
            this.header = header;
        }
    }

    /**
     * The donor executed this command: it is done here too. Its commit timestamp stays unknown (0)
     * if it was not committed here, so this replica never announces one; its record and attached
     * promise go at the next collection, as for any executed command.
     */
    private void markExecutedBySnapshot(Cmd c) {
        if (c.phase == Phase.COMMIT) {
            executor.remove(c);
        } else {
            c.ts = 0;
        }
        uncommitted.remove(c.id);
        unknownRequested.remove(c.id);
        c.phase = Phase.EXECUTE;
        c.clearScratch();
        c.bufferedCommitTs = 0;
        markDirty(c);
        executedLive.add(c.id);
        promises.committed(c.id);
        if (c.id.origin() == self && c.payload != null && c.payload.sessionless()) {
            // D16: a read keeps no session to answer from; reading again is safe.
            stepReplies.add(Reply.unavailable(c.payload.request(), "replica " + self + " of shard " + config.shard()
                    + " took this read's outcome from a peer's snapshot and has no result to give; retry"));
        } else if (c.id.origin() == self && c.payload != null) {
            StateMachine.Applied applied = stateMachine.lookup(c.payload.request(), c.buckets);
            if (applied != null && !applied.refused()) {
                stepReplies.add(Reply.ok(c.payload.request(), applied.results()));
            }
        }
    }

    /** Does {@code big} contain every id of the summary {@code small}? */
    private static boolean containsAll(Map<Integer, ExecutedSet> big, List<MExecuted.OriginExecuted> small) {
        for (MExecuted.OriginExecuted o : small) {
            ExecutedSet s = big.get(o.origin());
            long wm = s == null ? 0 : s.watermark();
            if (o.watermark() > wm) {
                return false;
            }
            for (long seq : o.above()) {
                if (s == null || !s.contains(seq)) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- helpers

    private boolean executedContains(CommandId id) {
        ExecutedSet s = executed.get(id.origin());
        return s != null && s.contains(id.seq());
    }

    private boolean committedHere(CommandId id) {
        Cmd c = cmds.get(id);
        return c != null ? c.committed() : executedContains(id);
    }

    /** The command's state, created on first sight; null if it was executed and collected here. */
    private Cmd cmdFor(CommandId id) {
        Cmd c = cmds.get(id);
        if (c != null) {
            return c;
        }
        if (executedContains(id)) {
            return null;
        }
        return newCmd(id);
    }

    private Cmd newCmd(CommandId id) {
        Cmd c = new Cmd(id);
        c.createdTick = now;
        c.nextRecoveryTick = now + config.timing().recoveryTimeoutTicks() + random.nextInt(config.timing().recoveryTimeoutTicks());
        c.nextCommitRequestTick = now + config.timing().commitRequestTicks();
        cmds.put(id, c);
        uncommitted.add(id);
        markDirty(c);
        return c;
    }

    private void markDirty(Cmd c) {
        if (!c.dirty) {
            c.dirty = true;
            dirtyCmds.add(c);
        }
    }

    /** Tell a peer the commit, unless this replica learned the command only as executed by a snapshot (ts unknown). */
    private void sendCommit(int to, Cmd c) {
        if (c.ts > 0) {
            send(to, MCommit.of(c.id, c.ts));
        }
    }

    private void send(int to, Message m) {
        if (to == self) {
            selfQueue.add(m);
        } else {
            stepSends.add(new Outbox.Envelope(to, m));
        }
    }

    private void broadcast(Message m) {
        for (int to : config.members()) {
            if (to != self) {
                stepSends.add(new Outbox.Envelope(to, m));
            }
        }
    }

    // ---------------------------------------------------------------- restart (§10.6)

    private void restore(DurableState s) {
        nextSequence = Math.max(1, s.nextSequence());
        s.clocks().forEach(promises::restoreClock);
        s.executed().forEach((origin, snap) -> executed.computeIfAbsent(origin, o -> new ExecutedSet()).merge(snap.watermark(), snap.above()));
        collected.putAll(s.collected());
        for (CommandRecord r : s.commands()) {
            Cmd c = Cmd.fromRecord(r, r.payload() == null ? new int[0] : bucketsOf(r.payload()));
            c.nextRecoveryTick = config.timing().recoveryTimeoutTicks() + random.nextInt(config.timing().recoveryTimeoutTicks());
            cmds.put(c.id, c);
            if (c.proposal != 0) {
                promises.restoreAttached(c.id, c.buckets, c.proposal, c.committed());
            }
            if (c.phase == Phase.COMMIT && executedContains(c.id)) {
                c.phase = Phase.EXECUTE; // D15: execution is recorded in the executed set only
            }
            if (c.phase == Phase.EXECUTE) {
                executedLive.add(c.id);
            } else if (c.phase == Phase.COMMIT) {
                executor.enqueue(c);
                for (int b : c.buckets) {
                    touchedBuckets.set(b);
                }
            } else {
                uncommitted.add(c.id);
            }
        }
        promises.recomputeOwn();
        // A snapshot was being installed at the crash: the data is incomplete until another one is (D8b).
        installing = s.installing();
        if (nextSequence > 1 || !s.executed().isEmpty() || !s.commands().isEmpty()) {
            catchUpTarget = new TreeMap<>();
        }
    }
}
