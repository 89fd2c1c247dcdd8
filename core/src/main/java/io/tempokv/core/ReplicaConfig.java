package io.tempokv.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a replica of one shard needs to know: who it is, the members of its shard (process ids,
 * all >= 1), f, how many clock buckets keys hash into, timers in ticks and limits. Quorum sizes are
 * derived here, once (docs/protocol.md, "Quorum sizes").
 */
public record ReplicaConfig(int shard, int shards, List<Integer> members, int self, int f, int buckets,
                            Timing timing, Limits limits) {

    /**
     * Timers, all counted in ticks of the host's clock. {@code recoveryTimeoutTicks}: a command whose
     * coordinator is suspected is recovered by the responsible member after this (plus jitter), and
     * it is the base of the recovery backoff. {@code coordinatorPatienceTicks}: how long a live
     * coordinator's command may take before the coordinator recovers it itself (at once if a
     * fast-quorum member that has not answered is suspected); others step in after three times it.
     * {@code gcDownTicks}: a member suspected for this long is left out of garbage collection, so a
     * member that is down costs no memory; when it returns behind the others it catches up by a
     * snapshot, asked for again after {@code snapshotRetryTicks} if none arrived (docs/protocol.md,
     * D5 and D8). {@code heartbeatTicks}: a promise summary that says nothing new is sent only
     * this long after the previous one; {@code quietRefreshTicks}: an unchanged full refresh or
     * executed report is repeated this often (docs/protocol.md, D4c).
     */
    public record Timing(int promiseIntervalTicks, int fullRefreshIntervals, int gcIntervalTicks,
                         int scanIntervalTicks, int recoveryTimeoutTicks, int coordinatorPatienceTicks,
                         int suspectTicks, int commitRequestTicks, int backoffMaxTicks, int gcDownTicks,
                         int snapshotRetryTicks, int heartbeatTicks, int quietRefreshTicks) {
        public Timing {
            if (heartbeatTicks < promiseIntervalTicks || heartbeatTicks >= suspectTicks) {
                throw new IllegalArgumentException("heartbeatTicks must be at least the promise interval (" + promiseIntervalTicks
                        + ") and below suspectTicks (" + suspectTicks + "), got " + heartbeatTicks);
            }
        }

        public static Timing defaults() {
            return new Timing(5, 8, 20, 5, 60, 60, 40, 30, 480, 1_000, 1_000, 20, 160);
        }

        public Timing withCoordinatorPatience(int ticks) {
            return new Timing(promiseIntervalTicks, fullRefreshIntervals, gcIntervalTicks, scanIntervalTicks,
                    recoveryTimeoutTicks, ticks, suspectTicks, commitRequestTicks, backoffMaxTicks, gcDownTicks,
                    snapshotRetryTicks, heartbeatTicks, quietRefreshTicks);
        }

        public Timing withGcDown(int ticks) {
            return new Timing(promiseIntervalTicks, fullRefreshIntervals, gcIntervalTicks, scanIntervalTicks,
                    recoveryTimeoutTicks, coordinatorPatienceTicks, suspectTicks, commitRequestTicks, backoffMaxTicks,
                    ticks, snapshotRetryTicks, heartbeatTicks, quietRefreshTicks);
        }
    }

    /**
     * Every bound the replica enforces. {@code snapshotBytesMax}: the largest part of a snapshot (D8)
     * a donor sends, estimated from its keys, values and sessions; hosts set it below their frame
     * limit. {@code sessionsPerBucketMax}: client sessions a clock bucket keeps before it drops the
     * one with the lowest sequence number (D12).
     */
    public record Limits(int pendingCommandsMax, int opsPerCommandMax, int keyBytesMax, int valueBytesMax,
                         int bucketsPerPromiseMessageMax, long snapshotBytesMax, int sessionsPerBucketMax) {
        public static final int SESSIONS_PER_BUCKET_DEFAULT = 64;

        public Limits {
            if (sessionsPerBucketMax < 1) {
                throw new IllegalArgumentException("sessionsPerBucketMax must be at least 1, got " + sessionsPerBucketMax);
            }
        }

        public static Limits defaults() {
            return new Limits(20_000, 64, 1024, 1 << 20, 256, 12L << 20, SESSIONS_PER_BUCKET_DEFAULT);
        }

        public Limits withSnapshotBytesMax(long bytes) {
            return new Limits(pendingCommandsMax, opsPerCommandMax, keyBytesMax, valueBytesMax, bucketsPerPromiseMessageMax, bytes,
                    sessionsPerBucketMax);
        }

        public Limits withSessionsPerBucketMax(int sessions) {
            return new Limits(pendingCommandsMax, opsPerCommandMax, keyBytesMax, valueBytesMax, bucketsPerPromiseMessageMax,
                    snapshotBytesMax, sessions);
        }
    }

    public ReplicaConfig {
        members = List.copyOf(members);
        List<String> errors = new ArrayList<>();
        if (members.size() < 1) {
            errors.add("members must not be empty");
        }
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i) < 1) {
                errors.add("member ids start at 1, got " + members.get(i));
            }
            if (i > 0 && members.get(i - 1) >= members.get(i)) {
                errors.add("members must be sorted and distinct: " + members);
            }
        }
        if (!members.contains(self)) {
            errors.add("self " + self + " is not one of the members " + members);
        }
        int n = members.size();
        if (n > 1 && (f < 1 || f > (n - 1) / 2)) {
            errors.add("f must be between 1 and (n-1)/2 = " + (n - 1) / 2 + " for n = " + n + ", got " + f);
        }
        if (n == 1 && f != 0) {
            errors.add("a single-member shard has f = 0, got " + f);
        }
        if (buckets < 1 || shards < 1 || shard < 0 || shard >= shards) {
            errors.add("need buckets >= 1 and 0 <= shard < shards, got buckets=" + buckets + " shard=" + shard + " shards=" + shards);
        }
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException("invalid replica config: " + String.join("; ", errors));
        }
    }

    public static ReplicaConfig of(List<Integer> members, int self, int f) {
        return new ReplicaConfig(0, 1, members, self, f, 64, Timing.defaults(), Limits.defaults());
    }

    public int n() {
        return members.size();
    }

    /** floor(n/2) + f, coordinator included (1 for a single-member shard). */
    public int fastQuorumSize() {
        return Math.max(1, Math.min(n(), n() / 2 + f));
    }

    /** Replies that must carry the maximum proposal for the fast path. */
    public int fastPathThreshold() {
        return f;
    }

    /** Flexible Paxos phase 2. */
    public int slowQuorumSize() {
        return f + 1;
    }

    /** Flexible Paxos phase 1 (recovery). */
    public int recoveryQuorumSize() {
        return n() - f;
    }

    /** Processes whose promises make a timestamp stable. */
    public int stabilityThreshold() {
        return n() / 2 + 1;
    }

    public int indexOf(int process) {
        return members.indexOf(process);
    }

    public boolean isMember(int process) {
        return members.contains(process);
    }

    public ReplicaConfig withSelf(int newSelf) {
        return new ReplicaConfig(shard, shards, members, newSelf, f, buckets, timing, limits);
    }

    public ReplicaConfig withTiming(Timing newTiming) {
        return new ReplicaConfig(shard, shards, members, self, f, buckets, newTiming, limits);
    }

    public ReplicaConfig withLimits(Limits newLimits) {
        return new ReplicaConfig(shard, shards, members, self, f, buckets, timing, newLimits);
    }
}
