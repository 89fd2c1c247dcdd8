package io.tempokv.server.node;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.bytes.ByteArrayDecoder;
import io.netty.handler.codec.bytes.ByteArrayEncoder;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.wire.ClientFrame;
import io.tempokv.wire.Codec;
import io.tempokv.wire.WireFormatException;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * The client port: length-prefixed ClientFrames in, ServerFrames out. A frame that does not decode,
 * or is larger than the limit, closes its connection with a logged reason; nothing reaches the
 * protocol. A client that does not read its replies stops being read (backpressure).
 */
public final class ClientServer implements AutoCloseable {
    /** Where requests go. */
    public interface Router {
        void submit(Request r, Consumer<Reply> replyTo);

        byte[] statusFrame(long tag);
    }

    /** Open client connections, closed together when the node shuts down. */
    private final io.netty.channel.group.ChannelGroup connections =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);
    private static final Logger LOG = Logger.getLogger(ClientServer.class.getName());

    private final int node;
    private final EventLoopGroup group;
    private final Router router;
    private final int maxFrameBytes;
    private final AtomicLong rejectedConnections = new AtomicLong();
    private Channel server;

    public ClientServer(int node, EventLoopGroup group, Router router, int maxFrameBytes) {
        this.node = node;
        this.group = group;
        this.router = router;
        this.maxFrameBytes = maxFrameBytes;
    }

    public void start(InetSocketAddress listen) throws InterruptedException, java.net.BindException {
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(1 << 20, 4 << 20))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.add(ch);
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(maxFrameBytes, 0, 4, 0, 4),
                                new ByteArrayDecoder(), new LengthFieldPrepender(4), new ByteArrayEncoder(), new Handler());
                    }
                });
        server = Bind.listen(b, listen, "client", "ports.client");
    }

    public long rejectedConnections() {
        return rejectedConnections.get();
    }

    /**
     * Stops taking requests: closes the port and every client connection, so that clients resend
     * their requests (same ids) to another node instead of reaching shards that are stopping.
     */
    @Override
    public void close() {
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        connections.close().awaitUninterruptibly();
    }

    private final class Handler extends SimpleChannelInboundHandler<byte[]> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, byte[] bytes) {
            ClientFrame frame;
            try {
                frame = Codec.decodeClient(bytes);
            } catch (WireFormatException e) {
                reject(ctx, e.getMessage());
                return;
            }
            Channel ch = ctx.channel();
            if (frame instanceof ClientFrame.RequestFrame r) {
                router.submit(r.request(), reply -> ch.writeAndFlush(Codec.encodeReply(reply)));
            } else if (frame instanceof ClientFrame.StatusRequestFrame s) {
                ch.writeAndFlush(router.statusFrame(s.tag()));
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof java.io.IOException) {
                // the client went away (a reset, a broken pipe): nothing malformed, nothing to answer
                LOG.fine(() -> "node=" + node + " client connection from " + ctx.channel().remoteAddress() + " ended: " + cause);
                ctx.close();
                return;
            }
            reject(ctx, cause.toString());
        }

        private void reject(ChannelHandlerContext ctx, String reason) {
            rejectedConnections.incrementAndGet();
            LOG.warning(() -> "node=" + node + " closing client connection from " + ctx.channel().remoteAddress() + ": " + reason);
            ctx.writeAndFlush(Codec.encodeError(null, "malformed frame, closing the connection: " + reason))
                    .addListener(f -> ctx.close());
        }
    }
}
