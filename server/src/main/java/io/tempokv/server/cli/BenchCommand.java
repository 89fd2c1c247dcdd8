package io.tempokv.server.cli;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.verify.cluster.LocalCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv bench}: closed-loop load (each client one request at a time, 50% reads, 50%
 * writes over a key space) against given endpoints or a local cluster it starts itself. Prints
 * throughput and p50/p99 latency; with --sample, every interval also each node's heap and data
 * directory size from /metrics (the soak measurement).
 */
final class BenchCommand implements Main.Command {
    @Override
    public String summary() {
        return "closed-loop load generator: throughput, p50/p99 latency; --local N starts a cluster; --sample for soaks";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = KvCommand.clientOptions();
        o.addOption(Option.builder().longOpt("local").hasArg().argName("N").desc("start a local cluster of N nodes first").build());
        o.addOption(Option.builder().longOpt("clients").hasArg().argName("C").desc("concurrent clients (default 64)").build());
        o.addOption(Option.builder().longOpt("time-limit").hasArg().argName("S").desc("seconds (default 30)").build());
        o.addOption(Option.builder().longOpt("keys").hasArg().argName("K").desc("key space (default 10000)").build());
        o.addOption(Option.builder().longOpt("sample").hasArg().argName("S").desc("sample node heap and disk every S seconds").build());
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv bench [--local N | --endpoints ...] [options]", summary(), o, "");
                return Main.EXIT_OK;
            }
            int clients = Integer.parseInt(cl.getOptionValue("clients", "64"));
            int seconds = Integer.parseInt(cl.getOptionValue("time-limit", "30"));
            int keys = Integer.parseInt(cl.getOptionValue("keys", "10000"));
            int sample = Integer.parseInt(cl.getOptionValue("sample", "0"));
            if (clients < 1 || seconds < 1 || keys < 1 || sample < 0) {
                throw new ParseException("--clients, --time-limit and --keys must be positive");
            }
            if (cl.hasOption("local")) {
                return local(Integer.parseInt(cl.getOptionValue("local")), clients, seconds, keys, sample, out);
            }
            return bench(TempoClient.parseEndpoints(cl.getOptionValue("endpoints", KvCommand.DEFAULT_ENDPOINTS)), List.of(),
                    clients, seconds, keys, sample, out);
        } catch (ParseException | IllegalArgumentException e) {
            err.println("tempokv bench: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("tempokv bench: " + e.getMessage());
            return Main.EXIT_START;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_UNKNOWN;
        }
    }

    private int local(int n, int clients, int seconds, int keys, int sample, PrintStream out) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("tempokv-bench-");
        try (LocalCluster c = LocalCluster.create(base, n)) {
            Thread stopper = new Thread(c::close);
            Runtime.getRuntime().addShutdownHook(stopper);
            c.startAll();
            c.awaitReady();
            out.println("bench: local cluster of " + n + " nodes (fsync on), data in " + base);
            List<Integer> httpPorts = c.nodes().stream().map(x -> x.httpPort).toList();
            int rc = bench(c.clientEndpoints(), httpPorts, clients, seconds, keys, sample, out);
            Runtime.getRuntime().removeShutdownHook(stopper);
            return rc;
        }
    }

    private int bench(List<InetSocketAddress> endpoints, List<Integer> httpPorts, int clients, int seconds, int keys, int sample,
                      PrintStream out) throws InterruptedException {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int id = i;
            Thread t = new Thread(() -> loop(endpoints, id, keys, end, latencies, errors));
            t.start();
            threads.add(t);
        }
        sampleUntil(end, sample, httpPorts, out);
        for (Thread t : threads) {
            t.join();
        }
        List<Long> s = new ArrayList<>(latencies);
        s.sort(null);
        double p50 = s.isEmpty() ? 0 : s.get(s.size() / 2) / 1e6;
        double p99 = s.isEmpty() ? 0 : s.get(Math.min(s.size() - 1, (int) (s.size() * 0.99))) / 1e6;
        out.printf("bench: clients=%d seconds=%d ok=%d errors=%d throughput=%.0f ops/s p50=%.1f ms p99=%.1f ms%n",
                clients, seconds, s.size(), errors.get(), s.size() / (double) seconds, p50, p99);
        return Main.EXIT_OK;
    }

    private static void loop(List<InetSocketAddress> endpoints, int id, int keys, long end, ConcurrentLinkedQueue<Long> latencies,
                             AtomicLong errors) {
        List<InetSocketAddress> eps = new ArrayList<>(endpoints);
        java.util.Collections.rotate(eps, -id);
        SplittableRandom rng = new SplittableRandom(id);
        try (TempoClient c = TempoClient.connect(eps, new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), 2))) {
            while (System.nanoTime() < end) {
                String key = "key" + rng.nextInt(keys);
                long t0 = System.nanoTime();
                try {
                    if (rng.nextBoolean()) {
                        c.get(key).get();
                    } else {
                        c.put(key, Long.toString(t0)).get();
                    }
                    latencies.add(System.nanoTime() - t0);
                } catch (Exception e) {
                    errors.incrementAndGet();
                }
            }
        }
    }

    /** The soak's measurements: per node, heap in use and data directory size, from /metrics. */
    private static void sampleUntil(long end, int sample, List<Integer> httpPorts, PrintStream out) throws InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        long start = System.nanoTime();
        while (System.nanoTime() < end) {
            long wait = sample > 0 ? Math.min(sample * 1000L, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) : 200;
            Thread.sleep(Math.max(1, wait));
            if (sample == 0 || httpPorts.isEmpty()) {
                continue;
            }
            StringBuilder line = new StringBuilder(String.format("sample t=%ds", (System.nanoTime() - start) / 1_000_000_000L));
            for (int port : httpPorts) {
                line.append(" | ").append(port).append(": heap=").append(metric(http, port, "tempokv_jvm_heap_used_bytes") / (1 << 20))
                        .append("MiB data=").append(metric(http, port, "tempokv_data_dir_bytes") / (1 << 20)).append("MiB");
            }
            out.println(line);
        }
    }

    private static long metric(HttpClient http, int port, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ")) {
                    return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
        } catch (IOException | InterruptedException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
