package io.tempokv.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedOutputStream;
import io.tempokv.core.Ballot;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.message.MCommit;
import io.tempokv.core.message.MCommitRequest;
import io.tempokv.core.message.MConsensus;
import io.tempokv.core.message.MExecuted;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MPropose;
import io.tempokv.core.message.MSnapshot;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.ClientSession;
import io.tempokv.wire.proto.CommonProto;
import io.tempokv.wire.proto.PeerProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class PeerCodecTest {
    private static final int PER_TYPE = 1_000;

    private static Message roundTrip(int shard, int from, Message m) throws WireFormatException {
        PeerFrame f = Codec.decodePeer(Codec.encodePeer(shard, from, m));
        assertEquals(shard, f.shard());
        assertEquals(from, f.from());
        return f.message();
    }

    @Test
    void everyMessageTypeRoundTripsWithRandomFields() throws WireFormatException {
        Gen g = new Gen(20240601L);
        Set<Class<?>> seen = new HashSet<>();
        for (int type = 0; type < Gen.MESSAGE_TYPES; type++) {
            for (int i = 0; i < PER_TYPE; i++) {
                Message m = g.message(type);
                assertEquals(m, roundTrip(g.natural(), g.process(), m), "type " + type + " iteration " + i);
                seen.add(m.getClass());
            }
        }
        // Message is sealed: its permitted subclasses are exactly the types that must round-trip.
        assertEquals(Set.of(Message.class.getPermittedSubclasses()), seen);
    }

    @Test
    void commitWithoutPayloadStaysWithoutPayload() throws WireFormatException {
        MCommit c = MCommit.of(new CommandId(3, 9), 17);
        MCommit back = (MCommit) roundTrip(0, 3, c);
        assertNull(back.cmd());
        assertEquals(c, back);
    }

    @Test
    void absentAndEmptyStringsStayDistinct() throws WireFormatException {
        CommandId id = new CommandId(1, 1);
        List<Op> ops = List.of(Op.cas("k", null, ""), Op.cas("k", "", "v"), new Op(Op.Kind.GET, "ключ🙂", null, null),
                new Op(Op.Kind.GET, "", "", ""));
        Command cmd = new Command(id, new ClientRequestId(1, 1), ops, List.of(0));
        MPropose back = (MPropose) roundTrip(0, 1, new MPropose(id, cmd, List.of(1, 2), 1, 5));
        List<Op> got = back.cmd().ops();
        assertNull(got.get(0).expected());
        assertEquals("", got.get(0).value());
        assertEquals("", got.get(1).expected());
        assertEquals("ключ🙂", got.get(2).key());
        assertNull(got.get(2).value());
        assertEquals("", got.get(3).value());
        assertEquals(ops, got);
    }

    /** Documents the one known non-round-trip (see Convert): the simulator would report it as a violation. */
    @Test
    void unpairedSurrogateDoesNotSurvive() throws WireFormatException {
        CommandId id = new CommandId(1, 1);
        Command cmd = new Command(id, new ClientRequestId(1, 1), List.of(Op.get("a\uD800b")), List.of(0));
        // protobuf logs a warning for the ill-formed string; expected here, so kept out of the build log.
        Logger log = Logger.getLogger(CodedOutputStream.class.getName());
        Level level = log.getLevel();
        log.setLevel(Level.OFF);
        try {
            MPropose back = (MPropose) roundTrip(0, 1, new MPropose(id, cmd, List.of(1), 1, 5));
            assertEquals("a?b", back.cmd().ops().get(0).key());
        } finally {
            log.setLevel(level);
        }
    }

    /** Fields a newer version adds are skipped, so adding fields stays compatible within a wire version. */
    @Test
    void unknownFieldsAreIgnored() throws WireFormatException {
        byte[] known = Codec.encodePeer(0, 2, new MCommitRequest(new CommandId(2, 3)));
        byte[] extended = Arrays.copyOf(known, known.length + 3);
        extended[known.length] = (byte) (99 << 3);  // field 99, varint
        extended[known.length + 1] = (byte) 0x96;
        extended[known.length + 2] = 0x01;
        assertEquals(Codec.decodePeer(known), Codec.decodePeer(extended));
    }

    @Test
    void zeroBallotRoundTripsAsZero() throws WireFormatException {
        MConsensus back = (MConsensus) roundTrip(0, 2, new MConsensus(new CommandId(2, 1), 4, Ballot.ZERO));
        assertTrue(back.ballot().isZero());
    }

    @Test
    void helloRoundTrips() throws WireFormatException {
        assertEquals(new Hello(7, "cluster-α", "f=1;shards=2"), Codec.decodeHello(Codec.encodeHello(7, "cluster-α", "f=1;shards=2")));
        assertEquals(new Hello(1, "", ""), Codec.decodeHello(Codec.encodeHello(1, "", "")));
        // a node of an earlier build sends no settings: they read as empty, which the receiver does not compare
        byte[] older = PeerProto.PeerFrame.newBuilder().setFrom(3)
                .setHello(PeerProto.Hello.newBuilder().setWireVersion(Codec.WIRE_VERSION).setNodeId(3).setClusterId("c")).build().toByteArray();
        assertEquals(new Hello(3, "c", ""), Codec.decodeHello(older));
        Hello full = new Hello(2, "c", "f=1", "9f3a", java.util.Map.of(1, "aa01", 3, "cc03"));
        assertEquals(full, Codec.decodeHello(Codec.encodeHello(full)));
    }

    @Test
    void helloWithANonMemberIdInItsKnownIncarnationsIsRefused() {
        byte[] bytes = PeerProto.PeerFrame.newBuilder().setFrom(2).setHello(PeerProto.Hello.newBuilder()
                .setWireVersion(Codec.WIRE_VERSION).setNodeId(2).setClusterId("c").putKnown(0, "ab")).build().toByteArray();
        WireFormatException e = assertThrows(WireFormatException.class, () -> Codec.decodeHello(bytes));
        assertTrue(e.getMessage().startsWith("Hello.known"), e.getMessage());
    }

    @Test
    void helloOfAnotherWireVersionIsRefused() {
        byte[] bytes = PeerProto.PeerFrame.newBuilder().setFrom(2)
                .setHello(PeerProto.Hello.newBuilder().setWireVersion(1).setNodeId(2).setClusterId("c")).build().toByteArray();
        WireFormatException e = assertThrows(WireFormatException.class, () -> Codec.decodeHello(bytes));
        assertEquals("Hello.wire_version: peer speaks wire version 1 but this node speaks version 5;"
                + " run the same tempokv version on every node", e.getMessage());
    }

    @Test
    void helloAndMessagesAreNotInterchangeable() {
        WireFormatException e1 = assertThrows(WireFormatException.class, () -> Codec.decodePeer(Codec.encodeHello(1, "c", "")));
        assertTrue(e1.getMessage().startsWith("PeerFrame.body: got a Hello"), e1.getMessage());
        byte[] msg = Codec.encodePeer(0, 1, MCommit.of(new CommandId(1, 1), 1));
        WireFormatException e2 = assertThrows(WireFormatException.class, () -> Codec.decodeHello(msg));
        assertTrue(e2.getMessage().startsWith("Hello: expected a Hello as the first frame"), e2.getMessage());
    }

    // ------------------------------------------------------------------ malformed frames

    private static CommonProto.Command.Builder validCommand() {
        return CommonProto.Command.newBuilder()
                .setId(Convert.proto(new CommandId(1, 1)))
                .setRequest(Convert.proto(new ClientRequestId(1, 1)))
                .addOps(Convert.proto(Op.get("k")))
                .addShards(0);
    }

    private static PeerProto.MPropose.Builder validPropose() {
        return PeerProto.MPropose.newBuilder().setId(Convert.proto(new CommandId(1, 1))).setCmd(validCommand())
                .addQuorum(1).addQuorum(2).setCoordinator(1).setT0(1);
    }

    private static String rejection(PeerProto.MPropose.Builder p) {
        return rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setPropose(p));
    }

    private static String rejection(PeerProto.PeerFrame.Builder f) {
        byte[] bytes = f.build().toByteArray();
        return assertThrows(WireFormatException.class, () -> Codec.decodePeer(bytes)).getMessage();
    }

    @Test
    void validHandBuiltProposeDecodes() throws WireFormatException {
        byte[] bytes = PeerProto.PeerFrame.newBuilder().setFrom(1).setPropose(validPropose()).build().toByteArray();
        assertTrue(Codec.decodePeer(bytes).message() instanceof MPropose);
    }

    @Test
    void processIdZeroInQuorumIsRejected() {
        assertEquals("MPropose.quorum: member id 0 is not a process id (ids start at 1)",
                rejection(validPropose().addQuorum(0)));
    }

    @Test
    void processIdAboveIntRangeIsRejected() {
        assertEquals("MPropose.coordinator: member id 4294967295 is out of range (at most 2147483647)",
                rejection(validPropose().setCoordinator(-1)));
        assertEquals("MPropose.id.origin: member id 0 is not a process id (ids start at 1)",
                rejection(validPropose().setId(CommonProto.CommandId.newBuilder().setSeq(1))));
    }

    @Test
    void missingRequiredSubMessagesAreRejected() {
        assertEquals("MPropose.id: missing (required)", rejection(validPropose().clearId()));
        assertEquals("MPropose.cmd: missing (required)", rejection(validPropose().clearCmd()));
        assertEquals("MPropose.cmd.request: missing (required)", rejection(validPropose().setCmd(validCommand().clearRequest())));
        assertEquals("MConsensus.ballot: missing (required)", rejection(PeerProto.PeerFrame.newBuilder().setFrom(1)
                .setConsensus(PeerProto.MConsensus.newBuilder().setId(Convert.proto(new CommandId(1, 1))).setTs(1))));
    }

    @Test
    void sequenceZeroIsRejected() {
        assertEquals("MPropose.id.seq: 0 is not allowed (numbering starts at 1)",
                rejection(validPropose().setId(CommonProto.CommandId.newBuilder().setOrigin(1))));
    }

    @Test
    void commandWithoutOperationsIsRejected() {
        assertEquals("MPropose.cmd.ops: a command needs at least one operation",
                rejection(validPropose().setCmd(validCommand().clearOps())));
    }

    @Test
    void unknownOrUnspecifiedEnumsAreRejected() {
        CommonProto.Op unknown = CommonProto.Op.newBuilder().setKindValue(9).setKey("k").build();
        assertEquals("MPropose.cmd.ops[1].kind: unknown operation kind 9 (expected GET, PUT, DELETE or CAS)",
                rejection(validPropose().setCmd(validCommand().addOps(unknown))));
        CommonProto.Op unspecified = CommonProto.Op.newBuilder().setKey("k").build();
        assertTrue(rejection(validPropose().setCmd(validCommand().addOps(unspecified))).contains("unknown operation kind 0"));
        PeerProto.MRecAck.Builder ack = PeerProto.MRecAck.newBuilder().setId(Convert.proto(new CommandId(1, 1))).setTs(1)
                .setPhaseValue(42).setAbal(Convert.proto(Ballot.ZERO)).setBallot(Convert.proto(new Ballot(1, 1)));
        assertEquals("MRecAck.phase: unknown phase 42", rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setRecAck(ack)));
        assertEquals("MRecAck.phase: unknown phase 0",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setRecAck(ack.setPhaseValue(0))));
    }

    @Test
    void putWithoutValueIsRejected() {
        CommonProto.Op put = CommonProto.Op.newBuilder().setKind(CommonProto.OpKind.PUT).setKey("k").build();
        assertEquals("MPropose.cmd.ops[0].value: PUT needs a value",
                rejection(validPropose().setCmd(validCommand().clearOps().addOps(put))));
    }

    /** D16: only a command of reads may be sessionless; a peer that says otherwise is refused, naming the field. */
    @Test
    void sessionlessCommandThatWritesIsRejectedAndAReadOnlyOneRoundTrips() throws Exception {
        CommonProto.Op put = Convert.proto(Op.put("k", "v"));
        String why = rejection(validPropose().setCmd(validCommand().addOps(put).setSessionless(true)));
        assertTrue(why.startsWith("MPropose.cmd: command 1.1 is marked sessionless but writes"), why);
        Command read = Convert.command(validCommand().setSessionless(true).build(), "cmd");
        assertTrue(read.sessionless());
        assertTrue(Convert.proto(read).getSessionless());
        assertTrue(!Convert.command(validCommand().build(), "cmd").sessionless(), "absent (an earlier build's command) reads as false");
    }

    @Test
    void unsortedShardsAreRejectedWithCoresReason() {
        String why = rejection(validPropose().setCmd(validCommand().addShards(0)));
        assertTrue(why.startsWith("MPropose.cmd: command 1.1 shards must be sorted and distinct"), why);
    }

    @Test
    void repeatedFieldsAreBounded() {
        PeerProto.MPropose.Builder big = validPropose().clearQuorum();
        for (int i = 1; i <= Codec.MAX_QUORUM + 1; i++) {
            big.addQuorum(i);
        }
        assertEquals("MPropose.quorum: 65 elements, at most 64 allowed", rejection(big));
        CommonProto.Command.Builder many = validCommand();
        for (int i = 0; i < Codec.MAX_OPS; i++) {
            many.addOps(Convert.proto(Op.get("k" + i)));
        }
        assertEquals("MPropose.cmd.ops: 65 elements, at most 64 allowed", rejection(validPropose().setCmd(many)));
    }

    @Test
    void promisesAreBoundedByBucketsAndTotalAttached() {
        PeerProto.MPromises.Builder buckets = PeerProto.MPromises.newBuilder();
        for (int i = 0; i <= Codec.MAX_BUCKETS; i++) {
            buckets.addBucketsBuilder().setBucket(i);
        }
        assertEquals("MPromises.buckets: 4097 elements, at most 4096 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setPromises(buckets)));
        PeerProto.MPromises.Builder attached = PeerProto.MPromises.newBuilder();
        PeerProto.Attached a = PeerProto.Attached.newBuilder().setValue(1).setId(Convert.proto(new CommandId(1, 1))).build();
        for (int b = 0; b < 2; b++) {
            PeerProto.BucketPromises.Builder bb = attached.addBucketsBuilder().setBucket(b);
            for (int i = 0; i < Codec.MAX_ATTACHED / 2 + 1; i++) {
                bb.addAttached(a);
            }
        }
        assertEquals("MPromises.buckets.attached: 100002 elements, at most 100000 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setPromises(attached)));
    }

    @Test
    void executedIsBoundedAndNeedsProcessIds() {
        List<Long> half = new ArrayList<>();
        for (long i = 0; i <= Codec.MAX_ABOVE / 2; i++) {
            half.add(i);
        }
        PeerProto.MExecuted.Builder e = PeerProto.MExecuted.newBuilder();
        e.addOriginsBuilder().setOrigin(1).addAllAbove(half);
        e.addOriginsBuilder().setOrigin(2).addAllAbove(half);
        assertEquals("MExecuted.origins.above: 100002 elements, at most 100000 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setExecuted(e)));
        PeerProto.MExecuted.Builder zero = PeerProto.MExecuted.newBuilder();
        zero.addOriginsBuilder().setOrigin(0);
        assertEquals("MExecuted.origins.origin: member id 0 is not a process id (ids start at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setExecuted(zero)));
    }

    @Test
    void collectedNeedsProcessIdsAndIsBoundedByOrigins() {
        PeerProto.MPromises.Builder zero = PeerProto.MPromises.newBuilder();
        zero.addCollectedBuilder().setOrigin(0).setWatermark(3);
        assertEquals("MPromises.collected.origin: member id 0 is not a process id (ids start at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setPromises(zero)));
        PeerProto.MPromises.Builder many = PeerProto.MPromises.newBuilder();
        for (int i = 1; i <= Codec.MAX_ORIGINS + 1; i++) {
            many.addCollectedBuilder().setOrigin(i).setWatermark(i);
        }
        assertEquals("MPromises.collected: 4097 elements, at most 4096 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setPromises(many)));
    }

    /** A summary without field collected (a sender that claims no horizon) decodes with none. */
    @Test
    void promisesWithoutCollectedDecodeWithNone() throws WireFormatException {
        PeerProto.MPromises.Builder p = PeerProto.MPromises.newBuilder();
        p.addBucketsBuilder().setBucket(2).setClock(7);
        byte[] bytes = PeerProto.PeerFrame.newBuilder().setFrom(1).setPromises(p).build().toByteArray();
        MPromises got = (MPromises) Codec.decodePeer(bytes).message();
        assertEquals(new MPromises(List.of(new MPromises.BucketPromises(2, 7, List.of()))), got);
        assertTrue(got.collected().isEmpty());
    }

    @Test
    void snapshotRequestAndSnapshotCheckExecutedLikeExecuted() {
        PeerProto.MSnapshotRequest.Builder zero = PeerProto.MSnapshotRequest.newBuilder();
        zero.addExecutedBuilder().setOrigin(0).setWatermark(1);
        assertEquals("MSnapshotRequest.executed.origin: member id 0 is not a process id (ids start at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshotRequest(zero)));
        List<Long> half = new ArrayList<>();
        for (long i = 0; i <= Codec.MAX_ABOVE / 2; i++) {
            half.add(i);
        }
        PeerProto.MSnapshot.Builder s = PeerProto.MSnapshot.newBuilder();
        s.addExecutedBuilder().setOrigin(1).addAllAbove(half);
        s.addExecutedBuilder().setOrigin(2).addAllAbove(half);
        assertEquals("MSnapshot.executed.above: 100002 elements, at most 100000 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshot(s)));
    }

    @Test
    void snapshotBucketsClientsAndSessionResultsAreChecked() {
        assertEquals("MSnapshot.clocks.bucket: value 4294967295 is out of range (at most 2147483647)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshot(PeerProto.MSnapshot.newBuilder()
                        .addClocks(PeerProto.BucketClock.newBuilder().setBucket(-1).setClock(1)))));
        PeerProto.SnapshotSession session = PeerProto.SnapshotSession.newBuilder().setBucket(1).setClient(5).setSeq(2).build();
        assertEquals("MSnapshot.sessions.bucket: value 4294967295 is out of range (at most 2147483647)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshot(PeerProto.MSnapshot.newBuilder()
                        .addSessions(session.toBuilder().setBucket(-1)))));
        assertEquals("MSnapshot.sessions.client: 0 is not allowed (numbering starts at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshot(PeerProto.MSnapshot.newBuilder()
                        .addSessions(session.toBuilder().setClient(0)))));
        PeerProto.SnapshotSession.Builder many = session.toBuilder();
        for (int i = 0; i <= Codec.MAX_OPS; i++) {
            many.addResults(Convert.proto(OpResult.OK));
        }
        assertEquals("MSnapshot.sessions.results: 65 elements, at most 64 allowed",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setSnapshot(PeerProto.MSnapshot.newBuilder()
                        .addSessions(many))));
    }

    /** Empty keys and values are data like any other; session results keep absent and empty apart. */
    @Test
    void snapshotKeepsEmptyStringsAndSessionResults() throws WireFormatException {
        ClientSession session = new ClientSession(4, List.of(OpResult.OK, new OpResult(true, ""), new OpResult(false, "v")));
        MSnapshot s = new MSnapshot(List.of(new MExecuted.OriginExecuted(2, 9, List.of(11L))),
                List.of(new MSnapshot.BucketClock(0, -1)),
                List.of(new MSnapshot.Entry("", ""), new MSnapshot.Entry("ключ🙂", "x")),
                List.of(new MSnapshot.Session(3, Long.MAX_VALUE, session)), List.of(new MSnapshot.BucketClock(3, 1_700_000_000_000_000L)),
                -5, 7, true);
        MSnapshot back = (MSnapshot) roundTrip(1, 2, s);
        assertEquals(s, back);
        assertEquals("", back.data().get(0).value());
        assertNull(back.sessions().get(0).session().results().get(0).value());
    }

    @Test
    void commitCoordinatorMustBeAProcessOnlyWithPayload() throws WireFormatException {
        PeerProto.MCommit.Builder c = PeerProto.MCommit.newBuilder().setId(Convert.proto(new CommandId(1, 1))).setTs(3);
        byte[] bare = PeerProto.PeerFrame.newBuilder().setFrom(1).setCommit(c).build().toByteArray();
        assertEquals(MCommit.of(new CommandId(1, 1), 3), Codec.decodePeer(bare).message());
        assertEquals("MCommit.coordinator: member id 0 is not a process id (ids start at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setFrom(1).setCommit(c.setCmd(validCommand()).addQuorum(1))));
    }

    @Test
    void frameHeaderIsChecked() {
        assertEquals("PeerFrame.from: member id 0 is not a process id (ids start at 1)",
                rejection(PeerProto.PeerFrame.newBuilder().setPropose(validPropose())));
        assertEquals("PeerFrame.shard: value 4294967295 is out of range (at most 2147483647)",
                rejection(PeerProto.PeerFrame.newBuilder().setShard(-1).setFrom(1).setPropose(validPropose())));
        assertTrue(rejection(PeerProto.PeerFrame.newBuilder().setFrom(1)).startsWith("PeerFrame.body: no protocol message"));
    }

    @Test
    void garbageAndNullAreFormatErrors() {
        WireFormatException e = assertThrows(WireFormatException.class, () -> Codec.decodePeer(new byte[] {(byte) 0xff}));
        assertTrue(e.getMessage().startsWith("PeerFrame: not a valid protobuf encoding"), e.getMessage());
        assertEquals("PeerFrame: no bytes", assertThrows(WireFormatException.class, () -> Codec.decodePeer(null)).getMessage());
    }
}
