package io.tempokv.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.Request;
import io.tempokv.core.message.MPropose;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramesTest {
    @Test
    void prefixIsFourBytesBigEndian() {
        byte[] body = new byte[0x0102];
        byte[] framed = Frames.frame(body);
        assertEquals(4 + 0x0102, framed.length);
        assertArrayEquals(new byte[] {0, 0, 1, 2}, Arrays.copyOf(framed, 4));
    }

    @Test
    void framesReadBackInOrderAndEndCleanly() throws IOException, WireFormatException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frames.write(out, new byte[] {1, 2, 3});
        Frames.write(out, new byte[0]);
        Frames.write(out, Codec.encodeStatusRequest(5));
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        assertArrayEquals(new byte[] {1, 2, 3}, Frames.read(in, Frames.MAX_FRAME_BYTES));
        assertArrayEquals(new byte[0], Frames.read(in, Frames.MAX_FRAME_BYTES));
        assertEquals(new ClientFrame.StatusRequestFrame(5), Codec.decodeClient(Frames.read(in, Frames.MAX_FRAME_BYTES)));
        assertNull(Frames.read(in, Frames.MAX_FRAME_BYTES));
    }

    @Test
    void truncatedStreamsAreEofErrors() {
        byte[] framed = Frames.frame(new byte[] {9, 9, 9});
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(Arrays.copyOf(framed, 2)), 100));
        assertThrows(EOFException.class, () -> Frames.read(new ByteArrayInputStream(Arrays.copyOf(framed, 5)), 100));
    }

    @Test
    void oversizedLengthIsRefusedBeforeAllocating() {
        byte[] huge = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff};
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> Frames.read(new ByteArrayInputStream(huge), Frames.MAX_FRAME_BYTES));
        assertEquals("frame: length 4294967295 exceeds the limit of 16777216 bytes", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Frames.frame(new byte[Frames.MAX_FRAME_BYTES + 1]));
    }

    /** The sizes promised in Frames' documentation: a maximal op fits, also inside the largest peer message. */
    @Test
    void largestLegalValueFitsInClientAndPeerFrames() throws IOException, WireFormatException {
        String key = "k".repeat(1024);
        String value = "v".repeat(1 << 20);
        Op cas = Op.cas(key, value, value);
        ClientRequestId rid = new ClientRequestId(Long.MAX_VALUE, Long.MAX_VALUE);
        byte[] request = Codec.encodeClient(new Request(rid, List.of(cas, cas, cas, cas, cas, cas, cas)));
        assertTrue(request.length <= Frames.MAX_CLIENT_FRAME_BYTES, "request of " + request.length + " bytes");

        CommandId id = new CommandId(Integer.MAX_VALUE, Long.MAX_VALUE);
        List<Integer> quorum = new ArrayList<>();
        for (int i = 0; i < Codec.MAX_QUORUM; i++) {
            quorum.add(Integer.MAX_VALUE - i);
        }
        Command cmd = new Command(id, rid, List.of(cas, cas, cas, cas, cas, cas, cas), List.of(Integer.MAX_VALUE));
        byte[] propose = Codec.encodePeer(Integer.MAX_VALUE, Integer.MAX_VALUE,
                new MPropose(id, cmd, quorum, Integer.MAX_VALUE, Long.MIN_VALUE));
        assertTrue(propose.length - request.length < 64 * 1024, "peer overhead " + (propose.length - request.length));
        assertTrue(propose.length <= Frames.MAX_FRAME_BYTES);
        assertEquals(cmd, ((MPropose) Codec.decodePeer(Frames.read(new ByteArrayInputStream(Frames.frame(propose)), Frames.MAX_FRAME_BYTES)).message()).cmd());
    }
}
