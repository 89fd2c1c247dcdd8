package io.tempokv.wire;

import io.tempokv.core.Ballot;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.wire.proto.RecordsProto;
import java.util.List;

/**
 * The on-disk form of the durable records (records.proto), the values the Xodus store keeps. Every
 * record starts with {@link #FORMAT_VERSION}; a reader refuses any other version rather than guess,
 * because misreading a promise or an accepted ballot would break the protocol's safety silently.
 *
 * <p>Decoding is as strict about shape as {@link Codec} (same conversions) but imposes no bound on the
 * executed-set list: the disk holds what this replica itself wrote, and refusing it would leave the
 * replica unable to restart. Bounds on ops and quorums do apply; every payload arrived through them.
 */
public final class RecordCodec {
    /** Version of the record layout written by this build. */
    public static final int FORMAT_VERSION = 1;

    private RecordCodec() {
    }

    // ------------------------------------------------------------------ CommandRecord

    public static byte[] encode(CommandRecord r) {
        RecordsProto.CommandRecord.Builder b = RecordsProto.CommandRecord.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setId(Convert.proto(r.id()))
                .addAllQuorum(r.quorum())
                .setCoordinator(r.coordinator())
                .setPhase(Convert.proto(r.phase()))
                .setProposal(r.proposal())
                .setBal(Convert.proto(r.bal()))
                .setAbal(Convert.proto(r.abal()))
                .setAccepted(r.accepted())
                .setTs(r.ts());
        if (r.payload() != null) {
            b.setPayload(Convert.proto(r.payload()));
        }
        return b.build().toByteArray();
    }

    public static CommandRecord decodeCommand(byte[] bytes) throws WireFormatException {
        return Convert.decode("CommandRecord", bytes, RecordsProto.CommandRecord::parseFrom, RecordCodec::command);
    }

    private static CommandRecord command(RecordsProto.CommandRecord p) throws WireFormatException {
        checkVersion("CommandRecord", p.getFormatVersion());
        CommandId id = Convert.commandId(p.hasId(), p.getId(), "CommandRecord.id");
        Command payload = p.hasPayload() ? Convert.command(p.getPayload(), "CommandRecord.payload") : null;
        List<Integer> quorum = Convert.processIds(p.getQuorumList(), Codec.MAX_QUORUM, "CommandRecord.quorum");
        // 0 is legal here: a replica that learnt of a command without its payload knows no coordinator.
        int coordinator = Convert.natural(p.getCoordinator(), "CommandRecord.coordinator");
        Phase phase = Convert.phase(p.getPhase(), p.getPhaseValue(), "CommandRecord.phase");
        Ballot bal = Convert.ballot(p.hasBal(), p.getBal(), "CommandRecord.bal");
        Ballot abal = Convert.ballot(p.hasAbal(), p.getAbal(), "CommandRecord.abal");
        return new CommandRecord(id, payload, quorum, coordinator, phase, p.getProposal(), bal, abal,
                p.getAccepted(), p.getTs());
    }

    // ------------------------------------------------------------------ ClientSession

    public static byte[] encode(ClientSession s) {
        RecordsProto.ClientSession.Builder b = RecordsProto.ClientSession.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setSeq(s.seq());
        for (OpResult r : s.results()) {
            b.addResults(Convert.proto(r));
        }
        return b.build().toByteArray();
    }

    public static ClientSession decodeSession(byte[] bytes) throws WireFormatException {
        return Convert.decode("ClientSession", bytes, RecordsProto.ClientSession::parseFrom, p -> {
            checkVersion("ClientSession", p.getFormatVersion());
            List<OpResult> results = Convert.results(p.getResultsList(), Codec.MAX_OPS, "ClientSession.results");
            return new ClientSession(p.getSeq(), results);
        });
    }

    // ------------------------------------------------------------------ ExecutedSnapshot

    public static byte[] encode(DurableState.ExecutedSnapshot s) {
        return RecordsProto.ExecutedSnapshot.newBuilder()
                .setFormatVersion(FORMAT_VERSION)
                .setWatermark(s.watermark())
                .addAllAbove(s.above())
                .build().toByteArray();
    }

    public static DurableState.ExecutedSnapshot decodeExecuted(byte[] bytes) throws WireFormatException {
        return Convert.decode("ExecutedSnapshot", bytes, RecordsProto.ExecutedSnapshot::parseFrom, p -> {
            checkVersion("ExecutedSnapshot", p.getFormatVersion());
            return new DurableState.ExecutedSnapshot(p.getWatermark(), p.getAboveList());
        });
    }

    // ------------------------------------------------------------------ versions

    private static void checkVersion(String type, int version) throws WireFormatException {
        if (version != FORMAT_VERSION) {
            throw new WireFormatException(type + ": format_version " + Integer.toUnsignedString(version)
                    + " is not supported (this tempokv reads version " + FORMAT_VERSION
                    + "); the data directory was written by another tempokv version");
        }
    }
}
