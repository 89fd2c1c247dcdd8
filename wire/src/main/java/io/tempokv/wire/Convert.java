package io.tempokv.wire;

import io.tempokv.core.Ballot;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
import com.google.protobuf.InvalidProtocolBufferException;
import io.tempokv.wire.proto.CommonProto;
import io.tempokv.wire.proto.PeerProto;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Conversions between the core value types and their protobuf form, in one place so that the network
 * codec ({@link Codec}) and the disk codec ({@link RecordCodec}) speak exactly one dialect.
 *
 * <p>Encoders ({@code proto(...)}) trust their input: core objects are well formed by construction,
 * and a null where a value is required is a bug of the caller (NullPointerException). Decoders take
 * {@code where}, the path of the field being decoded (e.g. {@code "MPropose.cmd"}), and throw
 * {@link WireFormatException} naming it. They check only what makes an object well formed (present,
 * in range, bounded); what a replica accepts is core's Validator's business.
 *
 * <p>Protobuf has no signed/unsigned distinction in Java: a uint32 above 2^31-1 arrives as a negative
 * int and a uint64 above 2^63-1 as a negative long. Decoders reject those where core needs a
 * non-negative value, and keep the bits otherwise (timestamps, clocks), so encode/decode is exact.
 *
 * <p>Strings travel as UTF-8. protobuf rejects invalid UTF-8 when parsing, so no decoded string holds
 * an unpaired surrogate; a Java string that does (never produced from decoded input) is written with
 * '?' in its place and would not survive the round trip.
 */
final class Convert {
    private Convert() {
    }

    /** Marks a RuntimeException that escaped the checks below: never expected, so the fuzz test looks for it. */
    static final String DECODER_BUG = "decoder bug, please report: ";

    /** protobuf's parseFrom for one top-level message type. */
    @FunctionalInterface
    interface Parser<P> {
        P parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    /** Turns a parsed protobuf message into a core object. */
    @FunctionalInterface
    interface Body<P, T> {
        T decode(P parsed) throws WireFormatException;
    }

    /**
     * The single entry of every decoder: parse, convert, and make sure that no input whatsoever
     * escapes as anything but a WireFormatException (peers and disks are not trusted to be sane).
     */
    static <P, T> T decode(String type, byte[] bytes, Parser<P> parser, Body<P, T> body) throws WireFormatException {
        if (bytes == null) {
            throw bad(type, "no bytes");
        }
        P parsed;
        try {
            parsed = parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new WireFormatException(type + ": not a valid protobuf encoding (" + e.getMessage() + ")", e);
        } catch (RuntimeException e) {
            throw new WireFormatException(type + ": " + DECODER_BUG + e, e);
        }
        try {
            return body.decode(parsed);
        } catch (RuntimeException e) {
            throw new WireFormatException(type + ": " + DECODER_BUG + e, e);
        }
    }

    static WireFormatException bad(String where, String why) {
        return new WireFormatException(where + ": " + why);
    }

    static void require(boolean present, String where) throws WireFormatException {
        if (!present) {
            throw bad(where, "missing (required)");
        }
    }

    /** Runs a core constructor; its invariant checks (IllegalArgumentException) become format errors. */
    static <T> T construct(String where, Supplier<T> build) throws WireFormatException {
        try {
            return build.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new WireFormatException(where + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ scalars and lists

    /** A uint32 that must name a process: ids start at 1 and fit a Java int. */
    static int processId(int raw, String where) throws WireFormatException {
        if (raw == 0) {
            throw bad(where, "member id 0 is not a process id (ids start at 1)");
        }
        if (raw < 0) {
            throw bad(where, "member id " + Integer.toUnsignedString(raw) + " is out of range (at most 2147483647)");
        }
        return raw;
    }

    /** A uint32 that core holds in a non-negative int (shard, bucket, round). */
    static int natural(int raw, String where) throws WireFormatException {
        if (raw < 0) {
            throw bad(where, "value " + Integer.toUnsignedString(raw) + " is out of range (at most 2147483647)");
        }
        return raw;
    }

    /** A uint64 that core requires to be at least 1 (sequence numbers, client ids). */
    static long positive(long raw, String where) throws WireFormatException {
        if (raw == 0) {
            throw bad(where, "0 is not allowed (numbering starts at 1)");
        }
        if (raw < 0) {
            throw bad(where, "value " + Long.toUnsignedString(raw) + " is out of range (at most 2^63-1)");
        }
        return raw;
    }

    static void count(int n, int max, String where) throws WireFormatException {
        if (n > max) {
            throw bad(where, n + " elements, at most " + max + " allowed");
        }
    }

    static List<Integer> processIds(List<Integer> raw, int max, String where) throws WireFormatException {
        count(raw.size(), max, where);
        List<Integer> out = new ArrayList<>(raw.size());
        for (int v : raw) {
            out.add(processId(v, where));
        }
        return out;
    }

    static List<Integer> naturals(List<Integer> raw, int max, String where) throws WireFormatException {
        count(raw.size(), max, where);
        List<Integer> out = new ArrayList<>(raw.size());
        for (int v : raw) {
            out.add(natural(v, where));
        }
        return out;
    }

    // ------------------------------------------------------------------ ids and ballots

    static CommonProto.CommandId proto(CommandId id) {
        return CommonProto.CommandId.newBuilder().setOrigin(id.origin()).setSeq(id.seq()).build();
    }

    static CommandId commandId(boolean present, CommonProto.CommandId p, String where) throws WireFormatException {
        require(present, where);
        int origin = processId(p.getOrigin(), where + ".origin");
        return new CommandId(origin, positive(p.getSeq(), where + ".seq"));
    }

    static CommonProto.ClientRequestId proto(ClientRequestId id) {
        return CommonProto.ClientRequestId.newBuilder().setClient(id.client()).setSeq(id.seq()).build();
    }

    static ClientRequestId requestId(boolean present, CommonProto.ClientRequestId p, String where)
            throws WireFormatException {
        require(present, where);
        long client = positive(p.getClient(), where + ".client");
        return new ClientRequestId(client, positive(p.getSeq(), where + ".seq"));
    }

    /** Always written, even {@link Ballot#ZERO} (round 0, process 0), so that "absent" means a broken frame. */
    static PeerProto.Ballot proto(Ballot b) {
        return PeerProto.Ballot.newBuilder().setRound(b.round()).setProcess(b.process()).build();
    }

    static Ballot ballot(boolean present, PeerProto.Ballot p, String where) throws WireFormatException {
        require(present, where);
        int round = natural(p.getRound(), where + ".round");
        return new Ballot(round, natural(p.getProcess(), where + ".process"));
    }

    // ------------------------------------------------------------------ optional strings, ops, results

    /** null is encoded by leaving the OptString field unset; "" is a present, empty wrapper. */
    static CommonProto.OptString opt(String s) {
        return CommonProto.OptString.newBuilder().setValue(s).build();
    }

    static String opt(boolean present, CommonProto.OptString p) {
        return present ? p.getValue() : null;
    }

    static CommonProto.Op proto(Op op) {
        CommonProto.Op.Builder b = CommonProto.Op.newBuilder().setKind(proto(op.kind())).setKey(op.key());
        if (op.value() != null) {
            b.setValue(opt(op.value()));
        }
        if (op.expected() != null) {
            b.setExpected(opt(op.expected()));
        }
        return b.build();
    }

    private static CommonProto.OpKind proto(Op.Kind k) {
        switch (k) {
            case GET: return CommonProto.OpKind.GET;
            case PUT: return CommonProto.OpKind.PUT;
            case DELETE: return CommonProto.OpKind.DELETE;
            case CAS: return CommonProto.OpKind.CAS;
            default: throw new IllegalStateException("unmapped op kind " + k);
        }
    }

    private static Op.Kind kind(CommonProto.Op p, String where) throws WireFormatException {
        switch (p.getKind()) {
            case GET: return Op.Kind.GET;
            case PUT: return Op.Kind.PUT;
            case DELETE: return Op.Kind.DELETE;
            case CAS: return Op.Kind.CAS;
            default: throw bad(where + ".kind", "unknown operation kind " + p.getKindValue() + " (expected GET, PUT, DELETE or CAS)");
        }
    }

    static Op op(CommonProto.Op p, String where) throws WireFormatException {
        Op.Kind kind = kind(p, where);
        String value = opt(p.hasValue(), p.getValue());
        if ((kind == Op.Kind.PUT || kind == Op.Kind.CAS) && value == null) {
            throw bad(where + ".value", kind + " needs a value");
        }
        return new Op(kind, p.getKey(), value, opt(p.hasExpected(), p.getExpected()));
    }

    static List<Op> ops(List<CommonProto.Op> ps, String where) throws WireFormatException {
        count(ps.size(), Codec.MAX_OPS, where);
        List<Op> out = new ArrayList<>(ps.size());
        for (int i = 0; i < ps.size(); i++) {
            out.add(op(ps.get(i), where + "[" + i + "]"));
        }
        return out;
    }

    static CommonProto.OpResult proto(OpResult r) {
        CommonProto.OpResult.Builder b = CommonProto.OpResult.newBuilder().setOk(r.ok());
        if (r.value() != null) {
            b.setValue(opt(r.value()));
        }
        return b.build();
    }

    /** Bounded by the caller: a reply has one result per op, a session whatever its request had. */
    static List<OpResult> results(List<CommonProto.OpResult> ps, int max, String where) throws WireFormatException {
        count(ps.size(), max, where);
        List<OpResult> out = new ArrayList<>(ps.size());
        for (CommonProto.OpResult p : ps) {
            out.add(new OpResult(p.getOk(), opt(p.hasValue(), p.getValue())));
        }
        return out;
    }

    // ------------------------------------------------------------------ commands and phases

    static CommonProto.Command proto(Command c) {
        CommonProto.Command.Builder b = CommonProto.Command.newBuilder()
                .setId(proto(c.id()))
                .setRequest(proto(c.request()))
                .addAllShards(c.shards())
                .setSessionless(c.sessionless());
        for (Op op : c.ops()) {
            b.addOps(proto(op));
        }
        return b.build();
    }

    static Command command(CommonProto.Command p, String where) throws WireFormatException {
        CommandId id = commandId(p.hasId(), p.getId(), where + ".id");
        ClientRequestId request = requestId(p.hasRequest(), p.getRequest(), where + ".request");
        if (p.getOpsCount() == 0) {
            throw bad(where + ".ops", "a command needs at least one operation");
        }
        List<Op> ops = ops(p.getOpsList(), where + ".ops");
        List<Integer> shards = naturals(p.getShardsList(), Codec.MAX_SHARDS, where + ".shards");
        // Command's constructor checks that shards are sorted and distinct, and that a sessionless command only reads.
        return construct(where, () -> new Command(id, request, ops, shards, p.getSessionless()));
    }

    static CommonProto.Phase proto(Phase phase) {
        switch (phase) {
            case START: return CommonProto.Phase.START;
            case PAYLOAD: return CommonProto.Phase.PAYLOAD;
            case PROPOSE: return CommonProto.Phase.PROPOSE;
            case RECOVER_R: return CommonProto.Phase.RECOVER_R;
            case RECOVER_P: return CommonProto.Phase.RECOVER_P;
            case COMMIT: return CommonProto.Phase.COMMIT;
            case EXECUTE: return CommonProto.Phase.EXECUTE;
            default: throw new IllegalStateException("unmapped phase " + phase);
        }
    }

    static Phase phase(CommonProto.Phase p, int raw, String where) throws WireFormatException {
        switch (p) {
            case START: return Phase.START;
            case PAYLOAD: return Phase.PAYLOAD;
            case PROPOSE: return Phase.PROPOSE;
            case RECOVER_R: return Phase.RECOVER_R;
            case RECOVER_P: return Phase.RECOVER_P;
            case COMMIT: return Phase.COMMIT;
            case EXECUTE: return Phase.EXECUTE;
            default: throw bad(where, "unknown phase " + raw);
        }
    }
}
