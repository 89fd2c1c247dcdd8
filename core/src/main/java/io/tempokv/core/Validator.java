package io.tempokv.core;

import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MConsensus;
import io.tempokv.core.message.MConsensusAck;
import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPayload;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MSnapshot;
import io.tempokv.core.message.MSnapshotRequest;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.MRec;
import io.tempokv.core.message.MRecAck;
import io.tempokv.core.message.MRecNAck;
import io.tempokv.core.message.Message;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;

/**
 * Structural checks on requests and peer messages before they touch state. Each check returns null
 * when the input is fine, or a sentence naming what is wrong.
 */
final class Validator {
    private final ReplicaConfig config;

    Validator(ReplicaConfig config) {
        this.config = config;
    }

    /** A client request: sizes, keys of this shard only (multi-shard commands come later). */
    String request(Request r) {
        ReplicaConfig.Limits l = config.limits();
        if (r == null || r.id() == null || r.ops() == null) {
            return "request is missing its id or operations";
        }
        if (r.ops().isEmpty() || r.ops().size() > l.opsPerCommandMax()) {
            return "a request needs 1 to " + l.opsPerCommandMax() + " operations, got " + r.ops().size();
        }
        for (Op op : r.ops()) {
            String problem = op(op);
            if (problem != null) {
                return problem;
            }
            int s = Keys.shardOf(op.key(), config.shards());
            if (s != config.shard()) {
                return "key '" + abbreviate(op.key()) + "' belongs to shard " + s + ", not " + config.shard()
                        + "; multi-shard commands are not supported yet: send one request per shard";
            }
        }
        return null;
    }

    private String op(Op op) {
        ReplicaConfig.Limits l = config.limits();
        int keyBytes = op.key().getBytes(StandardCharsets.UTF_8).length;
        if (keyBytes == 0 || keyBytes > l.keyBytesMax()) {
            return "key must be 1 to " + l.keyBytesMax() + " bytes, got " + keyBytes;
        }
        for (String v : new String[] {op.value(), op.expected()}) {
            if (v != null && v.getBytes(StandardCharsets.UTF_8).length > l.valueBytesMax()) {
                return "value for key '" + abbreviate(op.key()) + "' is larger than the limit of " + l.valueBytesMax() + " bytes";
            }
        }
        return null;
    }

    private String command(CommandId id, Command c) {
        if (c == null || c.id() == null || !c.id().equals(id)) {
            return "payload missing or its id does not match " + id;
        }
        if (!c.singleShard() || c.shards().get(0) != config.shard()) {
            return "command " + id + " names shards " + c.shards() + "; this replica serves shard " + config.shard()
                    + " and multi-shard commands are not supported by this version";
        }
        return request(new Request(c.request(), c.ops()));
    }

    private String quorum(List<Integer> q, int coordinator, boolean full) {
        if (q == null || (full && q.size() != config.fastQuorumSize())) {
            return "fast quorum must have " + config.fastQuorumSize() + " members, got " + q;
        }
        if (!q.isEmpty() && !q.contains(coordinator)) {
            return "fast quorum " + q + " does not contain its coordinator " + coordinator;
        }
        if (new HashSet<>(q).size() != q.size() || !config.members().containsAll(q)) {
            return "fast quorum " + q + " has duplicates or non-members";
        }
        return null;
    }

    private String ballot(Ballot b, int from, boolean mustBeFromSender) {
        if (b == null || b.isZero() || !config.isMember(b.process())) {
            return "ballot " + b + " is zero or not owned by a member";
        }
        if (mustBeFromSender && b.process() != from) {
            return "ballot " + b + " belongs to process " + b.process() + " but came from " + from;
        }
        return null;
    }

    String message(int from, Message m) {
        if (m instanceof MPropose p) {
            return first(p.id() == null ? "missing id" : null, command(p.id(), p.cmd()),
                    quorum(p.quorum(), p.coordinator(), true),
                    p.coordinator() != from ? "MPropose coordinator " + p.coordinator() + " is not the sender " + from : null,
                    p.quorum() != null && !p.quorum().contains(config.self()) ? "MPropose sent outside its fast quorum" : null,
                    p.t0() < 1 ? "t0 must be positive" : null);
        } else if (m instanceof MPayload p) {
            return first(p.id() == null ? "missing id" : null, command(p.id(), p.cmd()), quorum(p.quorum(), p.coordinator(), true));
        } else if (m instanceof MProposeAck a) {
            return first(a.id() == null ? "missing id" : null, a.ts() < 1 ? "timestamp must be positive" : null);
        } else if (m instanceof MCommit c) {
            return first(c.id() == null ? "missing id" : null, c.ts() < 1 ? "timestamp must be positive" : null,
                    c.cmd() == null ? null : command(c.id(), c.cmd()),
                    c.cmd() == null ? null : quorum(c.quorum(), c.coordinator(), true));
        } else if (m instanceof MConsensus c) {
            return first(c.id() == null ? "missing id" : null, c.ts() < 1 ? "timestamp must be positive" : null,
                    ballot(c.ballot(), from, true));
        } else if (m instanceof MConsensusAck a) {
            return first(a.id() == null ? "missing id" : null, ballot(a.ballot(), from, false));
        } else if (m instanceof MRec r) {
            return first(r.id() == null ? "missing id" : null, ballot(r.ballot(), from, true),
                    r.ballot() != null && r.ballot().round() < 1 ? "recovery ballots start at round 1" : null,
                    command(r.id(), r.cmd()), quorum(r.quorum(), r.coordinator(), true));
        } else if (m instanceof MRecAck a) {
            return first(a.id() == null ? "missing id" : null, a.ts() < 1 ? "timestamp must be positive" : null,
                    a.phase() != Phase.RECOVER_R && a.phase() != Phase.RECOVER_P ? "MRecAck phase must be RECOVER_R or RECOVER_P, got " + a.phase() : null,
                    a.abal() == null ? "missing accepted ballot" : null, ballot(a.ballot(), from, false));
        } else if (m instanceof MRecNAck a) {
            return first(a.id() == null ? "missing id" : null, a.ballot() == null ? "missing ballot" : null);
        } else if (m instanceof MPromises p) {
            return promises(p);
        } else if (m instanceof MExecuted e) {
            return executed(e.origins());
        } else if (m instanceof MSnapshotRequest r) {
            if (r.id() == 0 ? r.part() != 0 : r.part() < 1) {
                return "snapshot request for part " + r.part() + " of snapshot " + r.id() + ": a new snapshot (id 0) starts at part 0, a"
                        + " running one continues from part 1";
            }
            return executed(r.executed());
        } else if (m instanceof MSnapshot s) {
            return snapshot(s);
        }
        return null;
    }

    private String snapshot(MSnapshot s) {
        if (s.part() < 0 || (s.part() == 0 && s.last())) {
            return "snapshot part " + s.part() + (s.last() ? " (last)" : "") + ": parts count from 0, and part 0 (the header) is never the last";
        }
        String problem = executed(s.executed());
        if (problem != null) {
            return problem;
        }
        for (MSnapshot.BucketClock c : s.clocks()) {
            if (c.bucket() < 0 || c.bucket() >= config.buckets() || c.clock() < 0) {
                return "snapshot clock of bucket " + c.bucket() + " (" + c.clock() + ") out of range";
            }
        }
        for (MSnapshot.Entry e : s.data()) {
            if (e.key() == null || e.value() == null) {
                return "snapshot entry with a missing key or value";
            }
            if (Keys.shardOf(e.key(), config.shards()) != config.shard()) {
                return "snapshot key " + abbreviate(e.key()) + " belongs to shard " + Keys.shardOf(e.key(), config.shards())
                        + ", not " + config.shard();
            }
        }
        for (MSnapshot.BucketClock h : s.horizons()) {
            if (h.bucket() < 0 || h.bucket() >= config.buckets() || h.clock() <= 0) {
                return "snapshot session horizon of bucket " + h.bucket() + " (" + h.clock() + ") out of range";
            }
        }
        for (MSnapshot.Session ss : s.sessions()) {
            if (ss.bucket() < 0 || ss.bucket() >= config.buckets() || ss.session() == null) {
                return "snapshot session of bucket " + ss.bucket() + " out of range or empty";
            }
        }
        return null;
    }

    private String promises(MPromises p) {
        if (p.buckets().size() > config.limits().bucketsPerPromiseMessageMax()) {
            return "MPromises carries " + p.buckets().size() + " buckets, limit " + config.limits().bucketsPerPromiseMessageMax();
        }
        for (MPromises.BucketPromises bp : p.buckets()) {
            if (bp.bucket() < 0 || bp.bucket() >= config.buckets() || bp.clock() < 0) {
                return "bucket " + bp.bucket() + " or clock " + bp.clock() + " out of range";
            }
            for (MPromises.Attached a : bp.attached()) {
                if (a.id() == null || a.value() < 1 || a.value() > bp.clock()) {
                    return "attached promise " + a + " is not within 1.." + bp.clock();
                }
            }
        }
        for (MPromises.Collected c : p.collected()) {
            if (c.origin() < 1 || c.watermark() < 0) {
                return "collection horizon has origin " + c.origin() + " watermark " + c.watermark();
            }
        }
        return null;
    }

    private String executed(java.util.List<MExecuted.OriginExecuted> origins) {
        for (MExecuted.OriginExecuted o : origins) {
            if (o.origin() < 1 || o.watermark() < 0) {
                return "executed summary has origin " + o.origin() + " watermark " + o.watermark();
            }
            for (long s : o.above()) {
                if (s <= o.watermark()) {
                    return "executed summary lists " + s + " at or below its watermark " + o.watermark();
                }
            }
        }
        return null;
    }

    private static String first(String... problems) {
        for (String p : problems) {
            if (p != null) {
                return p;
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
