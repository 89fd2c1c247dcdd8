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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * {@code tempokv bench}: closed-loop load (each client one request at a time) against given
 * endpoints or a local cluster it starts itself: puts, linearizable gets, or half of each, over a key
 * space, with values of a given size. A warm-up runs first and is not counted; then it prints
 * throughput and latency percentiles (recorded in an HdrHistogram, so memory does not grow with the
 * run); with --sample, every interval also each node's heap and data directory size from /metrics
 * (the soak measurement).
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
        o.addOption(Option.builder().longOpt("workload").hasArg().argName("W")
                .desc("put, get (linearizable) or mixed (half each; default)").build());
        o.addOption(Option.builder().longOpt("value-bytes").hasArg().argName("B").desc("size of each value written (default 256)").build());
        o.addOption(Option.builder().longOpt("warmup").hasArg().argName("S").desc("seconds of load first, not counted (default 5; 0: none)").build());
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv bench [--local N | --endpoints ...] [options]", summary(), o, "");
                return Main.EXIT_OK;
            }
            Load load = new Load(number(cl, "clients", 64, 1), number(cl, "time-limit", 30, 1), number(cl, "keys", 10_000, 1),
                    number(cl, "sample", 0, 0), workload(cl.getOptionValue("workload", "mixed")),
                    number(cl, "value-bytes", 256, 1), number(cl, "warmup", 5, 0));
            if (cl.hasOption("local")) {
                return local(number(cl, "local", 0, 1), load, out);
            }
            return bench(TempoClient.parseEndpoints(cl.getOptionValue("endpoints", KvCommand.DEFAULT_ENDPOINTS)), List.of(), load, out);
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

    enum Workload { PUT, GET, MIXED }

    /** What one run does; see the options. */
    record Load(int clients, int seconds, int keys, int sample, Workload workload, int valueBytes, int warmup) {
    }

    /** The option's whole-number value, at least min, or its default; a bad one names the option. */
    static int number(CommandLine cl, String option, int dflt, int min) throws ParseException {
        String raw = cl.getOptionValue(option);
        if (raw == null) {
            return dflt;
        }
        int v;
        try {
            v = Integer.parseInt(raw.strip());
        } catch (NumberFormatException e) {
            throw new ParseException("--" + option + ": expected a whole number, got '" + raw + "'");
        }
        if (v < min) {
            throw new ParseException("--" + option + ": must be at least " + min + ", got " + v);
        }
        return v;
    }

    static Workload workload(String raw) throws ParseException {
        return switch (raw.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "put" -> Workload.PUT;
            case "get" -> Workload.GET;
            case "mixed" -> Workload.MIXED;
            default -> throw new ParseException("--workload: expected put, get or mixed, got '" + raw + "'");
        };
    }

    private int local(int n, Load load, PrintStream out) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("tempokv-bench-");
        try (LocalCluster c = LocalCluster.create(base, n)) {
            Thread stopper = new Thread(c::close);
            Runtime.getRuntime().addShutdownHook(stopper);
            c.startAll();
            c.awaitReady();
            out.println("bench: local cluster of " + n + " nodes (fsync on), data in " + base);
            List<Integer> httpPorts = c.nodes().stream().map(x -> x.httpPort).toList();
            int rc = bench(c.clientEndpoints(), httpPorts, load, out);
            Runtime.getRuntime().removeShutdownHook(stopper);
            return rc;
        }
    }

    /**
     * Runs the warm-up, then the counted period, each client in its own thread with its own
     * connection. Latencies go into one HdrHistogram {@link Recorder} (1 microsecond to 1 hour,
     * 3 significant digits); only requests that end inside the counted period are recorded.
     */
    private int bench(List<InetSocketAddress> endpoints, List<Integer> httpPorts, Load load, PrintStream out) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.HOURS.toMicros(1), 3);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long counted = start + TimeUnit.SECONDS.toNanos(load.warmup());
        long end = counted + TimeUnit.SECONDS.toNanos(load.seconds());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < load.clients(); i++) {
            int id = i;
            Thread t = new Thread(() -> loop(endpoints, id, load, counted, end, recorder, errors));
            t.start();
            threads.add(t);
        }
        sampleUntil(end, load.sample(), httpPorts, out);
        for (Thread t : threads) {
            t.join();
        }
        Histogram h = recorder.getIntervalHistogram();
        out.printf("bench: clients=%d seconds=%d ok=%d errors=%d throughput=%.0f ops/s p50=%.1f ms p99=%.1f ms"
                        + " p999=%.1f ms max=%.1f ms workload=%s value-bytes=%d warmup=%ds%n",
                load.clients(), load.seconds(), h.getTotalCount(), errors.get(), h.getTotalCount() / (double) load.seconds(),
                ms(h, 50), ms(h, 99), ms(h, 99.9), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3,
                load.workload().name().toLowerCase(java.util.Locale.ROOT), load.valueBytes(), load.warmup());
        return Main.EXIT_OK;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static void loop(List<InetSocketAddress> endpoints, int id, Load load, long counted, long end, Recorder recorder,
                             AtomicLong errors) {
        List<InetSocketAddress> eps = new ArrayList<>(endpoints);
        java.util.Collections.rotate(eps, -id);
        SplittableRandom rng = new SplittableRandom(id);
        char[] pad = new char[load.valueBytes()];
        java.util.Arrays.fill(pad, 'x');
        try (TempoClient c = TempoClient.connect(eps, new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10), 2))) {
            while (System.nanoTime() < end) {
                String key = "key" + rng.nextInt(load.keys());
                boolean read = load.workload() == Workload.GET || (load.workload() == Workload.MIXED && rng.nextBoolean());
                long t0 = System.nanoTime();
                try {
                    if (read) {
                        c.get(key).get();
                    } else {
                        c.put(key, value(pad, t0)).get();
                    }
                    long t1 = System.nanoTime();
                    if (t1 >= counted && t1 < end) {
                        recorder.recordValue(Math.max(1, (t1 - t0) / 1_000));
                    }
                } catch (Exception e) {
                    if (System.nanoTime() >= counted) {
                        errors.incrementAndGet();
                    }
                }
            }
        }
    }

    /** A value of exactly pad.length ASCII bytes that starts with the time it was written (so writes differ). */
    static String value(char[] pad, long stamp) {
        String s = Long.toString(stamp);
        if (s.length() >= pad.length) {
            return s.substring(0, pad.length);
        }
        char[] v = pad.clone();
        s.getChars(0, s.length(), v, 0);
        return new String(v);
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
