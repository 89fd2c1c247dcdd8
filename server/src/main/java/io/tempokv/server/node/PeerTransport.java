package io.tempokv.server.node;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.bytes.ByteArrayDecoder;
import io.netty.handler.codec.bytes.ByteArrayEncoder;
import io.netty.util.ReferenceCountUtil;
import io.tempokv.core.message.Message;
import io.tempokv.server.config.ClusterSettings;
import io.tempokv.server.config.Incarnations;
import io.tempokv.wire.Codec;
import io.tempokv.wire.Frames;
import io.tempokv.wire.Hello;
import io.tempokv.wire.PeerFrame;
import io.tempokv.wire.WireFormatException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Peer connections of a node. Each node dials every other member once and sends all its messages
 * for that peer over that outbound connection (its first frame is a Hello naming node and
 * cluster); it receives on the connections the peers dial in. Writes are queued per peer and
 * flushed once per batch; a slow peer whose socket buffer is full loses messages instead of
 * growing memory (the protocol repairs losses: timeouts, recovery, cumulative promise summaries).
 * Lost connections are redialled with capped exponential backoff; a Hello from a peer whose
 * outbound link is waiting out its backoff redials it at once (a restarted peer is reachable both
 * ways as soon as it dials in, not up to one backoff later).
 */
public final class PeerTransport implements ShardLoop.Transport, AutoCloseable {
    /** Receives decoded peer messages. */
    public interface Inbound {
        void deliver(int from, int shard, Message m);
    }

    static final int PENDING_PER_PEER_MAX = 200_000;
    static final long BACKOFF_MIN_MILLIS = 50;
    static final long BACKOFF_MAX_MILLIS = 500;

    private static final Logger LOG = Logger.getLogger(PeerTransport.class.getName());

    private final int self;
    private final String clusterId;
    private final ClusterSettings settings;
    private final int shards;
    private final Set<Integer> members;
    private final EventLoopGroup group;
    private final Inbound inbound;
    private final Map<Integer, Link> links = new TreeMap<>();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong rejectedConnections = new AtomicLong();
    /** A refused peer redials about once a second: one warning per reason per minute (counted in rejectedConnections). */
    private final RepeatLimiter refusalLog = new RepeatLimiter(java.util.concurrent.TimeUnit.MINUTES.toNanos(1), 64);
    private final AtomicLong outboundErrors = new AtomicLong();
    private final AtomicLong largestFrame = new AtomicLong();
    private final AtomicLong redialsOnHello = new AtomicLong();
    private final java.util.concurrent.ConcurrentHashMap<Integer, AtomicInteger> inboundByPeer = new java.util.concurrent.ConcurrentHashMap<>();
    private Channel server;
    private volatile boolean closed;
    /** D14: this node's incarnation and those it recorded for its peers; null in tests that do not use them. */
    private volatile Incarnations incarnations;
    /** Peers whose Hello agreed with the incarnations on both sides since this process started. */
    private final Set<Integer> vouched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How many peers must vouch before a new data directory takes part (f: a majority with this node). */
    private final int confirmationsNeeded;
    /** Why this node must not take part (a peer knows it by another incarnation); null while it may. Set once. */
    private final java.util.concurrent.atomic.AtomicReference<String> lostState = new java.util.concurrent.atomic.AtomicReference<>();
    private final AtomicLong droppedUnconfirmed = new AtomicLong();
    /** The redial backoff's bounds; only tests change them (before start). */
    private long backoffMin = BACKOFF_MIN_MILLIS;
    private long backoffMax = BACKOFF_MAX_MILLIS;

    /**
     * @param settings what every member must share; this node's Hello carries them, and a peer
     *                 whose Hello carries other ones is refused with the settings named
     */
    public PeerTransport(int self, ClusterSettings settings, Map<Integer, InetSocketAddress> peers, EventLoopGroup group,
                         Inbound inbound) {
        this.self = self;
        this.settings = settings;
        this.clusterId = settings.clusterId();
        this.shards = settings.shards();
        this.confirmationsNeeded = settings.f();
        this.members = new TreeSet<>(peers.keySet());
        this.members.add(self);
        this.group = group;
        this.inbound = inbound;
        peers.forEach((id, addr) -> {
            if (id != self) {
                links.put(id, new Link(id, addr));
            }
        });
    }

    /**
     * Turns on D14 (docs/protocol.md): Hellos carry this node's incarnation and the ones it recorded,
     * a peer on another incarnation than recorded is refused, and a new data directory takes no
     * part until f peers vouched for it. Called before {@link #start}.
     */
    public void incarnations(Incarnations incarnations) {
        if (confirmationsNeeded == 0) {
            incarnations.confirm();
        }
        this.incarnations = incarnations;
    }

    /**
     * Why this node must not serve, or null: a peer knows it by another data directory (it lost
     * what it acknowledged), or its new data directory is not yet confirmed by enough peers.
     */
    public String notServing() {
        String lost = lostState.get();
        if (lost != null) {
            return lost;
        }
        if (!confirmed()) {
            return "its data directory is new and " + vouched.size() + " of the " + confirmationsNeeded + " peers needed have"
                    + " confirmed that they knew no earlier one of this node (docs/protocol.md D14); it takes part once they have";
        }
        return null;
    }

    /** True unless this node runs D14 on a data directory its peers have not yet confirmed. */
    private boolean confirmed() {
        Incarnations inc = incarnations;
        return inc == null || inc.confirmed();
    }

    /** Whether a peer told this node that it was known by another data directory (see {@link #notServing}). */
    public boolean lostState() {
        return lostState.get() != null;
    }

    /** Peer frames dropped because this node's data directory was not yet confirmed, or lost its state. */
    public long droppedUnconfirmed() {
        return droppedUnconfirmed.get();
    }

    /** For tests: a fixed, long backoff shows whether a redial came from a Hello or from the timer. */
    void backoff(long minMillis, long maxMillis) {
        this.backoffMin = minMillis;
        this.backoffMax = maxMillis;
        links.values().forEach(l -> l.backoffMillis = minMillis);
    }

    public void start(InetSocketAddress listen) throws InterruptedException, java.net.BindException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME_BYTES, 0, 4, 0, 4),
                                new ByteArrayDecoder(), new InboundHandler());
                    }
                });
        server = Bind.listen(b, listen, "peer", "ports.peer");
        links.values().forEach(Link::connect);
    }

    /**
     * Peers connected both ways (this node not included): our connection to them is up and theirs
     * to us said Hello. Both are needed for a peer to answer this node's proposals.
     */
    public Set<Integer> connected() {
        Set<Integer> out = new TreeSet<>();
        links.forEach((id, l) -> {
            AtomicInteger in = inboundByPeer.get(id);
            if (l.channel != null && l.channel.isActive() && in != null && in.get() > 0) {
                out.add(id);
            }
        });
        return out;
    }

    /** Our outbound connection to this peer is up: what we send it now can arrive. */
    @Override
    public boolean reachable(int peer) {
        Link l = links.get(peer);
        Channel c = l == null ? null : l.channel;
        return c != null && c.isActive();
    }

    public long droppedMessages() {
        return dropped.get();
    }

    public long rejectedConnections() {
        return rejectedConnections.get();
    }

    /** Redials started early because the peer dialled in while its link waited out a backoff. */
    public long redialsOnHello() {
        return redialsOnHello.get();
    }

    /** Outbound peer connections closed by an I/O error (a reset by a peer that died, a failed write). */
    public long outboundConnectionErrors() {
        return outboundErrors.get();
    }

    @Override
    public void send(int to, int shard, Message m) {
        Link l = links.get(to);
        if (l == null || lostState.get() != null) {
            dropped.incrementAndGet();
            return;
        }
        if (l.pendingCount.incrementAndGet() > PENDING_PER_PEER_MAX) {
            l.pendingCount.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        byte[] frame = Codec.encodePeer(shard, self, m);
        if (frame.length > largestFrame.get()) {
            largestFrame.accumulateAndGet(frame.length, Math::max);
        }
        l.pending.add(frame);
    }

    /** The largest peer frame this transport queued since it started, in bytes (bounded, issue 13). */
    public long largestFrame() {
        return largestFrame.get();
    }

    @Override
    public void flush() {
        for (Link l : links.values()) {
            if (!l.pending.isEmpty()) {
                l.flushSoon();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeLinks();
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
    }

    /** Closes the outbound connections; they redial unless the transport is closed or this node lost its state. */
    private void closeLinks() {
        for (Link l : links.values()) {
            Channel c = l.channel;
            if (c != null) {
                c.close();
            }
        }
    }

    /** The outbound connection to one peer. */
    private final class Link {
        final int peer;
        final InetSocketAddress address;
        final ConcurrentLinkedQueue<byte[]> pending = new ConcurrentLinkedQueue<>();
        final AtomicInteger pendingCount = new AtomicInteger();
        volatile Channel channel;
        long backoffMillis = backoffMin;
        /** The redial waiting out its backoff, if any. */
        volatile java.util.concurrent.ScheduledFuture<?> retry;

        Link(int peer, InetSocketAddress address) {
            this.peer = peer;
            this.address = address;
        }

        void connect() {
            if (closed || lostState.get() != null) {
                return;
            }
            Bootstrap b = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 8 << 20))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LengthFieldPrepender(4), new ByteArrayEncoder(), new OutboundErrors(peer));
                        }
                    });
            b.connect(address).addListener((ChannelFuture f) -> {
                if (!f.isSuccess()) {
                    retryLater();
                    return;
                }
                Channel ch = f.channel();
                Incarnations inc = incarnations;
                ch.writeAndFlush(Codec.encodeHello(inc == null ? new Hello(self, clusterId, settings.text())
                        : new Hello(self, clusterId, settings.text(), inc.own(), inc.known())));
                channel = ch;
                backoffMillis = backoffMin;
                LOG.info(() -> "node=" + self + " connected to peer " + peer + " at " + address.getHostString() + ":" + address.getPort());
                ch.closeFuture().addListener(c -> {
                    channel = null;
                    LOG.info(() -> "node=" + self + " lost connection to peer " + peer + "; redialling");
                    retryLater();
                });
            });
        }

        void retryLater() {
            if (closed) {
                return;
            }
            long delay = backoffMillis;
            backoffMillis = Math.min(backoffMax, backoffMillis * 2);
            retry = group.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        }

        /** The peer just dialled in, so it is up: redial now instead of at the end of the backoff. */
        void dialNow() {
            java.util.concurrent.ScheduledFuture<?> r = retry;
            if (channel == null && r != null && r.cancel(false)) {
                redialsOnHello.incrementAndGet();
                group.execute(this::connect);
            }
        }

        void flushSoon() {
            Channel ch = channel;
            if (ch == null) {
                discardPending();
                return;
            }
            ch.eventLoop().execute(() -> {
                List<byte[]> batch = new ArrayList<>();
                for (byte[] b; (b = pending.poll()) != null; ) {
                    pendingCount.decrementAndGet();
                    batch.add(b);
                }
                if (!ch.isActive() || !ch.isWritable()) {
                    dropped.addAndGet(batch.size());
                    return;
                }
                for (byte[] b : batch) {
                    ch.write(b, ch.voidPromise());
                }
                ch.flush();
            });
        }

        private void discardPending() {
            int n = 0;
            while (pending.poll() != null) {
                n++;
            }
            pendingCount.addAndGet(-n);
            dropped.addAndGet(n);
        }
    }

    /**
     * The last handler of an outbound connection. A peer that dies resets the connection, and then
     * every queued write fails (writes use the void promise, so each failure arrives here): the
     * connection is closed at the first error, which is logged once, without a stack trace; the
     * close listener redials with backoff. Without this, Netty logged a stack trace per failed
     * write (hundreds of megabytes of node.log in a 10-minute kill run). Peers never write on
     * this connection; anything they send is discarded.
     */
    private final class OutboundErrors extends ChannelInboundHandlerAdapter {
        private final int peer;
        private boolean failed;

        OutboundErrors(int peer) {
            this.peer = peer;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!failed) {
                failed = true;
                outboundErrors.incrementAndGet();
                LOG.info(() -> "node=" + self + " connection to peer " + peer + " failed: " + cause);
            }
            ctx.close();
        }
    }

    /** One inbound connection: a Hello first, then peer frames from that peer only. */
    private final class InboundHandler extends SimpleChannelInboundHandler<byte[]> {
        private int peer = -1;
        /** Set once the connection was refused: frames already read behind the refused one are ignored. */
        private boolean refused;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, byte[] bytes) {
            if (refused) {
                return;
            }
            try {
                if (peer < 0) {
                    peer = hello(bytes);
                    inboundByPeer.computeIfAbsent(peer, k -> new AtomicInteger()).incrementAndGet();
                    links.get(peer).dialNow();
                    return;
                }
                PeerFrame f = Codec.decodePeer(bytes);
                if (f.from() != peer || f.shard() < 0 || f.shard() >= shards || f.message() == null) {
                    throw new WireFormatException("frame claims sender " + f.from() + " shard " + f.shard()
                            + " on the connection of peer " + peer);
                }
                if (lostState.get() != null || !confirmed()) {
                    droppedUnconfirmed.incrementAndGet();
                    return;
                }
                inbound.deliver(f.from(), f.shard(), f.message());
            } catch (WireFormatException e) {
                reject(ctx, e.getMessage());
            }
        }

        private int hello(byte[] bytes) throws WireFormatException {
            Hello h = Codec.decodeHello(bytes);
            if (!clusterId.equals(h.clusterId())) {
                throw new WireFormatException("peer " + h.nodeId() + " belongs to cluster '" + h.clusterId() + "', this is '" + clusterId + "'");
            }
            if (!members.contains(h.nodeId()) || h.nodeId() == self) {
                throw new WireFormatException("node " + h.nodeId() + " is not a peer member " + members);
            }
            if (!h.settings().isEmpty()) {
                List<String> differ = settings.differences(ClusterSettings.parse(h.settings()), "here (node " + self + ")",
                        "on node " + h.nodeId());
                if (!differ.isEmpty()) {
                    throw new WireFormatException("peer " + h.nodeId() + " runs with other cluster settings: " + String.join("; ", differ)
                            + ". members, f, shards and buckets must be the same in every member's config: correct the node that"
                            + " is wrong (its data directory records what it was created with)");
                }
            }
            checkIncarnations(h);
            return h.nodeId();
        }

        /** D14, both ways: the peer's incarnation against the one recorded here, and this node's against the peer's record. */
        private void checkIncarnations(Hello h) throws WireFormatException {
            Incarnations inc = incarnations;
            if (inc == null) {
                return;
            }
            String lost = lostState.get();
            if (lost != null) {
                throw new WireFormatException("this node takes no part: " + lost);
            }
            String knownAsThere = h.known().get(self);
            if (knownAsThere != null && !knownAsThere.isEmpty() && !knownAsThere.equals(inc.own())) {
                String why = "node " + h.nodeId() + " knows this node (" + self + ") by data directory incarnation " + knownAsThere
                        + ", but this data directory is incarnation " + inc.own() + ": it is not the directory this node had (it was"
                        + " wiped, replaced or created anew) and lacks what this node acknowledged, so the node takes no part and"
                        + " serves nothing. Keep it stopped and follow docs/operations.md, \"A node lost its disk\"";
                if (lostState.compareAndSet(null, why)) {
                    LOG.severe(() -> "node=" + self + " stopped serving: " + why);
                    closeLinks();
                }
                throw new WireFormatException(why);
            }
            if (!h.incarnation().isEmpty()) {
                String recorded = inc.recorded(h.nodeId());
                if (recorded != null && !recorded.equals(h.incarnation())) {
                    throw new WireFormatException("peer " + h.nodeId() + " runs on data directory incarnation " + h.incarnation()
                            + ", but this node recorded incarnation " + recorded + " for it: its data directory was wiped, replaced"
                            + " or created anew and lacks what it acknowledged, so it must not rejoin as it is (docs/protocol.md"
                            + " D14; docs/operations.md, \"A node lost its disk\")");
                }
                if (recorded == null && inc.record(h.nodeId(), h.incarnation())) {
                    LOG.info(() -> "node=" + self + " recorded peer " + h.nodeId() + "'s data directory incarnation " + h.incarnation());
                }
            }
            if (vouched.add(h.nodeId()) && !inc.confirmed() && vouched.size() >= confirmationsNeeded) {
                inc.confirm();
                LOG.info(() -> "node=" + self + " new data directory (incarnation " + inc.own() + ") confirmed by peers " + vouched
                        + ": none knew an earlier one of this node; it takes part from now on");
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (peer >= 0) {
                inboundByPeer.get(peer).decrementAndGet();
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.io.IOException) {
                // the peer died or restarted (a reset): not malformed input; it redials by itself
                LOG.info(() -> "node=" + self + " peer connection from " + ctx.channel().remoteAddress() + " ended: " + cause);
                ctx.close();
                return;
            }
            reject(ctx, cause.toString());
        }

        private void reject(ChannelHandlerContext ctx, String reason) {
            refused = true;
            rejectedConnections.incrementAndGet();
            long repeats = refusalLog.admit(reason, System.nanoTime());
            if (repeats >= 0) {
                LOG.warning(() -> "node=" + self + " closing peer connection from " + ctx.channel().remoteAddress() + ": " + reason
                        + (repeats > 0 ? " (and " + repeats + " more times for this reason since the last such line)" : ""));
            }
            ctx.close();
        }
    }
}
