package io.tempokv.wire;

import io.tempokv.core.Ballot;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
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
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Seeded random core objects with awkward values on purpose: zero ballots, empty lists, null payloads,
 * absent versus empty strings, non-ASCII keys, extreme longs (uint64 fields must keep every bit).
 * Everything generated is something core's constructors accept, so it must survive a round trip.
 */
final class Gen {
    /** Number of distinct peer message types; {@link #message(int)} takes 0 to this minus one. */
    static final int MESSAGE_TYPES = 14;

    private final SplittableRandom r;

    Gen(long seed) {
        r = new SplittableRandom(seed);
    }

    SplittableRandom random() {
        return r;
    }

    boolean chance(double p) {
        return r.nextDouble() < p;
    }

    // ------------------------------------------------------------------ scalars

    /** Mostly small ids, sometimes the largest a Java int holds. */
    int process() {
        return chance(0.1) ? Integer.MAX_VALUE - r.nextInt(3) : 1 + r.nextInt(9);
    }

    int natural() {
        return chance(0.1) ? Integer.MAX_VALUE : r.nextInt(10);
    }

    long positiveLong() {
        return chance(0.1) ? Long.MAX_VALUE : 1 + r.nextInt(1_000_000);
    }

    /** Any bit pattern, including 0 and negatives (uint64 above 2^63-1). */
    long anyLong() {
        switch (r.nextInt(4)) {
            case 0: return 0;
            case 1: return r.nextLong();
            case 2: return -1 - r.nextInt(5);
            default: return r.nextInt(1_000_000);
        }
    }

    /** "", ASCII, or a mix of Latin-1, CJK, emoji (surrogate pairs) and NUL: all valid UTF-16. */
    String string() {
        int len = chance(0.15) ? 0 : 1 + r.nextInt(12);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < len; i++) {
            switch (r.nextInt(6)) {
                case 0: sb.appendCodePoint(0x4e00 + r.nextInt(0x5000)); break;
                case 1: sb.appendCodePoint(0x1f600 + r.nextInt(0x50)); break;
                case 2: sb.appendCodePoint(0xa0 + r.nextInt(0x60)); break;
                case 3: sb.appendCodePoint(chance(0.2) ? 0 : 0x10000 + r.nextInt(0x100)); break;
                default: sb.append((char) (0x20 + r.nextInt(0x5f)));
            }
        }
        return sb.toString();
    }

    /** null, "" or a string, so that absent and empty are both exercised. */
    String optString() {
        int k = r.nextInt(3);
        return k == 0 ? null : k == 1 ? "" : string();
    }

    // ------------------------------------------------------------------ core values

    CommandId commandId() {
        return new CommandId(process(), positiveLong());
    }

    ClientRequestId requestId() {
        return new ClientRequestId(positiveLong(), positiveLong());
    }

    Ballot ballot() {
        return chance(0.3) ? Ballot.ZERO : new Ballot(natural(), chance(0.1) ? 0 : process());
    }

    Phase phase() {
        return Phase.values()[r.nextInt(Phase.values().length)];
    }

    Op op() {
        Op.Kind kind = Op.Kind.values()[r.nextInt(4)];
        boolean needsValue = kind == Op.Kind.PUT || kind == Op.Kind.CAS;
        String value = needsValue ? (chance(0.2) ? "" : string()) : optString();
        return new Op(kind, string(), value, optString());
    }

    List<Op> ops(int min) {
        int n = chance(0.05) ? Codec.MAX_OPS : min + r.nextInt(5);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ops.add(op());
        }
        return ops;
    }

    /** Shards sorted and distinct, as Command requires; the list may be empty. */
    Command command() {
        TreeSet<Integer> shards = new TreeSet<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            shards.add(natural());
        }
        List<Op> ops = ops(1);
        // D16's flag, where it is allowed (reads only), half of the time, so round trips carry it.
        return new Command(commandId(), requestId(), ops, new ArrayList<>(shards), Command.readOnly(ops) && r.nextBoolean());
    }

    List<Integer> quorum() {
        int n = chance(0.05) ? Codec.MAX_QUORUM : r.nextInt(8);
        List<Integer> q = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            q.add(process());
        }
        return q;
    }

    OpResult opResult() {
        return new OpResult(r.nextBoolean(), optString());
    }

    List<OpResult> results() {
        int n = r.nextInt(5);
        List<OpResult> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(opResult());
        }
        return out;
    }

    List<Long> longs(int max) {
        int n = r.nextInt(max + 1);
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(anyLong());
        }
        return out;
    }

    // ------------------------------------------------------------------ messages

    Message message() {
        return message(r.nextInt(MESSAGE_TYPES));
    }

    Message message(int type) {
        switch (type) {
            case 0: return new MPropose(commandId(), command(), quorum(), process(), anyLong());
            case 1: return new MPayload(commandId(), command(), quorum(), process());
            case 2: return new MProposeAck(commandId(), anyLong());
            case 3: return chance(0.5) ? MCommit.of(commandId(), anyLong())
                    : new MCommit(commandId(), anyLong(), command(), quorum(), process());
            case 4: return new MConsensus(commandId(), anyLong(), ballot());
            case 5: return new MConsensusAck(commandId(), ballot());
            case 6: return new MRec(commandId(), ballot(), command(), quorum(), process());
            case 7: return new MRecAck(commandId(), anyLong(), phase(), ballot(), ballot());
            case 8: return new MRecNAck(commandId(), ballot());
            case 9: return new MCommitRequest(commandId());
            case 10: return promises();
            case 11: return executed();
            case 12: return chance(0.5) ? new MSnapshotRequest(originsExecuted()) : new MSnapshotRequest(List.of(), anyLong(), natural());
            case 13: return shardSnapshot();
            default: throw new IllegalArgumentException("no message type " + type);
        }
    }

    MPromises promises() {
        List<MPromises.BucketPromises> buckets = new ArrayList<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            List<MPromises.Attached> attached = new ArrayList<>();
            int k = r.nextInt(5);
            for (int j = 0; j < k; j++) {
                attached.add(new MPromises.Attached(anyLong(), commandId()));
            }
            buckets.add(new MPromises.BucketPromises(natural(), anyLong(), attached));
        }
        if (chance(0.3)) {
            return new MPromises(buckets);
        }
        List<MPromises.Collected> collected = new ArrayList<>();
        int k = r.nextInt(5);
        for (int i = 0; i < k; i++) {
            collected.add(new MPromises.Collected(process(), anyLong()));
        }
        return new MPromises(buckets, collected);
    }

    MExecuted executed() {
        return new MExecuted(originsExecuted());
    }

    List<MExecuted.OriginExecuted> originsExecuted() {
        List<MExecuted.OriginExecuted> origins = new ArrayList<>();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            origins.add(new MExecuted.OriginExecuted(process(), anyLong(), longs(5)));
        }
        return origins;
    }

    /** Values are never null (an absent key is not listed) but may be ""; clients are ids, so positive. */
    MSnapshot shardSnapshot() {
        List<MSnapshot.BucketClock> clocks = new ArrayList<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            clocks.add(new MSnapshot.BucketClock(natural(), anyLong()));
        }
        List<MSnapshot.Entry> data = new ArrayList<>();
        n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            data.add(new MSnapshot.Entry(string(), chance(0.2) ? "" : string()));
        }
        List<MSnapshot.Session> sessions = new ArrayList<>();
        n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            sessions.add(new MSnapshot.Session(natural(), positiveLong(), session()));
        }
        List<MSnapshot.BucketClock> horizons = new ArrayList<>();
        n = r.nextInt(3);
        for (int i = 0; i < n; i++) {
            horizons.add(new MSnapshot.BucketClock(natural(), anyLong()));
        }
        return new MSnapshot(originsExecuted(), clocks, data, sessions, horizons, anyLong(), natural(), chance(0.5));
    }

    // ------------------------------------------------------------------ records and client frames

    /** Without a payload, as core writes it, quorum is empty and coordinator 0. */
    CommandRecord commandRecord() {
        boolean known = chance(0.7);
        return new CommandRecord(commandId(), known ? command() : null, known ? quorum() : List.of(),
                known ? process() : 0, phase(), anyLong(), ballot(), ballot(), anyLong(), anyLong());
    }

    ClientSession session() {
        return new ClientSession(anyLong(), results());
    }

    DurableState.ExecutedSnapshot snapshot() {
        return new DurableState.ExecutedSnapshot(anyLong(), longs(20));
    }

    Request request() {
        return new Request(requestId(), ops(0));
    }

    /** Detail is null or non-empty: "" cannot be told from null on the wire (a plain proto string). */
    Reply reply() {
        if (r.nextBoolean()) {
            return Reply.ok(requestId(), results());
        }
        String detail = string();
        return r.nextBoolean() ? Reply.rejected(requestId(), detail.isEmpty() ? "x" : detail)
                : Reply.unavailable(requestId(), detail.isEmpty() ? "x" : detail);
    }

    StatusInfo status() {
        List<StatusInfo.ShardStatus> shards = new ArrayList<>();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
            shards.add(new StatusInfo.ShardStatus(natural(), quorum(), quorum(), r.nextBoolean(),
                    anyLong(), anyLong(), anyLong(), anyLong()));
        }
        return new StatusInfo(anyLong(), process(), quorum(), shards);
    }
}
