package io.tempokv.server.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The node's HTTP port, for operators and monitoring:
 * <ul>
 *   <li>{@code GET /health}: 200 with {@link Health#toJson()} when ready, else 503 with the same body,
 *       which names the shards that cannot reach enough replicas.</li>
 *   <li>{@code GET /metrics}: 200, Prometheus text format 0.0.4.</li>
 *   <li>Any other path: 404; another method on those paths: 405.</li>
 * </ul>
 * Runs on the JDK's built-in server with two daemon threads and a short queue: it serves a scraper and
 * a load balancer's probe, and must never compete with the shards for threads or memory.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final String TEXT = "text/plain; charset=utf-8";
    static final String METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final int THREADS = 2;
    private static final int QUEUE_MAX = 16;
    private static final int BACKLOG = 16;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;

    private HttpEndpoint(HttpServer server, ThreadPoolExecutor executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds host:port (port 0 picks a free port, see {@link #port()}) and starts serving.
     *
     * @param health      called per {@code /health} request; should be cheap and not block
     * @param metricsText called per {@code /metrics} request
     * @throws IOException when the address cannot be resolved or bound; the message names it
     */
    public static HttpEndpoint start(String host, int port, Supplier<Health> health, Supplier<String> metricsText)
            throws IOException {
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new IOException("cannot resolve the HTTP listen address " + host + "; check listen in the config");
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, BACKLOG);
        } catch (BindException e) {
            BindException named = new BindException("cannot bind the HTTP port " + host + ":" + port + " ("
                    + e.getMessage() + "); is another process using it? change ports.http in the config");
            named.initCause(e);
            throw named;
        }
        // When threads and queue are full, the server's own dispatcher thread runs the request: that
        // slows accepting new connections (backpressure) instead of failing requests or growing a queue.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE_MAX), daemonThreads(), new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, health, metricsText));
        server.start();
        return new HttpEndpoint(server, executor);
    }

    /** The bound port; the real one when started with port 0. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once: health and metrics requests in flight are not worth waiting for at shutdown. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void handle(HttpExchange exchange, Supplier<Health> health, Supplier<String> metricsText)
            throws IOException {
        try {
            String path = exchange.getRequestURI().getPath();
            if (!path.equals("/health") && !path.equals("/metrics")) {
                send(exchange, 404, TEXT, "not found: " + path + "; try /health or /metrics\n");
            } else if (!exchange.getRequestMethod().equals("GET")) {
                exchange.getResponseHeaders().set("Allow", "GET");
                send(exchange, 405, TEXT, exchange.getRequestMethod() + " not allowed; use GET\n");
            } else if (path.equals("/health")) {
                Health h = health.get();
                send(exchange, h.ready() ? 200 : 503, "application/json", h.toJson());
            } else {
                send(exchange, 200, METRICS_CONTENT_TYPE, metricsText.get());
            }
        } catch (RuntimeException e) {
            // A failing supplier is a bug in the node, but the endpoint must answer rather than hang the probe.
            send(exchange, 500, TEXT, "internal error: " + e + "\n");
        } finally {
            exchange.close();
        }
    }

    private static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        // Length -1 means "no body"; 0 would mean chunked.
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "tempokv-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
