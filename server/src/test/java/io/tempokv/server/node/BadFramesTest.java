package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.RequestRejectedException;
import io.tempokv.client.TempoClient;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import io.tempokv.wire.Codec;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thousands of random, truncated and oversize frames sent to the client and peer ports of a
 * running node: it stays up, closes each offending connection, and the data stays intact.
 */
class BadFramesTest {
    @TempDir
    Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private NodeConfig config() throws IOException {
        int c = freePort();
        int p = freePort();
        int h = freePort();
        return ConfigLoader.parse("node-id: 1\ndata-dir: " + dir.resolve("data") + "\nlisten: 127.0.0.1\n"
                + "members:\n  - {id: 1, host: 127.0.0.1, client: " + c + ", peer: " + p + ", http: " + h + "}\n", "test.yaml");
    }

    /** Sends one frame (or raw bytes) and reports whether the node closed the connection. */
    private static boolean sendAndExpectClose(int port, byte[] raw) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(raw);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            try {
                while (in.read(buf) >= 0) {
                    // drain the error frame, if any, until the node closes
                }
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (IOException e) {
                return true;
            }
        }
    }

    private static byte[] framed(byte[] body) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.writeInt(body.length);
        d.write(body);
        return b.toByteArray();
    }

    @Test
    void randomAndOversizeFramesCloseTheirConnectionAndChangeNothing() throws Exception {
        NodeConfig cfg = config();
        try (Node node = Node.start(cfg);
             TempoClient c = TempoClient.connect(List.of(cfg.self().clientAddress()),
                     new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(10), 4))) {
            c.put("precious", "data").get(10, TimeUnit.SECONDS);
            SplittableRandom rng = new SplittableRandom(7);
            int closed = 0;
            int sent = 0;
            for (int i = 0; i < 1500; i++) {
                byte[] body = new byte[1 + rng.nextInt(200)];
                rng.nextBytes(body);
                int port = i % 2 == 0 ? cfg.ports().client() : cfg.ports().peer();
                sent++;
                closed += sendAndExpectClose(port, framed(body)) ? 1 : 0;
            }
            byte[] oversize = new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3};
            assertTrue(sendAndExpectClose(cfg.ports().client(), oversize), "oversize length prefix closes the client connection");
            assertTrue(sendAndExpectClose(cfg.ports().peer(), oversize), "oversize length prefix closes the peer connection");
            assertTrue(sendAndExpectClose(cfg.ports().peer(), framed(Codec.encodeHello(9, "tempokv", ""))), "a non-member Hello is refused");
            assertEquals(sent, closed, "every connection that sent garbage was closed");
            assertEquals(Optional.of("data"), c.get("precious").get(10, TimeUnit.SECONDS), "data intact");
            c.put("after", "ok").get(10, TimeUnit.SECONDS);
            assertEquals(Optional.of("ok"), c.get("after").get(10, TimeUnit.SECONDS), "node still serves");
            assertTrue(node.health().ready());
        }
    }

    @Test
    void anOversizeValueIsRejectedWithTheLimit() throws Exception {
        NodeConfig cfg = config();
        try (Node node = Node.start(cfg);
             TempoClient c = TempoClient.connect(List.of(cfg.self().clientAddress()),
                     new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(10), 4))) {
            String big = "x".repeat(cfg.limits().valueBytesMax() + 1);
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> c.put("k", big).get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof RequestRejectedException, e.toString());
            assertTrue(e.getCause().getMessage().contains("larger than the limit of " + cfg.limits().valueBytesMax()),
                    e.getCause().getMessage());
            assertEquals(Optional.empty(), c.get("k").get(10, TimeUnit.SECONDS));
        }
    }
}
