package io.tempokv.wire;

import io.tempokv.core.Ballot;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
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
import io.tempokv.wire.proto.PeerProto;
import java.util.ArrayList;
import java.util.List;

/**
 * The fourteen protocol messages to and from the body of a PeerFrame. Timestamps, clocks and t0 are
 * copied bit for bit (core's Validator judges their values); ids, ballots, quorums and payloads are
 * checked for shape by {@link Convert}.
 */
final class PeerConvert {
    private PeerConvert() {
    }

    // ------------------------------------------------------------------ encoding

    static void encode(PeerProto.PeerFrame.Builder f, Message m) {
        if (m instanceof MPropose p) {
            f.setPropose(PeerProto.MPropose.newBuilder().setId(Convert.proto(p.id())).setCmd(Convert.proto(p.cmd()))
                    .addAllQuorum(p.quorum()).setCoordinator(p.coordinator()).setT0(p.t0()));
        } else if (m instanceof MPayload p) {
            f.setPayload(PeerProto.MPayload.newBuilder().setId(Convert.proto(p.id())).setCmd(Convert.proto(p.cmd()))
                    .addAllQuorum(p.quorum()).setCoordinator(p.coordinator()));
        } else if (m instanceof MProposeAck a) {
            f.setProposeAck(PeerProto.MProposeAck.newBuilder().setId(Convert.proto(a.id())).setTs(a.ts()));
        } else if (m instanceof MCommit c) {
            f.setCommit(commit(c));
        } else if (m instanceof MConsensus c) {
            f.setConsensus(PeerProto.MConsensus.newBuilder().setId(Convert.proto(c.id())).setTs(c.ts())
                    .setBallot(Convert.proto(c.ballot())));
        } else if (m instanceof MConsensusAck a) {
            f.setConsensusAck(PeerProto.MConsensusAck.newBuilder().setId(Convert.proto(a.id()))
                    .setBallot(Convert.proto(a.ballot())));
        } else if (m instanceof MRec r) {
            f.setRec(PeerProto.MRec.newBuilder().setId(Convert.proto(r.id())).setBallot(Convert.proto(r.ballot()))
                    .setCmd(Convert.proto(r.cmd())).addAllQuorum(r.quorum()).setCoordinator(r.coordinator()));
        } else if (m instanceof MRecAck a) {
            f.setRecAck(PeerProto.MRecAck.newBuilder().setId(Convert.proto(a.id())).setTs(a.ts())
                    .setPhase(Convert.proto(a.phase())).setAbal(Convert.proto(a.abal())).setBallot(Convert.proto(a.ballot())));
        } else if (m instanceof MRecNAck n) {
            f.setRecNack(PeerProto.MRecNAck.newBuilder().setId(Convert.proto(n.id())).setBallot(Convert.proto(n.ballot())));
        } else if (m instanceof MCommitRequest r) {
            f.setCommitRequest(PeerProto.MCommitRequest.newBuilder().setId(Convert.proto(r.id())));
        } else if (m instanceof MPromises p) {
            f.setPromises(promises(p));
        } else if (m instanceof MExecuted e) {
            f.setExecuted(executed(e));
        } else if (m instanceof MSnapshotRequest r) {
            f.setSnapshotRequest(PeerProto.MSnapshotRequest.newBuilder().addAllExecuted(origins(r.executed())).setId(r.id()).setPart(r.part()));
        } else if (m instanceof MSnapshot s) {
            f.setSnapshot(snapshot(s));
        } else {
            // Message is sealed; this only fires if core adds a message type and wire is not updated.
            throw new IllegalArgumentException("no wire encoding for " + m.getClass().getName());
        }
    }

    private static PeerProto.MCommit commit(MCommit c) {
        PeerProto.MCommit.Builder b = PeerProto.MCommit.newBuilder().setId(Convert.proto(c.id())).setTs(c.ts())
                .addAllQuorum(c.quorum()).setCoordinator(c.coordinator());
        if (c.cmd() != null) {
            b.setCmd(Convert.proto(c.cmd()));
        }
        return b.build();
    }

    // Sub-messages are built and then added, not edited in place through addXxxBuilder(): nested
    // builders cost about twice as much, and promises and executed summaries are the bulk of traffic.
    private static PeerProto.MPromises promises(MPromises p) {
        PeerProto.MPromises.Builder b = PeerProto.MPromises.newBuilder();
        for (MPromises.BucketPromises bp : p.buckets()) {
            PeerProto.BucketPromises.Builder bb = PeerProto.BucketPromises.newBuilder()
                    .setBucket(bp.bucket()).setClock(bp.clock());
            for (MPromises.Attached a : bp.attached()) {
                bb.addAttached(PeerProto.Attached.newBuilder().setValue(a.value()).setId(Convert.proto(a.id())).build());
            }
            b.addBuckets(bb.build());
        }
        for (MPromises.Collected c : p.collected()) {
            b.addCollected(PeerProto.Collected.newBuilder().setOrigin(c.origin()).setWatermark(c.watermark()).build());
        }
        return b.build();
    }

    private static PeerProto.MExecuted executed(MExecuted e) {
        PeerProto.MExecuted.Builder b = PeerProto.MExecuted.newBuilder();
        for (MExecuted.OriginExecuted o : e.origins()) {
            b.addOrigins(origin(o));
        }
        return b.build();
    }

    private static PeerProto.OriginExecuted origin(MExecuted.OriginExecuted o) {
        return PeerProto.OriginExecuted.newBuilder()
                .setOrigin(o.origin()).setWatermark(o.watermark()).addAllAbove(o.above()).build();
    }

    private static List<PeerProto.OriginExecuted> origins(List<MExecuted.OriginExecuted> origins) {
        List<PeerProto.OriginExecuted> out = new ArrayList<>(origins.size());
        for (MExecuted.OriginExecuted o : origins) {
            out.add(origin(o));
        }
        return out;
    }

    /** A null value in an entry is a caller bug (NullPointerException): absent keys are not listed. */
    private static PeerProto.MSnapshot snapshot(MSnapshot s) {
        PeerProto.MSnapshot.Builder b = PeerProto.MSnapshot.newBuilder().addAllExecuted(origins(s.executed()))
                .setId(s.id()).setPart(s.part()).setLast(s.last());
        for (MSnapshot.BucketClock c : s.clocks()) {
            b.addClocks(PeerProto.BucketClock.newBuilder().setBucket(c.bucket()).setClock(c.clock()).build());
        }
        for (MSnapshot.BucketClock h : s.horizons()) {
            b.addHorizons(PeerProto.BucketClock.newBuilder().setBucket(h.bucket()).setClock(h.clock()).build());
        }
        for (MSnapshot.Entry e : s.data()) {
            b.addData(PeerProto.SnapshotEntry.newBuilder().setKey(e.key()).setValue(e.value()).build());
        }
        for (MSnapshot.Session ss : s.sessions()) {
            PeerProto.SnapshotSession.Builder sb = PeerProto.SnapshotSession.newBuilder()
                    .setBucket(ss.bucket()).setClient(ss.client()).setSeq(ss.session().seq());
            for (OpResult r : ss.session().results()) {
                sb.addResults(Convert.proto(r));
            }
            b.addSessions(sb.build());
        }
        return b.build();
    }

    // ------------------------------------------------------------------ decoding

    static Message decode(PeerProto.PeerFrame f) throws WireFormatException {
        switch (f.getBodyCase()) {
            case PROPOSE: return propose(f.getPropose());
            case PAYLOAD: return payload(f.getPayload());
            case PROPOSE_ACK: return proposeAck(f.getProposeAck());
            case COMMIT: return commit(f.getCommit());
            case CONSENSUS: return consensus(f.getConsensus());
            case CONSENSUS_ACK: return consensusAck(f.getConsensusAck());
            case REC: return rec(f.getRec());
            case REC_ACK: return recAck(f.getRecAck());
            case REC_NACK: return recNAck(f.getRecNack());
            case COMMIT_REQUEST: return commitRequest(f.getCommitRequest());
            case PROMISES: return promises(f.getPromises());
            case EXECUTED: return executed(f.getExecuted());
            case SNAPSHOT_REQUEST: return snapshotRequest(f.getSnapshotRequest());
            case SNAPSHOT: return snapshot(f.getSnapshot());
            case HELLO: throw Convert.bad("PeerFrame.body", "got a Hello, which is only valid as the first frame of a connection");
            default: throw Convert.bad("PeerFrame.body", "no protocol message (empty frame or a message type this version does not know)");
        }
    }

    private static MPropose propose(PeerProto.MPropose p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MPropose.id");
        Convert.require(p.hasCmd(), "MPropose.cmd");
        Command cmd = Convert.command(p.getCmd(), "MPropose.cmd");
        List<Integer> quorum = Convert.processIds(p.getQuorumList(), Codec.MAX_QUORUM, "MPropose.quorum");
        int coordinator = Convert.processId(p.getCoordinator(), "MPropose.coordinator");
        return new MPropose(id, cmd, quorum, coordinator, p.getT0());
    }

    private static MPayload payload(PeerProto.MPayload p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MPayload.id");
        Convert.require(p.hasCmd(), "MPayload.cmd");
        Command cmd = Convert.command(p.getCmd(), "MPayload.cmd");
        List<Integer> quorum = Convert.processIds(p.getQuorumList(), Codec.MAX_QUORUM, "MPayload.quorum");
        int coordinator = Convert.processId(p.getCoordinator(), "MPayload.coordinator");
        return new MPayload(id, cmd, quorum, coordinator);
    }

    private static MProposeAck proposeAck(PeerProto.MProposeAck p) throws WireFormatException {
        return new MProposeAck(Convert.commandId(p.hasId(), p.getId(), "MProposeAck.id"), p.getTs());
    }

    /** The payload is optional; without it core sends an empty quorum and coordinator 0. */
    private static MCommit commit(PeerProto.MCommit p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MCommit.id");
        Command cmd = p.hasCmd() ? Convert.command(p.getCmd(), "MCommit.cmd") : null;
        List<Integer> quorum = Convert.processIds(p.getQuorumList(), Codec.MAX_QUORUM, "MCommit.quorum");
        int coordinator = cmd != null
                ? Convert.processId(p.getCoordinator(), "MCommit.coordinator")
                : Convert.natural(p.getCoordinator(), "MCommit.coordinator");
        return new MCommit(id, p.getTs(), cmd, quorum, coordinator);
    }

    private static MConsensus consensus(PeerProto.MConsensus p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MConsensus.id");
        return new MConsensus(id, p.getTs(), Convert.ballot(p.hasBallot(), p.getBallot(), "MConsensus.ballot"));
    }

    private static MConsensusAck consensusAck(PeerProto.MConsensusAck p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MConsensusAck.id");
        return new MConsensusAck(id, Convert.ballot(p.hasBallot(), p.getBallot(), "MConsensusAck.ballot"));
    }

    private static MRec rec(PeerProto.MRec p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MRec.id");
        Ballot ballot = Convert.ballot(p.hasBallot(), p.getBallot(), "MRec.ballot");
        Convert.require(p.hasCmd(), "MRec.cmd");
        Command cmd = Convert.command(p.getCmd(), "MRec.cmd");
        List<Integer> quorum = Convert.processIds(p.getQuorumList(), Codec.MAX_QUORUM, "MRec.quorum");
        int coordinator = Convert.processId(p.getCoordinator(), "MRec.coordinator");
        return new MRec(id, ballot, cmd, quorum, coordinator);
    }

    private static MRecAck recAck(PeerProto.MRecAck p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MRecAck.id");
        Phase phase = Convert.phase(p.getPhase(), p.getPhaseValue(), "MRecAck.phase");
        Ballot abal = Convert.ballot(p.hasAbal(), p.getAbal(), "MRecAck.abal");
        Ballot ballot = Convert.ballot(p.hasBallot(), p.getBallot(), "MRecAck.ballot");
        return new MRecAck(id, p.getTs(), phase, abal, ballot);
    }

    private static MRecNAck recNAck(PeerProto.MRecNAck p) throws WireFormatException {
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "MRecNAck.id");
        return new MRecNAck(id, Convert.ballot(p.hasBallot(), p.getBallot(), "MRecNAck.ballot"));
    }

    private static MCommitRequest commitRequest(PeerProto.MCommitRequest p) throws WireFormatException {
        return new MCommitRequest(Convert.commandId(p.hasId(), p.getId(), "MCommitRequest.id"));
    }

    /**
     * MAX_ATTACHED bounds the attached promises of the whole message, not of one bucket. Collection
     * watermarks are per origin, so bounded like MExecuted's origins.
     */
    private static MPromises promises(PeerProto.MPromises p) throws WireFormatException {
        Convert.count(p.getBucketsCount(), Codec.MAX_BUCKETS, "MPromises.buckets");
        int attachedTotal = 0;
        List<MPromises.BucketPromises> buckets = new ArrayList<>(p.getBucketsCount());
        for (PeerProto.BucketPromises bp : p.getBucketsList()) {
            attachedTotal += bp.getAttachedCount();
            Convert.count(attachedTotal, Codec.MAX_ATTACHED, "MPromises.buckets.attached");
            int bucket = Convert.natural(bp.getBucket(), "MPromises.buckets.bucket");
            List<MPromises.Attached> attached = new ArrayList<>(bp.getAttachedCount());
            for (PeerProto.Attached a : bp.getAttachedList()) {
                CommandId id = Convert.commandId(a.hasId(), a.getId(), "MPromises.buckets.attached.id");
                attached.add(new MPromises.Attached(a.getValue(), id));
            }
            buckets.add(new MPromises.BucketPromises(bucket, bp.getClock(), attached));
        }
        Convert.count(p.getCollectedCount(), Codec.MAX_ORIGINS, "MPromises.collected");
        List<MPromises.Collected> collected = new ArrayList<>(p.getCollectedCount());
        for (PeerProto.Collected c : p.getCollectedList()) {
            int origin = Convert.processId(c.getOrigin(), "MPromises.collected.origin");
            collected.add(new MPromises.Collected(origin, c.getWatermark()));
        }
        return new MPromises(buckets, collected);
    }

    private static MExecuted executed(PeerProto.MExecuted p) throws WireFormatException {
        return new MExecuted(origins(p.getOriginsList(), "MExecuted.origins"));
    }

    /** MAX_ABOVE bounds the listed sequence numbers of the whole list, not of one origin. */
    private static List<MExecuted.OriginExecuted> origins(List<PeerProto.OriginExecuted> ps, String where)
            throws WireFormatException {
        Convert.count(ps.size(), Codec.MAX_ORIGINS, where);
        int aboveTotal = 0;
        List<MExecuted.OriginExecuted> origins = new ArrayList<>(ps.size());
        for (PeerProto.OriginExecuted o : ps) {
            aboveTotal += o.getAboveCount();
            Convert.count(aboveTotal, Codec.MAX_ABOVE, where + ".above");
            int origin = Convert.processId(o.getOrigin(), where + ".origin");
            origins.add(new MExecuted.OriginExecuted(origin, o.getWatermark(), o.getAboveList()));
        }
        return origins;
    }

    private static MSnapshotRequest snapshotRequest(PeerProto.MSnapshotRequest p) throws WireFormatException {
        return new MSnapshotRequest(origins(p.getExecutedList(), "MSnapshotRequest.executed"), p.getId(),
                Convert.natural(p.getPart(), "MSnapshotRequest.part"));
    }

    /**
     * Clocks are copied bit for bit like MPromises' and sessions' sequence numbers like a stored
     * session's; buckets must fit an int and clients are ids (at least 1). Whether the snapshot is
     * consistent (one clock per bucket, one session per client and bucket) is core's business.
     */
    private static MSnapshot snapshot(PeerProto.MSnapshot p) throws WireFormatException {
        List<MExecuted.OriginExecuted> executed = origins(p.getExecutedList(), "MSnapshot.executed");
        Convert.count(p.getClocksCount(), Codec.MAX_SNAPSHOT_ITEMS, "MSnapshot.clocks");
        List<MSnapshot.BucketClock> clocks = new ArrayList<>(p.getClocksCount());
        for (PeerProto.BucketClock c : p.getClocksList()) {
            clocks.add(new MSnapshot.BucketClock(Convert.natural(c.getBucket(), "MSnapshot.clocks.bucket"), c.getClock()));
        }
        Convert.count(p.getHorizonsCount(), Codec.MAX_SNAPSHOT_ITEMS, "MSnapshot.horizons");
        List<MSnapshot.BucketClock> horizons = new ArrayList<>(p.getHorizonsCount());
        for (PeerProto.BucketClock h : p.getHorizonsList()) {
            horizons.add(new MSnapshot.BucketClock(Convert.natural(h.getBucket(), "MSnapshot.horizons.bucket"), h.getClock()));
        }
        Convert.count(p.getDataCount(), Codec.MAX_SNAPSHOT_ITEMS, "MSnapshot.data");
        List<MSnapshot.Entry> data = new ArrayList<>(p.getDataCount());
        for (PeerProto.SnapshotEntry e : p.getDataList()) {
            data.add(new MSnapshot.Entry(e.getKey(), e.getValue()));
        }
        Convert.count(p.getSessionsCount(), Codec.MAX_SNAPSHOT_ITEMS, "MSnapshot.sessions");
        List<MSnapshot.Session> sessions = new ArrayList<>(p.getSessionsCount());
        for (PeerProto.SnapshotSession s : p.getSessionsList()) {
            int bucket = Convert.natural(s.getBucket(), "MSnapshot.sessions.bucket");
            long client = Convert.positive(s.getClient(), "MSnapshot.sessions.client");
            List<OpResult> results = Convert.results(s.getResultsList(), Codec.MAX_OPS, "MSnapshot.sessions.results");
            sessions.add(new MSnapshot.Session(bucket, client, new ClientSession(s.getSeq(), results)));
        }
        return new MSnapshot(executed, clocks, data, sessions, horizons, p.getId(), Convert.natural(p.getPart(), "MSnapshot.part"), p.getLast());
    }
}
