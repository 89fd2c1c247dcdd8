package io.tempokv.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.BindException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpEndpointTest {
    private static final Health READY = Health.of(1, java.util.Map.of(2, true, 3, true), List.of(new ShardHealth(0, 3, 2), new ShardHealth(1, 2, 2)));
    private static final Health NOT_READY = Health.of(1, java.util.Map.of(2, false, 3, false), List.of(new ShardHealth(0, 1, 2)));

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final AtomicReference<Health> health = new AtomicReference<>(READY);
    private final AtomicReference<String> metrics = new AtomicReference<>("tempokv_up 1\n");
    private HttpEndpoint endpoint;

    @BeforeEach
    void start() throws IOException {
        endpoint = HttpEndpoint.start("127.0.0.1", 0, health::get, metrics::get);
    }

    @AfterEach
    void stop() {
        endpoint.close();
    }

    private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + endpoint.port() + path))
                .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build();
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void readyHealthIs200WithJson() throws Exception {
        assertTrue(endpoint.port() > 0);
        HttpResponse<String> r = send("GET", "/health");
        assertEquals(200, r.statusCode());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("{\"ready\":true,\"node\":1,\"peers\":[{\"node\":2,\"reachable\":true},{\"node\":3,\"reachable\":true}],\"shards\":[{\"shard\":0,\"reachable\":3,\"needed\":2},"
                + "{\"shard\":1,\"reachable\":2,\"needed\":2}]}", r.body());
    }

    @Test
    void notReadyHealthIs503NamingWhatIsMissing() throws Exception {
        health.set(NOT_READY);
        HttpResponse<String> r = send("GET", "/health?verbose=1");
        assertEquals(503, r.statusCode());
        assertEquals("{\"ready\":false,\"node\":1,\"peers\":[{\"node\":2,\"reachable\":false},{\"node\":3,\"reachable\":false}],\"shards\":[{\"shard\":0,\"reachable\":1,\"needed\":2}]}", r.body());
        health.set(READY);
        assertEquals(200, send("GET", "/health").statusCode(), "asks the supplier on every request");
    }

    @Test
    void metricsArePrometheusText() throws Exception {
        HttpResponse<String> r = send("GET", "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("tempokv_up 1\n", r.body());
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        assertEquals(404, send("GET", "/").statusCode());
        assertEquals(404, send("GET", "/health/").statusCode());
        assertEquals(404, send("POST", "/nope").statusCode());
        HttpResponse<String> r = send("POST", "/health");
        assertEquals(405, r.statusCode());
        assertEquals("GET", r.headers().firstValue("Allow").orElseThrow());
        assertEquals(405, send("DELETE", "/metrics").statusCode());
    }

    @Test
    void aFailingSupplierIs500AndTheEndpointKeepsServing() throws Exception {
        try (HttpEndpoint broken = HttpEndpoint.start("127.0.0.1", 0, () -> {
            throw new IllegalStateException("shard 0 is closed");
        }, metrics::get)) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broken.port() + "/health"))
                    .timeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode());
            assertTrue(r.body().contains("shard 0 is closed"), r.body());
        }
        assertEquals(200, send("GET", "/health").statusCode());
    }

    @Test
    void aTakenPortIsNamedAndCloseFreesIt() throws Exception {
        int port = endpoint.port();
        BindException e = assertThrows(BindException.class,
                () -> HttpEndpoint.start("127.0.0.1", port, health::get, metrics::get));
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        endpoint.close();
        assertThrows(IOException.class, () -> send("GET", "/health"));
        endpoint = HttpEndpoint.start("127.0.0.1", port, health::get, metrics::get);
        assertEquals(200, send("GET", "/health").statusCode());
    }
}
