package io.tempokv.wire;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.core.message.Message;
import io.tempokv.wire.proto.ClientProto;
import io.tempokv.wire.proto.PeerProto;

/**
 * The one codec between core objects and the protobuf bytes that travel between nodes and between
 * clients and nodes. Each method handles the body of one frame (see {@link Frames} for the length
 * prefix around it).
 *
 * <p><b>Peer connections</b> carry PeerFrames. The first frame in each direction is a Hello
 * ({@link #encodeHello}, read with {@link #decodeHello}); every later one carries a protocol message
 * ({@link #encodePeer}, {@link #decodePeer}). The two decoders are separate on purpose: a connection
 * knows which one it expects, and each refuses the other kind of frame.
 *
 * <p><b>Client connections</b> carry ClientFrames to the server ({@link #decodeClient}) and
 * ServerFrames back ({@link #decodeServer}).
 *
 * <p>Every decoder either returns a well-formed object or throws {@link WireFormatException}, for any
 * byte input. Well formed means: required sub-messages present, process ids at least 1, enum values
 * known, repeated fields within the MAX_ bounds below. Whether a message makes sense to a replica
 * (quorum size, ballot owner, shard) is core's Validator's business, not the codec's.
 */
public final class Codec {
    /**
     * Version of the peer protocol spoken by this build; a Hello with any other is refused. 2: promise
     * summaries carry the collection horizon, which a version-1 node would ignore and so count
     * omitted attached promises as detached (docs/protocol.md, D5); the two must not talk. 3: client
     * sessions are bounded per bucket (D12), so a version-2 node would apply requests that a
     * version-3 node refuses as expired, and snapshots carry session horizons. 4: snapshots are
     * streamed, each part asked for by the receiver (D8b), not sent whole. 5: commands of reads
     * carry {@code sessionless} (D16), which a version-4 node would ignore and so keep sessions the
     * others do not keep.
     */
    public static final int WIRE_VERSION = 5;

    /** Members of a fast quorum (also bounds the shard size a frame can describe). */
    public static final int MAX_QUORUM = 64;
    /** Operations per command or request, and results per reply; core's default limit is also 64. */
    public static final int MAX_OPS = 64;
    /** Shards named by a command or a status answer. */
    public static final int MAX_SHARDS = 1024;
    /** Buckets in one MPromises (core sends at most its bucketsPerPromiseMessageMax, 256 by default). */
    public static final int MAX_BUCKETS = 4096;
    /** Attached promises in one MPromises, all buckets together. */
    public static final int MAX_ATTACHED = 100_000;
    /** Origins in one MExecuted, MSnapshotRequest or MSnapshot; collection watermarks in one MPromises. */
    public static final int MAX_ORIGINS = 4096;
    /** Sequence numbers listed above watermarks in one MExecuted, all origins together. */
    public static final int MAX_ABOVE = 100_000;
    /**
     * Bucket clocks, key-value pairs and client sessions in one MSnapshot, each list on its own. An
     * element takes at least two bytes, so a frame of {@link Frames#MAX_FRAME_BYTES} never reaches it;
     * it bounds what a decoder handed arbitrary bytes builds. (Its origins and listed sequence numbers
     * are bounded like MExecuted's, its sessions' results like a reply's.) A snapshot has as many
     * parts as its data needs: they come one at a time, each asked for (D8b).
     */
    public static final int MAX_SNAPSHOT_ITEMS = 10_000_000;
    /** Members listed in a status answer, or in a Hello's known incarnations. */
    public static final int MAX_MEMBERS = 64;

    private Codec() {
    }

    // ------------------------------------------------------------------ peer frames

    public static byte[] encodePeer(int shard, int from, Message m) {
        PeerProto.PeerFrame.Builder f = PeerProto.PeerFrame.newBuilder().setShard(shard).setFrom(from);
        PeerConvert.encode(f, m);
        return f.build().toByteArray();
    }

    /** A protocol message; a Hello here is an error (it is only valid as a connection's first frame). */
    public static PeerFrame decodePeer(byte[] bytes) throws WireFormatException {
        return Convert.decode("PeerFrame", bytes, PeerProto.PeerFrame::parseFrom, f -> {
            int shard = Convert.natural(f.getShard(), "PeerFrame.shard");
            int from = Convert.processId(f.getFrom(), "PeerFrame.from");
            return new PeerFrame(shard, from, PeerConvert.decode(f));
        });
    }

    /** A PeerFrame whose body is a Hello of {@link #WIRE_VERSION}; its from field is the node id too. */
    public static byte[] encodeHello(int nodeId, String clusterId, String settings) {
        return encodeHello(new Hello(nodeId, clusterId, settings));
    }

    public static byte[] encodeHello(Hello h) {
        PeerProto.Hello hello = PeerProto.Hello.newBuilder()
                .setWireVersion(WIRE_VERSION).setNodeId(h.nodeId()).setClusterId(h.clusterId()).setSettings(h.settings())
                .setIncarnation(h.incarnation()).putAllKnown(h.known()).build();
        return PeerProto.PeerFrame.newBuilder().setFrom(h.nodeId()).setHello(hello).build().toByteArray();
    }

    /**
     * The first frame of a peer connection. The version is checked before anything else, because a
     * peer of another version may lay out the remaining fields differently.
     */
    public static Hello decodeHello(byte[] bytes) throws WireFormatException {
        return Convert.decode("Hello", bytes, PeerProto.PeerFrame::parseFrom, f -> {
            if (f.getBodyCase() != PeerProto.PeerFrame.BodyCase.HELLO) {
                throw Convert.bad("Hello", "expected a Hello as the first frame of a peer connection, got "
                        + f.getBodyCase());
            }
            PeerProto.Hello h = f.getHello();
            if (h.getWireVersion() != WIRE_VERSION) {
                throw Convert.bad("Hello.wire_version", "peer speaks wire version "
                        + Integer.toUnsignedString(h.getWireVersion()) + " but this node speaks version " + WIRE_VERSION
                        + "; run the same tempokv version on every node");
            }
            Convert.count(h.getKnownCount(), MAX_MEMBERS, "Hello.known");
            java.util.Map<Integer, String> known = new java.util.TreeMap<>();
            for (java.util.Map.Entry<Integer, String> e : h.getKnownMap().entrySet()) {
                known.put(Convert.processId(e.getKey(), "Hello.known"), e.getValue());
            }
            return new Hello(Convert.processId(h.getNodeId(), "Hello.node_id"), h.getClusterId(), h.getSettings(),
                    h.getIncarnation(), known);
        });
    }

    // ------------------------------------------------------------------ client frames

    public static byte[] encodeClient(Request r) {
        return ClientProto.ClientFrame.newBuilder().setRequest(ClientConvert.proto(r)).build().toByteArray();
    }

    public static byte[] encodeStatusRequest(long tag) {
        return ClientProto.ClientFrame.newBuilder()
                .setStatus(ClientProto.StatusRequest.newBuilder().setTag(tag)).build().toByteArray();
    }

    public static ClientFrame decodeClient(byte[] bytes) throws WireFormatException {
        return Convert.decode("ClientFrame", bytes, ClientProto.ClientFrame::parseFrom, ClientConvert::decode);
    }

    // ------------------------------------------------------------------ server frames

    /** A null detail and "" are the same on the wire; both decode to null. */
    public static byte[] encodeReply(Reply r) {
        return ClientProto.ServerFrame.newBuilder().setReply(ClientConvert.proto(r)).build().toByteArray();
    }

    public static byte[] encodeStatus(StatusInfo s) {
        return ClientProto.ServerFrame.newBuilder().setStatus(ClientConvert.proto(s)).build().toByteArray();
    }

    /**
     * A reply with status ERROR: the server did not understand a frame and closes the connection.
     * request may be null when the frame was too broken to tell which request it was.
     */
    public static byte[] encodeError(ClientRequestId request, String detail) {
        return ClientProto.ServerFrame.newBuilder().setReply(ClientConvert.error(request, detail)).build().toByteArray();
    }

    public static ServerFrame decodeServer(byte[] bytes) throws WireFormatException {
        return Convert.decode("ServerFrame", bytes, ClientProto.ServerFrame::parseFrom, ClientConvert::decode);
    }
}
