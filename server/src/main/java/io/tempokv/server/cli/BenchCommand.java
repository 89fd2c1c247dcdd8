package io.tempokv.server.cli;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.verify.ProtocolCounters;
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
import java.util.function.IntFunction;
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
    /** Shards per node of a cluster the bench starts itself (--local, --compare): one, as its nodes share this host's cores. */
    private static final int LOCAL_SHARDS = 1;

    @Override
    public String summary() {
        return "closed-loop load generator: throughput, p50/p99 latency; --local N starts a cluster; --sample for soaks; --compare etcd";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = KvCommand.clientOptions();
        o.addOption(Option.builder().longOpt("local").hasArg().argName("N").desc("start a local cluster of N nodes first").build());
        o.addOption(Option.builder().longOpt("rate").hasArg().argName("OPS")
                .desc("offered load in operations per second over all clients, each client pacing its own share"
                        + " (default 0: unlimited, each client sends its next request as soon as the last is answered);"
                        + " with it the servers' CPU per operation is measured below saturation").build());
        o.addOption(Option.builder().longOpt("shards").hasArg().argName("S")
                .desc("shards per node of the local tempokv cluster (--local, --compare; default " + LOCAL_SHARDS
                        + ": its nodes share this host's cores, and on 2 cores one shard per node used less CPU per operation"
                        + " than two, docs/results.md)").build());
        o.addOption(Option.builder().longOpt("clients").hasArg().argName("C").desc("concurrent clients (default 64)").build());
        o.addOption(Option.builder().longOpt("time-limit").hasArg().argName("S").desc("seconds (default 30)").build());
        o.addOption(Option.builder().longOpt("keys").hasArg().argName("K").desc("key space (default 10000)").build());
        o.addOption(Option.builder().longOpt("sample").hasArg().argName("S").desc("sample node heap and disk every S seconds").build());
        o.addOption(Option.builder().longOpt("workload").hasArg().argName("W")
                .desc("put, get (linearizable) or mixed (half each; default)").build());
        o.addOption(Option.builder().longOpt("value-bytes").hasArg().argName("B").desc("size of each value written (default 256)").build());
        o.addOption(Option.builder().longOpt("warmup").hasArg().argName("S").desc("seconds of load first, not counted (default 5; 0: none)").build());
        o.addOption(Option.builder().longOpt("target").hasArg().argName("T")
                .desc("tempokv (default) or etcd (through jetcd; with --local N it starts an etcd cluster, else --etcd-endpoints)").build());
        o.addOption(Option.builder().longOpt("etcd-endpoints").hasArg().argName("URL,...")
                .desc("etcd client URLs for --target etcd (default http://127.0.0.1:2379)").build());
        o.addOption(Option.builder().longOpt("etcd-bin").hasArg().argName("PATH").desc("the etcd binary to start (default etcd)").build());
        o.addOption(Option.builder().longOpt("compare").hasArg().argName("etcd")
                .desc("start a local tempokv and a local etcd cluster of --local N nodes (default 3) and run each workload"
                        + " against both, alternating, --rounds times; prints one table with the ratios and the load average").build());
        o.addOption(Option.builder().longOpt("workloads").hasArg().argName("W,...").desc("--compare: workloads to run (default put,mixed,get)").build());
        o.addOption(Option.builder().longOpt("rounds").hasArg().argName("R").desc("--compare: rounds of tempokv then etcd per workload (default 2); --local: counted runs one after the other on the same"
                        + " cluster, each after its own warm-up, so later ones see warm JVMs (default 1)").build());
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv bench [--local N | --endpoints ...] [options]", summary(), o, "");
                return Main.EXIT_OK;
            }
            Load load = new Load(number(cl, "clients", 64, 1), number(cl, "time-limit", 30, 1), number(cl, "keys", 10_000, 1),
                    number(cl, "sample", 0, 0), workload(cl.getOptionValue("workload", "mixed")),
                    number(cl, "value-bytes", 256, 1), number(cl, "warmup", 5, 0), number(cl, "rate", 0, 0));
            String etcdBin = cl.getOptionValue("etcd-bin", "etcd");
            if (cl.hasOption("compare")) {
                if (!cl.getOptionValue("compare").strip().equals("etcd")) {
                    throw new ParseException("--compare: only etcd can be compared with, got '" + cl.getOptionValue("compare") + "'");
                }
                List<Workload> workloads = new ArrayList<>();
                for (String w : cl.getOptionValue("workloads", "put,mixed,get").split(",")) {
                    workloads.add(workload(w));
                }
                requireJetcd();
                return compare(number(cl, "local", 3, 1), number(cl, "shards", LOCAL_SHARDS, 1), workloads, number(cl, "rounds", 2, 1), load, etcdBin, out);
            }
            boolean etcd = switch (cl.getOptionValue("target", "tempokv").strip()) {
                case "tempokv" -> false;
                case "etcd" -> true;
                default -> throw new ParseException("--target: expected tempokv or etcd, got '" + cl.getOptionValue("target") + "'");
            };
            if (etcd) {
                requireJetcd();
                if (cl.hasOption("local")) {
                    Path base = Files.createTempDirectory("tempokv-bench-etcd-");
                    try (EtcdBench.Cluster c = EtcdBench.Cluster.start(etcdBin, base, number(cl, "local", 0, 1))) {
                        out.println("bench: local etcd cluster of " + c.clientUrls.size() + " members, data in " + base + " (removed at the end)");
                        print(bench("etcd", etcdTargets(c.clientUrls), List.of(), c.processes(), load, out), load, out);
                        return Main.EXIT_OK;
                    } finally {
                        DemoCommand.deleteTree(base);
                    }
                }
                List<java.net.URI> urls = EtcdBench.parseEndpoints(cl.getOptionValue("etcd-endpoints", "http://127.0.0.1:2379"));
                print(bench("etcd", etcdTargets(urls), List.of(), List.of(), load, out), load, out);
                return Main.EXIT_OK;
            }
            if (cl.hasOption("local")) {
                return local(number(cl, "local", 0, 1), number(cl, "shards", LOCAL_SHARDS, 1), number(cl, "rounds", 1, 1), load, out);
            }
            List<InetSocketAddress> eps = TempoClient.parseEndpoints(cl.getOptionValue("endpoints", KvCommand.DEFAULT_ENDPOINTS));
            print(bench("tempokv", tempokvTargets(eps), List.of(), List.of(), load, out), load, out);
            return Main.EXIT_OK;
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

    enum Workload {
        PUT, GET, MIXED;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** One bench client's connection to the system under test. */
    interface Target extends AutoCloseable {
        void put(String key, String value) throws Exception;

        void get(String key) throws Exception;

        @Override
        void close();
    }

    /**
     * What one counted run measured; for tempokv in a comparison also its protocol counters over
     * the run (warm-up included), in {@link ProtocolCounters#NAMES} order, else null.
     */
    record Result(String system, Workload workload, int clients, int seconds, long ok, long errors, double p50, double p99,
                  double p999, double max, double load1, long[] protocol, double serverCpuMillis) {
        double throughput() {
            return ok / (double) seconds;
        }

        /**
         * CPU time of the server processes (all nodes, user and system) during the counted period
         * per operation that completed in it, in milliseconds; NaN when the servers are not local
         * processes of this run or nothing completed. Less sensitive than throughput to what else
         * the machine runs: the work per operation, not the share of the cores obtained.
         */
        double cpuMillisPerOp() {
            return ok == 0 || Double.isNaN(serverCpuMillis) ? Double.NaN : serverCpuMillis / ok;
        }

        /** Fast paths over fast and slow paths, in percent; NaN without counters or commits. */
        double fastPercent() {
            return protocol == null || protocol[1] + protocol[2] == 0 ? Double.NaN : 100.0 * protocol[1] / (protocol[1] + protocol[2]);
        }

        /** Recoveries started per command coordinated; NaN without counters or commands. */
        double recoveriesPerCommand() {
            return protocol == null || protocol[0] == 0 ? Double.NaN : protocol[3] / (double) protocol[0];
        }

        Result withProtocol(long[] counters) {
            return new Result(system, workload, clients, seconds, ok, errors, p50, p99, p999, max, load1, counters, serverCpuMillis);
        }
    }

    /** The protocol counters of every node of the local cluster, summed. */
    private static long[] counters(LocalCluster c) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long[] sum = new long[ProtocolCounters.NAMES.size()];
        for (int id : c.nodeIds()) {
            try {
                String body = http.send(HttpRequest.newBuilder(c.httpUri(id).orElseThrow().resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                long[] v = ProtocolCounters.parse(body);
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += v[i];
                }
            } catch (IOException e) {
                throw new IllegalStateException("node " + id + "'s /metrics did not answer: " + e.getMessage(), e);
            }
        }
        return sum;
    }

    private static long[] minus(long[] a, long[] b) {
        long[] d = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    private static final long REQUEST_TIMEOUT_MILLIS = 10_000;

    private static IntFunction<Target> tempokvTargets(List<InetSocketAddress> endpoints) {
        return id -> {
            List<InetSocketAddress> eps = new ArrayList<>(endpoints);
            java.util.Collections.rotate(eps, -id);
            TempoClient c = TempoClient.connect(eps, new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2),
                    Duration.ofMillis(REQUEST_TIMEOUT_MILLIS), 2));
            return new Target() {
                @Override
                public void put(String key, String value) throws Exception {
                    c.put(key, value).get();
                }

                @Override
                public void get(String key) throws Exception {
                    c.get(key).get();
                }

                @Override
                public void close() {
                    c.close();
                }
            };
        };
    }

    private static IntFunction<Target> etcdTargets(List<java.net.URI> urls) {
        return id -> EtcdBench.target(urls, id, REQUEST_TIMEOUT_MILLIS);
    }

    private static void requireJetcd() throws ParseException {
        if (!EtcdBench.available()) {
            throw new ParseException("the etcd target needs jetcd, which the .deb and the tarball leave out;"
                    + " run it from a build of the repository (./tempokv bench --target etcd ...)");
        }
    }

    /** What one run does; see the options. */
    record Load(int clients, int seconds, int keys, int sample, Workload workload, int valueBytes, int warmup, int rate) {
        Load(int clients, int seconds, int keys, int sample, Workload workload, int valueBytes, int warmup) {
            this(clients, seconds, keys, sample, workload, valueBytes, warmup, 0);
        }

        /** The same load with another workload (and no sampling), for each run of a comparison. */
        Load with(Workload w) {
            return new Load(clients, seconds, keys, 0, w, valueBytes, warmup, rate);
        }
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

    private int local(int n, int shards, int rounds, Load load, PrintStream out) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("tempokv-bench-");
        try (LocalCluster c = LocalCluster.create(base, n, shards)) {
            Thread stopper = new Thread(() -> {
                c.close();
                DemoCommand.deleteTree(base);
            });
            Runtime.getRuntime().addShutdownHook(stopper);
            c.startAll();
            c.awaitReady();
            out.println("bench: local cluster of " + n + " nodes, " + shards + " shard(s) each (fsync on), data in " + base + " (removed at the end)");
            List<Integer> httpPorts = c.nodes().stream().map(x -> x.httpPort).toList();
            for (int r = 0; r < rounds; r++) {
                print(bench("tempokv", tempokvTargets(c.clientEndpoints()), httpPorts, c.processHandles(), load, out), load, out);
            }
            Runtime.getRuntime().removeShutdownHook(stopper);
            return Main.EXIT_OK;
        } finally {
            DemoCommand.deleteTree(base);
        }
    }

    /**
     * The side-by-side comparison: a durable local tempokv cluster and a durable local etcd
     * cluster of n nodes, both up for the whole run; for each workload, rounds of tempokv then
     * etcd with the same closed loop (each run its own warm-up), then one table.
     */
    private int compare(int n, int shards, List<Workload> workloads, int rounds, Load load, String etcdBin, PrintStream out)
            throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("tempokv-compare-");
        List<Result> results = new ArrayList<>();
        try (LocalCluster t = LocalCluster.create(base.resolve("tempokv"), n, shards);
             EtcdBench.Cluster e = EtcdBench.Cluster.start(etcdBin, base.resolve("etcd"), n)) {
            Thread stopper = new Thread(() -> {
                t.close();
                e.close();
                DemoCommand.deleteTree(base);
            });
            Runtime.getRuntime().addShutdownHook(stopper);
            t.startAll();
            t.awaitReady();
            out.printf("compare: %d-node tempokv (%d shard(s) each, fsync on) and %d-member etcd %s on loopback, data in %s (removed at the end)%n",
                    n, shards, n, etcdVersion(etcdBin), base);
            for (Workload w : workloads) {
                Load lw = load.with(w);
                for (int r = 0; r < rounds; r++) {
                    long[] before = counters(t);
                    Result tr = bench("tempokv", tempokvTargets(t.clientEndpoints()), List.of(), t.processHandles(), lw, out);
                    results.add(print(tr.withProtocol(minus(counters(t), before)), lw, out));
                    results.add(print(bench("etcd", etcdTargets(e.clientUrls), List.of(), e.processes(), lw, out), lw, out));
                }
            }
            Runtime.getRuntime().removeShutdownHook(stopper);
        } finally {
            DemoCommand.deleteTree(base);
        }
        out.print(table(results, n, load, rounds));
        return Main.EXIT_OK;
    }

    /** The comparison table: every run, then per workload the ratios tempokv/etcd of the rounds' medians. */
    static String table(List<Result> results, int n, Load load, int rounds) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%ncompare: %d nodes, %d clients%s, %d B values, %d keys, %d s counted after %d s warm-up per run, %d round(s),"
                        + " tempokv and etcd alternating%n", n, load.clients(), load.rate() > 0 ? " offering " + load.rate() + " ops/s" : "",
                load.valueBytes(), load.keys(), load.seconds(), load.warmup(), rounds));
        b.append(String.format("%-8s %-8s %9s %9s %9s %7s %6s %7s %8s %10s%n", "workload", "system", "ops/s", "p50 ms", "p99 ms", "errors", "load1",
                "fast%", "rec/cmd", "cpu ms/op"));
        for (Result r : results) {
            b.append(String.format("%-8s %-8s %9.0f %9.1f %9.1f %7d %6.2f %7s %8s %10s%n", r.workload().label(), r.system(), r.throughput(), r.p50(), r.p99(),
                    r.errors(), r.load1(), r.protocol() == null ? "-" : String.format("%.1f", r.fastPercent()),
                    r.protocol() == null ? "-" : String.format("%.4f", r.recoveriesPerCommand()),
                    Double.isNaN(r.cpuMillisPerOp()) ? "-" : String.format("%.3f", r.cpuMillisPerOp())));
        }
        b.append(String.format("%-8s %22s %9s %9s %9s%n", "workload", "tempokv/etcd: ops/s", "p50", "p99", "cpu/op"));
        for (Workload w : results.stream().map(Result::workload).distinct().toList()) {
            List<Result> t = results.stream().filter(r -> r.workload() == w && r.system().equals("tempokv")).toList();
            List<Result> e = results.stream().filter(r -> r.workload() == w && r.system().equals("etcd")).toList();
            b.append(String.format("%-8s %21.2fx %8.2fx %8.2fx %8.2fx%n", w.label(),
                    ratio(median(t, Result::throughput), median(e, Result::throughput)),
                    ratio(median(t, Result::p50), median(e, Result::p50)), ratio(median(t, Result::p99), median(e, Result::p99)),
                    ratio(median(t, Result::cpuMillisPerOp), median(e, Result::cpuMillisPerOp))));
        }
        return b.toString();
    }

    static double median(List<Result> rs, java.util.function.ToDoubleFunction<Result> f) {
        double[] v = rs.stream().mapToDouble(f).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? Double.NaN : a / b;
    }

    private static String etcdVersion(String etcdBin) {
        try {
            Process p = new ProcessBuilder(etcdBin, "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).lines().findFirst().orElse("");
            p.waitFor(10, TimeUnit.SECONDS);
            return "(" + first.strip() + ")";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    /** The one-minute load average of this machine (NaN where /proc/loadavg is missing). */
    static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * Runs the warm-up, then the counted period, each client in its own thread with its own
     * connection. Latencies go into one HdrHistogram {@link Recorder} (1 microsecond to 1 hour,
     * 3 significant digits); only requests that end inside the counted period are recorded.
     */
    private Result bench(String system, IntFunction<Target> targets, List<Integer> httpPorts, List<ProcessHandle> servers, Load load,
                         PrintStream out) throws InterruptedException {
        Recorder recorder = new Recorder(TimeUnit.HOURS.toMicros(1), 3);
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long counted = start + TimeUnit.SECONDS.toNanos(load.warmup());
        long end = counted + TimeUnit.SECONDS.toNanos(load.seconds());
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < load.clients(); i++) {
            int id = i;
            Thread t = new Thread(() -> loop(targets, id, load, counted, end, recorder, errors));
            t.start();
            threads.add(t);
        }
        sampleUntil(counted, load.sample(), httpPorts, out);
        long cpuBefore = cpuNanos(servers);
        sampleUntil(end, load.sample(), httpPorts, out);
        long cpuAfter = cpuNanos(servers);
        for (Thread t : threads) {
            t.join();
        }
        Histogram h = recorder.getIntervalHistogram();
        double cpuMillis = cpuBefore < 0 || cpuAfter < 0 ? Double.NaN : (cpuAfter - cpuBefore) / 1e6;
        return new Result(system, load.workload(), load.clients(), load.seconds(), h.getTotalCount(), errors.get(), ms(h, 50), ms(h, 99),
                ms(h, 99.9), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1e3, loadAverage(), null, cpuMillis);
    }

    /**
     * Total CPU time (user and system) the server processes used so far, in nanoseconds; -1 when
     * there are none or the system does not tell (then the run reports no CPU per operation).
     */
    static long cpuNanos(List<ProcessHandle> servers) {
        if (servers.isEmpty()) {
            return -1;
        }
        long sum = 0;
        for (ProcessHandle p : servers) {
            java.util.Optional<Duration> d = p.info().totalCpuDuration();
            if (d.isEmpty()) {
                return -1;
            }
            sum += d.get().toNanos();
        }
        return sum;
    }

    private static Result print(Result r, Load load, PrintStream out) {
        if (r.protocol() != null) {
            long[] p = r.protocol();
            out.printf("bench: tempokv protocol over the run: %d commands coordinated, %d fast and %d slow paths (%.1f%% fast),"
                    + " %d recoveries started (%.4f per command), %d degraded submits%n", p[0], p[1], p[2], r.fastPercent(), p[3],
                    r.recoveriesPerCommand(), p[5]);
        }
        out.printf("bench: clients=%d seconds=%d ok=%d errors=%d throughput=%.0f ops/s p50=%.1f ms p99=%.1f ms"
                        + " p999=%.1f ms max=%.1f ms workload=%s value-bytes=%d warmup=%ds%s target=%s load1=%.2f%s%n",
                r.clients(), r.seconds(), r.ok(), r.errors(), r.throughput(), r.p50(), r.p99(), r.p999(), r.max(),
                r.workload().label(), load.valueBytes(), load.warmup(), load.rate() > 0 ? " rate=" + load.rate() : "", r.system(), r.load1(),
                Double.isNaN(r.cpuMillisPerOp()) ? "" : String.format(" server-cpu=%.2f cores, %.3f ms per op",
                        r.serverCpuMillis() / 1000.0 / r.seconds(), r.cpuMillisPerOp()));
        return r;
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static void loop(IntFunction<Target> targets, int id, Load load, long counted, long end, Recorder recorder,
                             AtomicLong errors) {
        SplittableRandom rng = new SplittableRandom(id);
        char[] pad = new char[load.valueBytes()];
        java.util.Arrays.fill(pad, 'x');
        Target opened;
        try {
            opened = targets.apply(id);
        } catch (RuntimeException e) {
            errors.incrementAndGet();
            System.err.println("bench: client " + id + " could not connect: " + e);
            return;
        }
        // With --rate, this client's share: one request every `period` ns, from a start spread over the
        // first period; a client that falls behind goes on from now rather than sending a burst.
        long period = load.rate() > 0 ? Math.max(1, (long) (1e9 * load.clients() / load.rate())) : 0;
        long next = System.nanoTime() + (period > 0 ? rng.nextLong(period) : 0);
        try (Target c = opened) {
            while (System.nanoTime() < end) {
                if (period > 0) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        try {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                    next = Math.max(next + period, System.nanoTime());
                    if (System.nanoTime() >= end) {
                        break;
                    }
                }
                String key = "key" + rng.nextInt(load.keys());
                boolean read = load.workload() == Workload.GET || (load.workload() == Workload.MIXED && rng.nextBoolean());
                long t0 = System.nanoTime();
                try {
                    if (read) {
                        c.get(key);
                    } else {
                        c.put(key, value(pad, t0));
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
