package io.tempokv.core;

import java.util.Arrays;

/**
 * What a replica has measured about how long things take here, for its timers (docs/protocol.md,
 * D9). Slow is not failed: a command that takes as long as commands usually take here is not
 * recovered, and a peer that is as quiet as it usually is between messages is not suspected. The
 * configured timings are floors; the measured ones are capped, so a crashed coordinator's commands
 * are still recovered within a bounded time. All in ticks; only liveness depends on it.
 */
final class Pace {
    /** Commit latencies kept: the most recent ones, enough for a 99th percentile. */
    static final int SAMPLES = 512;
    /** Latencies older than this many ticks are forgotten: the pace is today's, not yesterday's. */
    static final long WINDOW_TICKS = 10_000;
    /** Patience never grows beyond this many ticks, whatever was measured. */
    static final long PATIENCE_MAX_TICKS = 4_000;
    /** A reachable peer's silence is always suspicious after this many ticks. */
    static final long SUSPECT_MAX_TICKS = 1_000;

    private final ReplicaConfig.Timing timing;
    private final long[] samples = new long[SAMPLES];
    private final long[] sampledAt = new long[SAMPLES];
    private int count;
    private int next;
    private long p99;
    private long p99At = -1;
    /** Per member index: the longest recent gap between two messages from it, decaying. */
    private final long[] gapPeak;
    /** Per member index: how long its MProposeAcks take to come back here, smoothed and decaying; 0 = not measured (D11). */
    private final long[] answer;
    private final long suspectFloor;

    Pace(ReplicaConfig.Timing timing, int members) {
        this.timing = timing;
        this.gapPeak = new long[members];
        this.answer = new long[members];
        this.suspectFloor = timing.suspectTicks() + timing.heartbeatTicks() - timing.promiseIntervalTicks();
    }

    /**
     * The member at index i answered this replica's proposal after ticks (D11). The estimate rises
     * by a quarter of the difference and falls by a sixteenth: a peer that turns slow is noticed
     * within a few commands, one quick answer does not clear it.
     */
    void answered(int i, long ticks) {
        long e = answer[i];
        long t = Math.min(Math.max(0, ticks), PATIENCE_MAX_TICKS);
        answer[i] = t > e ? e + (t - e + 3) / 4 : e - (e - t) / 16;
    }

    /**
     * Whether the member at index i answers much slower than the quickest of the given ones:
     * above twice that one's estimate plus 10 ticks (D11). Never true of a member not measured,
     * or measured long ago (the estimate decays).
     */
    boolean answersSlowly(int i, java.util.List<Integer> indexes) {
        long best = Long.MAX_VALUE;
        for (int k : indexes) {
            best = Math.min(best, answer[k]);
        }
        return best != Long.MAX_VALUE && answer[i] > 2 * best + 10;
    }

    /** A command known here before its commit committed at tick now, after this many ticks. */
    void commitLatency(long now, long ticks) {
        samples[next] = Math.min(Math.max(0, ticks), PATIENCE_MAX_TICKS);
        sampledAt[next] = now;
        next = (next + 1) % SAMPLES;
        count = Math.min(count + 1, SAMPLES);
        p99At = -1;
    }

    /** The 99th percentile of the commit latencies of the last WINDOW_TICKS, 0 if none; computed once per tick. */
    long commitP99(long now) {
        if (p99At != now) {
            long[] recent = new long[count];
            int k = 0;
            for (int i = 0; i < count; i++) {
                if (sampledAt[i] >= now - WINDOW_TICKS) {
                    recent[k++] = samples[i];
                }
            }
            Arrays.sort(recent, 0, k);
            p99 = k == 0 ? 0 : recent[Math.max(0, (int) Math.ceil(k * 0.99) - 1)];
            p99At = now;
        }
        return p99;
    }

    /** How long a live coordinator's command may take before it is recovered: three p99s, at least the configured. */
    long patience(long now) {
        return Math.min(Math.max(timing.coordinatorPatienceTicks(), 3 * commitP99(now)), PATIENCE_MAX_TICKS);
    }

    /** How long a recovery round (or a wait for one) lasts before the next: two p99s, at least the configured. */
    long roundTimeout(long now) {
        return Math.min(Math.max(timing.recoveryTimeoutTicks(), 2 * commitP99(now)), PATIENCE_MAX_TICKS);
    }

    /**
     * A message from the member at index i arrived after gap ticks of silence. Gaps up to twice the
     * current suspicion timeout count as the peer's normal pace (a loaded peer pauses); longer ones
     * were outages and say nothing about its pace.
     */
    void heard(int i, long gap) {
        if (gap > gapPeak[i] && gap <= 2 * suspectTicks(i)) {
            gapPeak[i] = gap;
        }
    }

    /**
     * Silence after which the member at index i is suspected: three times its recent longest gap, at
     * least the configured plus the time a quiet member waits between heartbeats beyond the promise
     * interval (D4c; the configured value was chosen for a heartbeat every interval).
     */
    long suspectTicks(int i) {
        return Math.min(Math.max(suspectFloor, 3 * gapPeak[i]), SUSPECT_MAX_TICKS);
    }

    /** Called every garbage-collection interval: old pauses and slow answers weigh less and less. */
    void decay() {
        for (int i = 0; i < gapPeak.length; i++) {
            gapPeak[i] = gapPeak[i] * 63 / 64;
            answer[i] = answer[i] * 63 / 64;
        }
    }
}
