package io.tempokv.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.wire.proto.ClientProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClientCodecTest {
    private static final int COUNT = 2_000;

    @Test
    void requestsRoundTrip() throws WireFormatException {
        Gen g = new Gen(21);
        for (int i = 0; i < COUNT; i++) {
            Request r = g.request();
            assertEquals(new ClientFrame.RequestFrame(r), Codec.decodeClient(Codec.encodeClient(r)), "iteration " + i);
        }
    }

    @Test
    void statusRequestsRoundTripEveryTag() throws WireFormatException {
        for (long tag : new long[] {0, 1, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            assertEquals(new ClientFrame.StatusRequestFrame(tag), Codec.decodeClient(Codec.encodeStatusRequest(tag)));
        }
    }

    /** Core's Validator answers an empty request with a REJECTED reply; wire lets it through. */
    @Test
    void emptyRequestIsWellFormed() throws WireFormatException {
        Request r = new Request(new ClientRequestId(4, 2), List.of());
        assertEquals(new ClientFrame.RequestFrame(r), Codec.decodeClient(Codec.encodeClient(r)));
    }

    @Test
    void oversizedRequestIsRefused() {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i <= Codec.MAX_OPS; i++) {
            ops.add(Op.get("k"));
        }
        byte[] bytes = Codec.encodeClient(new Request(new ClientRequestId(1, 1), ops));
        assertEquals("Request.ops: 65 elements, at most 64 allowed",
                assertThrows(WireFormatException.class, () -> Codec.decodeClient(bytes)).getMessage());
    }

    @Test
    void requestWithoutIdIsRefused() {
        byte[] bytes = ClientProto.ClientFrame.newBuilder().setRequest(ClientProto.Request.newBuilder()).build().toByteArray();
        assertEquals("Request.id: missing (required)",
                assertThrows(WireFormatException.class, () -> Codec.decodeClient(bytes)).getMessage());
        assertEquals("ClientFrame.body: neither a request nor a status query",
                assertThrows(WireFormatException.class, () -> Codec.decodeClient(new byte[0])).getMessage());
    }

    @Test
    void repliesRoundTrip() throws WireFormatException {
        Gen g = new Gen(22);
        for (int i = 0; i < COUNT; i++) {
            Reply r = g.reply();
            assertEquals(new ServerFrame.ReplyFrame(r), Codec.decodeServer(Codec.encodeReply(r)), "iteration " + i);
        }
        Reply absentVsEmpty = Reply.ok(new ClientRequestId(1, 2), List.of(new OpResult(true, null), new OpResult(true, "")));
        assertEquals(new ServerFrame.ReplyFrame(absentVsEmpty), Codec.decodeServer(Codec.encodeReply(absentVsEmpty)));
    }

    @Test
    void emptyDetailReadsAsNull() throws WireFormatException {
        Reply r = new Reply(new ClientRequestId(1, 1), Reply.Status.REJECTED, List.of(), "");
        ServerFrame.ReplyFrame back = (ServerFrame.ReplyFrame) Codec.decodeServer(Codec.encodeReply(r));
        assertNull(back.reply().detail());
    }

    @Test
    void errorsRoundTripWithAndWithoutRequest() throws WireFormatException {
        ClientRequestId id = new ClientRequestId(9, 9);
        assertEquals(new ServerFrame.ErrorFrame(id, "bad op"), Codec.decodeServer(Codec.encodeError(id, "bad op")));
        assertEquals(new ServerFrame.ErrorFrame(null, "garbage"), Codec.decodeServer(Codec.encodeError(null, "garbage")));
    }

    @Test
    void statusAnswersRoundTrip() throws WireFormatException {
        Gen g = new Gen(23);
        for (int i = 0; i < COUNT; i++) {
            StatusInfo s = g.status();
            assertEquals(new ServerFrame.StatusFrame(s), Codec.decodeServer(Codec.encodeStatus(s)), "iteration " + i);
        }
    }

    @Test
    void unknownReplyStatusIsRefused() {
        byte[] unspecified = ClientProto.ServerFrame.newBuilder().setReply(ClientProto.Reply.newBuilder()).build().toByteArray();
        assertEquals("Reply.status: unknown status 0 (expected OK, REJECTED, UNAVAILABLE, EXPIRED or ERROR)",
                assertThrows(WireFormatException.class, () -> Codec.decodeServer(unspecified)).getMessage());
        byte[] unknown = ClientProto.ServerFrame.newBuilder().setReply(ClientProto.Reply.newBuilder().setStatusValue(12))
                .build().toByteArray();
        assertTrue(assertThrows(WireFormatException.class, () -> Codec.decodeServer(unknown)).getMessage()
                .startsWith("Reply.status: unknown status 12"));
    }

    @Test
    void okReplyNeedsItsRequestId() {
        byte[] bytes = ClientProto.ServerFrame.newBuilder()
                .setReply(ClientProto.Reply.newBuilder().setStatus(ClientProto.Reply.Status.OK)).build().toByteArray();
        assertEquals("Reply.request: missing (required)",
                assertThrows(WireFormatException.class, () -> Codec.decodeServer(bytes)).getMessage());
    }

    @Test
    void statusWithNodeZeroIsRefused() {
        byte[] bytes = ClientProto.ServerFrame.newBuilder().setStatus(ClientProto.StatusReply.newBuilder().setTag(1))
                .build().toByteArray();
        assertEquals("StatusReply.node_id: member id 0 is not a process id (ids start at 1)",
                assertThrows(WireFormatException.class, () -> Codec.decodeServer(bytes)).getMessage());
    }
}
