package io.tempokv.server.storage;

import io.tempokv.core.CommandId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import jetbrains.exodus.ArrayByteIterable;
import jetbrains.exodus.ByteIterable;

/**
 * Byte layouts of keys and small values. Numbers are fixed-width big-endian: Xodus orders keys as
 * unsigned bytes, so for the non-negative ids used here byte order is numeric order, and iterating
 * the commands store yields commands sorted by (origin, seq) like {@link CommandId#compareTo}.
 */
final class Keys {
    private Keys() {
    }

    static ByteIterable command(CommandId id) {
        return wrap(ByteBuffer.allocate(12).putInt(id.origin()).putLong(id.seq()));
    }

    static CommandId commandId(ByteIterable key) {
        ByteBuffer b = buffer(key);
        return new CommandId(b.getInt(), b.getLong());
    }

    static ByteIterable session(int bucket, long client) {
        return wrap(ByteBuffer.allocate(12).putInt(bucket).putLong(client));
    }

    /** A bucket's sessions in order of sequence number (unsigned, as bytes compare), then client (D12). */
    static ByteIterable sessionOrder(int bucket, long seq, long client) {
        return wrap(ByteBuffer.allocate(20).putInt(bucket).putLong(seq).putLong(client));
    }

    /** The first key of the bucket in the order of {@link #sessionOrder}. */
    static ByteIterable sessionOrderStart(int bucket) {
        return wrap(ByteBuffer.allocate(4).putInt(bucket));
    }

    /** Bucket, seq and client of a key made by {@link #sessionOrder}. */
    static long[] sessionOrderParts(ByteIterable key) {
        ByteBuffer b = buffer(key);
        return new long[] {b.getInt(), b.getLong(), b.getLong()};
    }

    /** A bucket's session count and horizon (D12). */
    static ByteIterable sessionMeta(int count, long horizon) {
        return wrap(ByteBuffer.allocate(12).putInt(count).putLong(horizon));
    }

    static int sessionMetaCount(ByteIterable v) {
        return buffer(v).getInt();
    }

    static long sessionMetaHorizon(ByteIterable v) {
        ByteBuffer b = buffer(v);
        b.getInt();
        return b.getLong();
    }

    /** The bucket of a key made by {@link #session}. */
    static int sessionBucket(ByteIterable key) {
        return buffer(key).getInt();
    }

    /** The client of a key made by {@link #session}. */
    static long sessionClient(ByteIterable key) {
        ByteBuffer b = buffer(key);
        b.getInt();
        return b.getLong();
    }

    static ByteIterable ofInt(int v) {
        return wrap(ByteBuffer.allocate(4).putInt(v));
    }

    static int toInt(ByteIterable v) {
        return buffer(v).getInt();
    }

    static ByteIterable ofLong(long v) {
        return wrap(ByteBuffer.allocate(8).putLong(v));
    }

    static long toLong(ByteIterable v) {
        return buffer(v).getLong();
    }

    static ByteIterable utf8(String s) {
        return new ArrayByteIterable(s.getBytes(StandardCharsets.UTF_8));
    }

    static String toUtf8(ByteIterable v) {
        return new String(v.getBytesUnsafe(), 0, v.getLength(), StandardCharsets.UTF_8);
    }

    static ByteIterable of(byte[] bytes) {
        return new ArrayByteIterable(bytes);
    }

    /** A copy of exactly the iterable's bytes (the backing array may be longer). */
    static byte[] bytes(ByteIterable v) {
        return Arrays.copyOf(v.getBytesUnsafe(), v.getLength());
    }

    private static ByteBuffer buffer(ByteIterable v) {
        return ByteBuffer.wrap(v.getBytesUnsafe(), 0, v.getLength());
    }

    private static ByteIterable wrap(ByteBuffer filled) {
        return new ArrayByteIterable(filled.array());
    }
}
