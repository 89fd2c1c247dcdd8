package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.RequestRejectedException;
import io.tempokv.client.TempoClient;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node shutting down (SIGTERM, a rolling restart) closes its client connections before its
 * shards stop, so clients resend elsewhere; it never answers "rejected" for a request that another
 * node could have served (seen in the Ansible rolling-restart test before this was fixed).
 */
class ShutdownTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void closingTheClientPortClosesEveryOpenClientConnection() throws Exception {
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        try {
            ClientServer cs = new ClientServer(1, group, new ClientServer.Router() {
                @Override
                public void submit(io.tempokv.core.Request r, java.util.function.Consumer<io.tempokv.core.Reply> replyTo) {
                    // a shard that never answers
                }

                @Override
                public byte[] statusFrame(long tag) {
                    return new byte[0];
                }
            }, 1 << 20);
            int port = freePort();
            cs.start(new InetSocketAddress("127.0.0.1", port));
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                s.setSoTimeout(5_000);
                Thread.sleep(200); // let the server register the connection
                cs.close();
                assertEquals(-1, s.getInputStream().read(), "the open connection was closed by the node (EOF), not left hanging");
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    @Test
    void aClosingNodeDropsItsClientsInsteadOfRejectingTheirRequests() throws Exception {
        int c = freePort();
        int p = freePort();
        int h = freePort();
        NodeConfig cfg = ConfigLoader.parse("node-id: 1\ndata-dir: " + dir.resolve("data") + "\nlisten: 127.0.0.1\n"
                + "members:\n  - {id: 1, host: 127.0.0.1, client: " + c + ", peer: " + p + ", http: " + h + "}\n", "test.yaml");
        Node node = Node.start(cfg);
        try (TempoClient client = TempoClient.connect(List.of(new InetSocketAddress("127.0.0.1", c)),
                new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(3), 4))) {
            client.put("k", "v").get(30, TimeUnit.SECONDS);
            assertEquals(Optional.of("v"), client.get("k").get(30, TimeUnit.SECONDS));
            node.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> client.get("k").get(30, TimeUnit.SECONDS));
            assertFalse(e.getCause() instanceof RequestRejectedException,
                    "with one node gone there is nowhere to resend, but the answer must not be a rejection: " + e.getCause());
        } finally {
            node.close();
        }
    }
}
