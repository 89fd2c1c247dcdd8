package io.tempokv.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * Framing of both connection kinds: each frame is a 4-byte big-endian length, then that many bytes of
 * body (one {@link Codec} encoding). With Netty:
 * <pre>
 *   new LengthFieldBasedFrameDecoder(MAX_FRAME_BYTES + LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES, 0, LENGTH_FIELD_BYTES)
 *   new LengthFieldPrepender(LENGTH_FIELD_BYTES)
 * </pre>
 * (Netty's maxFrameLength counts the length field too, hence the sum.)
 *
 * <p>Sizes: core's largest legal value is 1 MiB and key 1 KiB, so one op is at most about 2 MiB + 1 KiB
 * (a CAS carries a value and an expected value) plus a few bytes of tags; such a request, and the peer
 * messages that carry it (ids, a quorum of at most 64 ids, ballots: well under 1 KiB more), fit easily
 * in {@link #MAX_FRAME_BYTES}. A request whose ops together exceed the limit does not fit: no single
 * value makes that happen, only many large values in one request. So that every request a server
 * accepts can also be forwarded to peers, servers should read client frames with the smaller
 * {@link #MAX_CLIENT_FRAME_BYTES}.
 */
public final class Frames {
    /** Size of the big-endian length prefix. */
    public static final int LENGTH_FIELD_BYTES = 4;
    /** Largest frame body (excluding the prefix) on any connection. */
    public static final int MAX_FRAME_BYTES = 16 * 1024 * 1024;
    /** Largest client frame body: leaves 64 KiB of headroom for the peer messages built from it. */
    public static final int MAX_CLIENT_FRAME_BYTES = MAX_FRAME_BYTES - 64 * 1024;

    private Frames() {
    }

    /** The body with its length prefix. */
    public static byte[] frame(byte[] body) {
        if (body.length > MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("frame body of " + body.length + " bytes exceeds the limit of " + MAX_FRAME_BYTES);
        }
        return ByteBuffer.allocate(LENGTH_FIELD_BYTES + body.length).putInt(body.length).put(body).array();
    }

    /** Writes one frame (blocking streams: simple clients and tests; the server uses Netty). */
    public static void write(OutputStream out, byte[] body) throws IOException {
        out.write(frame(body));
    }

    /**
     * Reads one frame body, or returns null at a clean end of stream (before any byte of a frame).
     * A stream that ends inside a frame throws EOFException; a length above maxBytes is refused
     * before anything is allocated.
     */
    public static byte[] read(InputStream in, int maxBytes) throws IOException, WireFormatException {
        byte[] prefix = new byte[LENGTH_FIELD_BYTES];
        int got = in.readNBytes(prefix, 0, LENGTH_FIELD_BYTES);
        if (got == 0) {
            return null;
        }
        if (got < LENGTH_FIELD_BYTES) {
            throw new EOFException("stream ended inside a frame's length prefix");
        }
        long length = Integer.toUnsignedLong(ByteBuffer.wrap(prefix).getInt());
        if (length > maxBytes) {
            throw new WireFormatException("frame: length " + length + " exceeds the limit of " + maxBytes + " bytes");
        }
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new EOFException("stream ended after " + body.length + " of " + length + " bytes of a frame");
        }
        return body;
    }
}
