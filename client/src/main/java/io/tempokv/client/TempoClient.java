package io.tempokv.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.bytes.ByteArrayDecoder;
import io.netty.handler.codec.bytes.ByteArrayEncoder;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.wire.Codec;
import io.tempokv.wire.Frames;
import io.tempokv.wire.ServerFrame;
import io.tempokv.wire.StatusInfo;
import io.tempokv.wire.WireFormatException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Asynchronous tempokv client. Requests are pipelined over one connection; each request in flight
 * uses its own lane (a client id with increasing sequence numbers), so a retry (same id, possibly
 * to another endpoint after a timeout or a lost connection) is applied at most once. Outcomes:
 * the result; {@link RequestRejectedException} when the request surely did not apply;
 * {@link NoEndpointReachableException} when it was never sent; {@link OutcomeUnknownException}
 * when it was sent but no answer came before the deadline.
 */
public final class TempoClient implements AutoCloseable {
    private static final long RETRY_PAUSE_MILLIS = 100;
    static final int WAITING_MAX = 100_000;

    private record Waiting(List<Op> ops, CompletableFuture<List<OpResult>> future) {
    }

    private final List<InetSocketAddress> endpoints;
    private final ClientOptions options;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tempokv-client-timer");
        t.setDaemon(true);
        return t;
    });
    private final Bootstrap bootstrap;
    private final long clientBase;
    private final long[] laneSeq;
    private final ArrayDeque<Integer> freeLanes = new ArrayDeque<>();
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private final Map<ClientRequestId, Pending> pending = new HashMap<>();
    private final Map<Long, CompletableFuture<StatusInfo>> statusWaiters = new HashMap<>();
    private Channel channel;
    private int endpointIndex;
    private long nextStatusTag;
    private boolean closed;

    private static final class Pending {
        final Request request;
        final int lane;
        final long deadlineNanos;
        final CompletableFuture<List<OpResult>> future = new CompletableFuture<>();
        int attempts;
        /** The last node's word that it takes no requests now (catching up), if any. */
        String unavailable;
        ScheduledFuture<?> timer;

        Pending(Request request, int lane, long deadlineNanos) {
            this.request = request;
            this.lane = lane;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private TempoClient(List<InetSocketAddress> endpoints, ClientOptions options) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoints given; pass at least one host:port of a tempokv node's client port");
        }
        this.endpoints = List.copyOf(endpoints);
        this.options = options;
        this.clientBase = 1 + (new SecureRandom().nextLong() >>> 20);
        this.laneSeq = new long[options.lanes()];
        for (int i = 0; i < options.lanes(); i++) {
            freeLanes.add(i);
        }
        this.bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(Frames.MAX_FRAME_BYTES, 0, 4, 0, 4),
                                new ByteArrayDecoder(), new LengthFieldPrepender(4), new ByteArrayEncoder(), new Handler());
                    }
                });
    }

    public static TempoClient connect(List<InetSocketAddress> endpoints, ClientOptions options) {
        return new TempoClient(endpoints, options);
    }

    /** Parses "host:port,host:port". */
    public static List<InetSocketAddress> parseEndpoints(String list) {
        java.util.ArrayList<InetSocketAddress> out = new java.util.ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            int colon = p.lastIndexOf(':');
            if (colon <= 0 || colon == p.length() - 1) {
                throw new IllegalArgumentException("endpoint '" + p + "' is not host:port");
            }
            try {
                int port = Integer.parseInt(p.substring(colon + 1));
                if (port < 1 || port > 65_535) {
                    throw new NumberFormatException();
                }
                out.add(InetSocketAddress.createUnresolved(p.substring(0, colon), port));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("endpoint '" + p + "' has no valid port (1..65535)");
            }
        }
        return out;
    }

    public CompletableFuture<Optional<String>> get(String key) {
        return execute(List.of(Op.get(key))).thenApply(r -> Optional.ofNullable(r.get(0).value()));
    }

    public CompletableFuture<Void> put(String key, String value) {
        return execute(List.of(Op.put(key, value))).thenApply(r -> null);
    }

    public CompletableFuture<Void> delete(String key) {
        return execute(List.of(Op.delete(key))).thenApply(r -> null);
    }

    /** Compare-and-set; {@code expected == null} means "only if the key is absent". */
    public CompletableFuture<CasResult> cas(String key, String expected, String value) {
        return execute(List.of(Op.cas(key, expected, value))).thenApply(r -> new CasResult(r.get(0).ok(), r.get(0).value()));
    }

    /**
     * Runs the operations as one command (all keys must be in one shard in this version). When all
     * lanes are busy the request waits in a bounded queue; its deadline starts when it is sent.
     */
    public CompletableFuture<List<OpResult>> execute(List<Op> ops) {
        Pending p;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("client is closed"));
            }
            Integer lane = freeLanes.poll();
            if (lane == null) {
                if (waiting.size() >= WAITING_MAX) {
                    return CompletableFuture.failedFuture(new IllegalStateException("more than " + WAITING_MAX
                            + " requests waiting for one of " + options.lanes() + " lanes; slow down or raise ClientOptions.lanes"));
                }
                Waiting w = new Waiting(List.copyOf(ops), new CompletableFuture<>());
                waiting.add(w);
                return w.future;
            }
            p = start(lane, ops);
        }
        timers.execute(() -> dispatch(p));
        return p.future;
    }

    /** Give a lane to a request: a new id on that lane. Caller holds the lock. */
    private Pending start(int lane, List<Op> ops) {
        // Sequence numbers follow the wall clock in microseconds (and still rise by at least 1), so
        // a bucket that drops its oldest sessions drops idle clients' and not this one's (D12).
        laneSeq[lane] = Math.max(laneSeq[lane] + 1, System.currentTimeMillis() * 1000);
        ClientRequestId id = new ClientRequestId(clientBase + lane, laneSeq[lane]);
        Pending p = new Pending(new Request(id, ops), lane, System.nanoTime() + options.deadline().toNanos());
        pending.put(id, p);
        return p;
    }

    /** The endpoints as the user wrote them, host:port (an unresolved address prints as "host/<unresolved>:port"). */
    private String shown() {
        StringBuilder b = new StringBuilder("[");
        for (InetSocketAddress a : endpoints) {
            b.append(b.length() > 1 ? ", " : "").append(a.getHostString()).append(':').append(a.getPort());
        }
        return b.append(']').toString();
    }

    /**
     * The status as the node this client is connected to sees it. Asked again every attemptTimeout
     * (on the same connection, or the next reachable endpoint if it dropped) until the deadline: a
     * slow but live node answers in the end, and an answer to any attempt counts.
     */
    public synchronized CompletableFuture<StatusInfo> status() {
        long tag = ++nextStatusTag;
        CompletableFuture<StatusInfo> f = new CompletableFuture<>();
        statusWaiters.put(tag, f);
        long deadline = System.nanoTime() + options.deadline().toNanos();
        timers.execute(() -> statusAttempt(tag, deadline, 1));
        return f;
    }

    private void statusAttempt(long tag, long deadline, int attempt) {
        synchronized (this) {
            if (!statusWaiters.containsKey(tag)) {
                return;
            }
        }
        Channel ch = ensureConnected();
        if (ch != null) {
            ch.writeAndFlush(Codec.encodeStatusRequest(tag));
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            finishStatus(tag, null, ch == null ? "no endpoint reachable: " + shown()
                    : "no status answer within " + options.deadline() + " (" + attempt + " attempts)");
            return;
        }
        timers.schedule(() -> {
            if (System.nanoTime() - deadline >= 0) {
                finishStatus(tag, null, ch == null ? "no endpoint reachable within " + options.deadline() + ": " + shown()
                        : "no status answer within " + options.deadline() + " (" + attempt + " attempts)");
            } else {
                statusAttempt(tag, deadline, attempt + 1);
            }
        }, Math.min(options.attemptTimeout().toNanos(), left), TimeUnit.NANOSECONDS);
    }

    private void finishStatus(long tag, StatusInfo s, String error) {
        CompletableFuture<StatusInfo> f;
        synchronized (this) {
            f = statusWaiters.remove(tag);
        }
        if (f != null) {
            if (s != null) {
                f.complete(s);
            } else {
                f.completeExceptionally(new OutcomeUnknownException(error));
            }
        }
    }

    /** Send (or resend) a request on the timer thread; never on a Netty thread, since connecting blocks. */
    private void dispatch(Pending p) {
        try {
            attempt(p);
        } catch (RuntimeException e) {
            // A bug must surface as a failed request, never as a request that silently waits forever.
            finish(p, null, new OutcomeUnknownException("client error while sending " + p.request.id() + ": " + e));
        }
    }

    private void attempt(Pending p) {
        synchronized (this) {
            if (pending.get(p.request.id()) != p) {
                return;
            }
        }
        if (System.nanoTime() >= p.deadlineNanos && p.attempts == 0 && p.unavailable != null) {
            finish(p, null, new NoEndpointReachableException("no node of " + shown() + " took request " + p.request.id()
                    + " within " + options.deadline() + " (last answer: " + p.unavailable + "); it was not applied"));
            return;
        }
        if (System.nanoTime() >= p.deadlineNanos && p.attempts == 0) {
            finish(p, null, new NoEndpointReachableException("could not connect to any of " + shown() + " within "
                    + options.deadline() + "; the request was not sent. Is the node running and is this its client port?"));
            return;
        }
        if (System.nanoTime() >= p.deadlineNanos) {
            finish(p, null, new OutcomeUnknownException("no answer for request " + p.request.id() + " within "
                    + options.deadline() + " after " + p.attempts + " attempt(s) to " + shown()
                    + "; it may or may not have been applied"));
            return;
        }
        Channel ch = ensureConnected();
        if (ch == null) {
            p.timer = timers.schedule(() -> dispatch(p), RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
            return;
        }
        p.attempts++;
        ch.writeAndFlush(Codec.encodeClient(p.request));
        p.timer = timers.schedule(() -> onAttemptTimeout(p, ch), options.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    private void onAttemptTimeout(Pending p, Channel ch) {
        synchronized (this) {
            if (channel == ch) {
                endpointIndex++;
                channel = null;
                ch.close();
            }
        }
        dispatch(p);
    }

    private Channel ensureConnected() {
        synchronized (this) {
            if (channel != null && channel.isActive()) {
                return channel;
            }
        }
        for (int i = 0; i < endpoints.size(); i++) {
            synchronized (this) {
                if (closed) {
                    return null;
                }
            }
            InetSocketAddress a = endpoints.get(Math.floorMod(endpointIndex, endpoints.size()));
            ChannelFuture f = bootstrap.connect(new InetSocketAddress(a.getHostString(), a.getPort())).awaitUninterruptibly();
            if (f.isSuccess()) {
                synchronized (this) {
                    channel = f.channel();
                    return channel;
                }
            }
            synchronized (this) {
                endpointIndex++;
            }
        }
        return null;
    }

    private void onReply(Reply r) {
        Pending p;
        synchronized (this) {
            p = r.request() == null ? null : pending.get(r.request());
        }
        if (p == null) {
            return;
        }
        if (r.status() == Reply.Status.OK) {
            finish(p, r.results(), null);
        } else if (r.status() == Reply.Status.UNAVAILABLE) {
            // That node did not take it (catching up after a restart): surely not applied there, so
            // it does not count as an attempt; the next node in the list gets it.
            cancelTimer(p);
            p.attempts--;
            p.unavailable = r.detail();
            synchronized (this) {
                if (channel != null) {
                    // Later requests go to the next node; the old connection stays open a while for
                    // the answers to requests already sent on it (the same node answers them alike).
                    Channel old = channel;
                    endpointIndex++;
                    channel = null;
                    timers.schedule(() -> old.close(), options.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            p.timer = timers.schedule(() -> dispatch(p), endpoints.size() > 1 ? 0 : RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        } else if (r.status() == Reply.Status.EXPIRED) {
            // Every node answers this request the same way from now on: stop. Sent once, it was
            // not applied; sent more than once, an earlier attempt may have been (D12).
            finish(p, null, p.attempts <= 1 ? new RequestRejectedException(r.detail()) : new OutcomeUnknownException(r.detail()));
        } else if (p.attempts <= 1) {
            finish(p, null, new RequestRejectedException(r.detail()));
        } else {
            // An earlier attempt may still apply: keep trying until an answer or the deadline.
            cancelTimer(p);
            p.timer = timers.schedule(() -> dispatch(p), RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The server could not read a frame of ours (a client bug or version mismatch): fail that request. */
    private void onError(ServerFrame.ErrorFrame e) {
        Pending p;
        synchronized (this) {
            p = e.request() == null ? null : pending.get(e.request());
        }
        if (p != null) {
            finish(p, null, new RequestRejectedException("the server could not read request " + e.request() + ": " + e.detail()));
        }
    }

    private void finish(Pending p, List<OpResult> results, Exception error) {
        Pending next = null;
        Waiting w;
        synchronized (this) {
            if (pending.remove(p.request.id()) != p) {
                return;
            }
            w = closed ? null : waiting.poll();
            if (w != null) {
                next = start(p.lane, w.ops());
            } else {
                // Last freed, first reused: a client with few requests in flight uses few lanes,
                // so it leaves few sessions on the servers.
                freeLanes.push(p.lane);
            }
        }
        if (next != null) {
            Pending n = next;
            n.future.whenComplete((r, e) -> {
                if (e != null) {
                    w.future().completeExceptionally(e);
                } else {
                    w.future().complete(r);
                }
            });
            timers.execute(() -> dispatch(n));
        }
        cancelTimer(p);
        if (error == null) {
            p.future.complete(results);
        } else {
            p.future.completeExceptionally(error);
        }
    }

    private static void cancelTimer(Pending p) {
        ScheduledFuture<?> t = p.timer;
        if (t != null) {
            t.cancel(false);
        }
    }

    private void onConnectionLost(Channel ch) {
        List<Pending> resend;
        synchronized (this) {
            if (channel == ch) {
                channel = null;
                endpointIndex++;
            }
            resend = List.copyOf(pending.values());
        }
        for (Pending p : resend) {
            cancelTimer(p);
            p.timer = timers.schedule(() -> dispatch(p), RETRY_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        List<Pending> open;
        synchronized (this) {
            closed = true;
            open = List.copyOf(pending.values());
        }
        for (Pending p : open) {
            finish(p, null, new OutcomeUnknownException("client closed with request " + p.request.id() + " in flight"));
        }
        List<Waiting> queued;
        synchronized (this) {
            queued = List.copyOf(waiting);
            waiting.clear();
        }
        for (Waiting w : queued) {
            w.future().completeExceptionally(new RequestRejectedException("client closed before the request was sent"));
        }
        // The timer thread may be in the middle of a connect: let it finish (bounded by the connect
        // timeout) before the event loops go, or Netty force-closes the new channel and prints a
        // RejectedExecutionException stack trace on the user's terminal.
        timers.shutdownNow();
        try {
            timers.awaitTermination(options.connectTimeout().toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Channel ch;
        synchronized (this) {
            ch = channel;
            channel = null;
        }
        if (ch != null) {
            ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<byte[]> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, byte[] bytes) {
            try {
                ServerFrame f = Codec.decodeServer(bytes);
                if (f instanceof ServerFrame.ReplyFrame r) {
                    onReply(r.reply());
                } else if (f instanceof ServerFrame.StatusFrame s) {
                    finishStatus(s.status().tag(), s.status(), null);
                } else if (f instanceof ServerFrame.ErrorFrame e) {
                    onError(e);
                }
            } catch (WireFormatException e) {
                ctx.close();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            onConnectionLost(ctx.channel());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
