package io.tempokv.server.cli;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.tempokv.verify.cluster.LocalCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The other side of {@code tempokv bench}'s comparison: an etcd cluster driven through jetcd with
 * the same closed loop as tempokv. Every jetcd reference lives in this class, so the packages,
 * which leave the optional jetcd out, fail only when the etcd target is asked for (see
 * {@link #available()}).
 */
final class EtcdBench {
    private EtcdBench() {
    }

    /** Whether jetcd is on the class path (a build of the repository: yes; the .deb and the tarball: no). */
    static boolean available() {
        try {
            Class.forName("io.etcd.jetcd.Client", false, EtcdBench.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * One bench client's connection: its own jetcd client that sticks to one member (the list is
     * rotated per client, as tempokv's clients are, and pick_first keeps the first that answers).
     * Gets are linearizable (jetcd's default; a serializable get would read one member's state).
     */
    static BenchCommand.Target target(List<URI> endpoints, int id, long timeoutMillis) {
        List<URI> eps = new ArrayList<>(endpoints);
        Collections.rotate(eps, -id);
        Client client = Client.builder().endpoints(eps.toArray(URI[]::new)).loadBalancerPolicy("pick_first").build();
        KV kv = client.getKVClient();
        return new BenchCommand.Target() {
            @Override
            public void put(String key, String value) throws Exception {
                kv.put(bytes(key), bytes(value)).get(timeoutMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public void get(String key) throws Exception {
                kv.get(bytes(key)).get(timeoutMillis, TimeUnit.MILLISECONDS);
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    private static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Client URLs from "http://host:port,..." (a bare host:port gets http://); a bad one names the option. */
    static List<URI> parseEndpoints(String list) {
        List<URI> out = new ArrayList<>();
        for (String raw : list.split(",")) {
            String s = raw.strip();
            if (s.isEmpty()) {
                continue;
            }
            URI u = URI.create(s.contains("://") ? s : "http://" + s);
            if (u.getHost() == null || u.getPort() < 1) {
                throw new IllegalArgumentException("--etcd-endpoints: expected http://HOST:PORT,..., got '" + raw + "'");
            }
            out.add(u);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--etcd-endpoints: no endpoint given");
        }
        return out;
    }

    /**
     * A durable etcd cluster of n members on loopback, each its own process with its data directory
     * under base (etcd fsyncs its log before it answers, as tempokv does), stopped by {@link #close}
     * through the process handles it started.
     */
    static final class Cluster implements AutoCloseable {
        private final List<Process> processes = new ArrayList<>();
        final List<URI> clientUrls = new ArrayList<>();

        static Cluster start(String etcdBin, Path base, int n) throws IOException, InterruptedException {
            Cluster c = new Cluster();
            try {
                c.launch(etcdBin, base, n);
                c.awaitHealthy(Duration.ofSeconds(60));
                return c;
            } catch (IOException | InterruptedException | RuntimeException e) {
                c.close();
                throw e;
            }
        }

        private void launch(String etcdBin, Path base, int n) throws IOException {
            int[] ports = LocalCluster.freePorts(2 * n);
            StringBuilder initial = new StringBuilder();
            for (int i = 0; i < n; i++) {
                initial.append(i == 0 ? "" : ",").append("e").append(i + 1).append("=http://127.0.0.1:").append(ports[2 * i + 1]);
            }
            for (int i = 0; i < n; i++) {
                String name = "e" + (i + 1);
                String client = "http://127.0.0.1:" + ports[2 * i];
                String peer = "http://127.0.0.1:" + ports[2 * i + 1];
                Path dir = base.resolve(name);
                Files.createDirectories(dir);
                ProcessBuilder pb = new ProcessBuilder(etcdBin, "--name", name, "--data-dir", dir.resolve("data").toString(),
                        "--listen-client-urls", client, "--advertise-client-urls", client,
                        "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                        "--initial-cluster", initial.toString(), "--initial-cluster-state", "new",
                        "--initial-cluster-token", "tempokv-bench", "--log-level", "warn")
                        .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile());
                try {
                    processes.add(pb.start());
                } catch (IOException e) {
                    throw new IOException("cannot run '" + etcdBin + "' (" + e.getMessage() + "): install Debian's etcd-server"
                            + " (apt-get install etcd-server) or name the binary with --etcd-bin", e);
                }
                clientUrls.add(URI.create(client));
            }
        }

        /** The members' process handles (for their CPU time). */
        List<ProcessHandle> processes() {
            return processes.stream().map(Process::toHandle).toList();
        }

        /** Every member answers /health with "true" (a leader is elected and it serves). */
        private void awaitHealthy(Duration limit) throws IOException, InterruptedException {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
            long deadline = System.nanoTime() + limit.toNanos();
            for (URI u : clientUrls) {
                while (true) {
                    for (Process p : processes) {
                        if (!p.isAlive()) {
                            throw new IOException("an etcd member exited at start-up (exit " + p.exitValue() + "); see its etcd.log");
                        }
                    }
                    try {
                        String body = http.send(HttpRequest.newBuilder(u.resolve("/health")).timeout(Duration.ofSeconds(2)).build(),
                                HttpResponse.BodyHandlers.ofString()).body();
                        if (body.contains("\"health\":\"true\"")) {
                            break;
                        }
                    } catch (IOException e) {
                        // not listening yet
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("etcd at " + u + " not healthy within " + limit.toSeconds() + " s");
                    }
                    Thread.sleep(100);
                }
            }
        }

        @Override
        public void close() {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
    }
}
