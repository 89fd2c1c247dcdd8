package io.tempokv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Reply;
import io.tempokv.core.Request;
import io.tempokv.wire.ClientFrame;
import io.tempokv.wire.Codec;
import io.tempokv.wire.Frames;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The client against scripted fake servers on loopback. */
class TempoClientTest {
    private final List<ServerSocket> servers = new ArrayList<>();
    private final List<Request> seen = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger statusQueries = new java.util.concurrent.atomic.AtomicInteger();
    /** Fake nodes answer status queries from this one on (counting from 1); the earlier ones go unanswered. */
    private volatile int statusAnsweredFrom = Integer.MAX_VALUE;

    @AfterEach
    void closeServers() throws IOException {
        for (ServerSocket s : servers) {
            s.close();
        }
    }

    /** A fake node: answers each request with respond(request), or not at all when it returns null. */
    private InetSocketAddress fakeNode(Function<Request, Reply> respond) throws IOException {
        ServerSocket ss = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        servers.add(ss);
        Thread t = new Thread(() -> {
            while (!ss.isClosed()) {
                try {
                    Socket s = ss.accept();
                    new Thread(() -> serve(s, respond)).start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return new InetSocketAddress("127.0.0.1", ss.getLocalPort());
    }

    private void serve(Socket s, Function<Request, Reply> respond) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            DataInputStream din = new DataInputStream(in);
            while (true) {
                int len = din.readInt();
                byte[] body = new byte[len];
                din.readFully(body);
                ClientFrame f = Codec.decodeClient(body);
                if (f instanceof ClientFrame.StatusRequestFrame q && statusQueries.incrementAndGet() >= statusAnsweredFrom) {
                    Frames.write(out, Codec.encodeStatus(new io.tempokv.wire.StatusInfo(q.tag(), 1, List.of(1), List.of())));
                    out.flush();
                }
                if (f instanceof ClientFrame.RequestFrame r) {
                    seen.add(r.request());
                    Reply reply = respond.apply(r.request());
                    if (reply != null) {
                        Frames.write(out, Codec.encodeReply(reply));
                        out.flush();
                    }
                }
            }
        } catch (Exception e) {
            // connection closed by the client
        }
    }

    private static ClientOptions quick() {
        return new ClientOptions(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofMillis(1500), 8);
    }

    /** A slow node that misses the first status query is asked again within the deadline (`tempokv status --timeout`). */
    @Test
    void statusIsAskedAgainUntilTheDeadline() throws Exception {
        statusAnsweredFrom = 3;
        InetSocketAddress a = fakeNode(r -> null);
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            assertEquals(1, c.status().get(5, TimeUnit.SECONDS).nodeId());
        }
        assertEquals(3, statusQueries.get(), "answered at the third attempt, 300 ms apart, within the 1.5 s deadline");
    }

    @Test
    void statusWithoutAnAnswerFailsAtTheDeadlineNamingIt() throws Exception {
        InetSocketAddress a = fakeNode(r -> null);
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            long t0 = System.nanoTime();
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.status().get(5, TimeUnit.SECONDS));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertInstanceOf(OutcomeUnknownException.class, e.getCause());
            assertTrue(e.getCause().getMessage().startsWith("no status answer within PT1.5S ("), e.getCause().getMessage());
            assertTrue(ms >= 1_400, "gave up after " + ms + " ms, before the deadline");
        }
        assertTrue(statusQueries.get() >= 4, statusQueries.get() + " status queries in 1.5 s at 300 ms apiece");
    }

    @Test
    void answersComeBackAsResults() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.ok(r.id(), List.of(new OpResult(true, "v"))));
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            assertEquals("v", c.get("k").get(5, TimeUnit.SECONDS).orElseThrow());
        }
    }

    @Test
    void noAnswerMeansOutcomeUnknownAfterTheDeadline() throws Exception {
        InetSocketAddress a = fakeNode(r -> null);
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(OutcomeUnknownException.class, e.getCause());
        }
        assertTrue(seen.size() >= 2, "the request was retried: " + seen.size());
        assertEquals(1, seen.stream().map(Request::id).distinct().count(), "every retry carries the same request id");
    }

    @Test
    void aSilentNodeIsFailedOverWithTheSameRequestId() throws Exception {
        InetSocketAddress silent = fakeNode(r -> null);
        InetSocketAddress good = fakeNode(r -> Reply.ok(r.id(), List.of(OpResult.OK)));
        try (TempoClient c = TempoClient.connect(List.of(silent, good), quick())) {
            c.put("k", "v").get(5, TimeUnit.SECONDS);
        }
        assertEquals(2, seen.size());
        assertEquals(seen.get(0).id(), seen.get(1).id());
    }

    @Test
    void aRejectionOnTheFirstAttemptIsDefinite() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.rejected(r.id(), "value too large"));
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(RequestRejectedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("value too large"));
        }
    }

    /** A node catching up after a restart answers UNAVAILABLE: the next node gets the same request at once. */
    @Test
    void anUnavailableNodeHandsTheRequestToTheNextWithoutMakingItAmbiguous() throws Exception {
        InetSocketAddress catchingUp = fakeNode(r -> Reply.unavailable(r.id(), "replica 1 of shard 0 is catching up"));
        InetSocketAddress rejecting = fakeNode(r -> Reply.rejected(r.id(), "value too large"));
        try (TempoClient c = TempoClient.connect(List.of(catchingUp, rejecting), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(RequestRejectedException.class, e.getCause(),
                    "the unavailable answer was no attempt, so the rejection that followed is definite");
        }
        assertEquals(2, seen.size());
        assertEquals(seen.get(0).id(), seen.get(1).id());
    }

    @Test
    void onlyUnavailableNodesMeanTheRequestWasNotApplied() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.unavailable(r.id(), "replica 1 of shard 0 is catching up"));
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(NoEndpointReachableException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("catching up"), e.getCause().getMessage());
        }
        assertTrue(seen.size() >= 2, "retried while unavailable: " + seen.size());
    }

    @Test
    void nobodyListeningMeansTheRequestWasNeverSent() throws Exception {
        ServerSocket ss = new ServerSocket(0);
        int port = ss.getLocalPort();
        ss.close();
        try (TempoClient c = TempoClient.connect(TempoClient.parseEndpoints("127.0.0.1:" + port), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(NoEndpointReachableException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("[127.0.0.1:" + port + "]"), "endpoints as written: " + e.getCause().getMessage());
        }
    }

    @Test
    void requestsBeyondTheLanesWaitAndAllComplete() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.ok(r.id(), List.of(OpResult.OK)));
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            List<java.util.concurrent.CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                fs.add(c.put("k" + i, "v"));
            }
            for (var f : fs) {
                f.get(10, TimeUnit.SECONDS);
            }
        }
        assertEquals(100, seen.stream().map(Request::id).distinct().count());
        assertTrue(seen.stream().map(r -> r.id().client()).distinct().count() <= 8, "only the 8 lanes were used");
    }

    @Test
    void pipelinedRequestsUseDistinctLanes() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.ok(r.id(), List.of(OpResult.OK)));
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            List<java.util.concurrent.CompletableFuture<Void>> fs = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                fs.add(c.put("k" + i, "v"));
            }
            for (var f : fs) {
                f.get(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(8, seen.stream().map(r -> r.id().client()).distinct().count());
        assertTrue(seen.stream().map(Request::id).allMatch(id -> id.seq() >= 1));
        ClientRequestId any = seen.get(0).id();
        assertTrue(any.client() > 0);
    }

    /** D12: EXPIRED ends the request at once: rejected when sent once, unknown after a retry. */
    @Test
    void anExpiredAnswerIsDefiniteOnlyForARequestSentOnce() throws Exception {
        InetSocketAddress expiring = fakeNode(r -> Reply.expired(r.id()));
        try (TempoClient c = TempoClient.connect(List.of(expiring), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(RequestRejectedException.class, e.getCause());
            assertTrue(e.getCause().getMessage().startsWith("session expired"), e.getCause().getMessage());
        }
        assertEquals(1, seen.size(), "an expired request is not sent again");
        seen.clear();
        InetSocketAddress silent = fakeNode(r -> null);
        try (TempoClient c = TempoClient.connect(List.of(silent, expiring), quick())) {
            ExecutionException e = assertThrows(ExecutionException.class, () -> c.put("k", "v").get(5, TimeUnit.SECONDS));
            assertInstanceOf(OutcomeUnknownException.class, e.getCause(), "the silent node may have applied the first attempt");
        }
        assertEquals(2, seen.size());
    }

    /**
     * Sequence numbers follow the wall clock (D12: a bucket drops the lowest first), and a client
     * with one request at a time keeps using the same lane, so it leaves one session per bucket.
     */
    @Test
    void oneRequestAtATimeUsesOneLaneWithClockSequenceNumbers() throws Exception {
        InetSocketAddress a = fakeNode(r -> Reply.ok(r.id(), List.of(OpResult.OK)));
        long before = System.currentTimeMillis() * 1000;
        try (TempoClient c = TempoClient.connect(List.of(a), quick())) {
            for (int i = 0; i < 20; i++) {
                c.put("k" + i, "v").get(5, TimeUnit.SECONDS);
            }
        }
        assertEquals(1, seen.stream().map(r -> r.id().client()).distinct().count());
        for (int i = 0; i < seen.size(); i++) {
            assertTrue(seen.get(i).id().seq() >= before, "sequence number " + seen.get(i).id().seq() + " is below the clock " + before);
            if (i > 0) {
                assertTrue(seen.get(i).id().seq() > seen.get(i - 1).id().seq());
            }
        }
    }
}
