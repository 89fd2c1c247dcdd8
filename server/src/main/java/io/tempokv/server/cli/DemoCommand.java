package io.tempokv.server.cli;

import io.tempokv.check.Budget;
import io.tempokv.check.CasRegister;
import io.tempokv.check.HistoryIO;
import io.tempokv.check.IndependentChecker;
import io.tempokv.check.Op;
import io.tempokv.check.Report;
import io.tempokv.check.Verdict;
import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import io.tempokv.verify.cluster.Generator;
import io.tempokv.verify.cluster.History;
import io.tempokv.verify.cluster.LocalCluster;
import io.tempokv.verify.cluster.RegisterWorkload;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv demo}: starts a local cluster of separate node processes on loopback (data in a
 * temporary directory), runs a concurrent register workload while one node is killed with SIGKILL
 * and restarted, checks the history for linearizability, prints the verdict, throughput and
 * latency, and stops every process it started (also on Ctrl-C).
 */
final class DemoCommand implements Main.Command {
    private static final int CLIENTS = 8;
    /** Two clients share a key; a key gets 200 operations before its clients move on, as in Jepsen. */
    private static final int CLIENTS_PER_KEY = 2;
    private static final int OPS_PER_KEY = 200;

    @Override
    public String summary() {
        return "local cluster on loopback + checked workload with a node killed and restarted; prints the verdict";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("nodes").hasArg().argName("3|5").desc("nodes (default 3)").build());
        o.addOption(Option.builder().longOpt("time-limit").hasArg().argName("SECONDS").desc("workload duration (default 20)").build());
        o.addOption(Option.builder().longOpt("keep").desc("keep the temporary directory (configs, data, logs, history.edn)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        int nodes;
        int seconds;
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv demo [--nodes 3|5] [--time-limit S]", summary(), o, "Exit codes: 0 linearizable, 1 not linearizable, 2 unknown, 69 the cluster did not start.");
                return Main.EXIT_OK;
            }
            nodes = Integer.parseInt(cl.getOptionValue("nodes", "3"));
            seconds = Integer.parseInt(cl.getOptionValue("time-limit", "20"));
            if (nodes != 3 && nodes != 5) {
                throw new ParseException("--nodes must be 3 or 5, got " + nodes);
            }
            if (seconds < 3) {
                throw new ParseException("--time-limit must be at least 3 seconds");
            }
        } catch (ParseException | NumberFormatException e) {
            err.println("tempokv demo: " + e.getMessage() + " (see tempokv demo --help)");
            return Main.EXIT_USAGE;
        }
        try {
            return demo(nodes, seconds, cl.hasOption("keep"), out, err);
        } catch (IOException e) {
            err.println("tempokv demo: " + e.getMessage());
            return Main.EXIT_START;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_UNKNOWN;
        }
    }

    private int demo(int n, int seconds, boolean keep, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        Path base = Files.createTempDirectory("tempokv-demo-");
        LocalCluster cluster = LocalCluster.create(base, n);
        Thread stopper = new Thread(cluster::close, "tempokv-demo-stop");
        Runtime.getRuntime().addShutdownHook(stopper);
        try {
            cluster.startAll();
            out.println("demo: started " + n + " tempokv nodes on loopback (pids " + pids(cluster) + "), data in " + base);
            try {
                cluster.awaitReady();
            } catch (IllegalStateException e) {
                err.println("tempokv demo: " + e.getMessage());
                return Main.EXIT_START;
            }
            History history = new History();
            RegisterWorkload w = new RegisterWorkload(history, new Generator(CLIENTS, CLIENTS_PER_KEY, OPS_PER_KEY, 0));
            List<TempoClient> clients = clients(cluster, n);
            long start = System.nanoTime();
            w.start(clients);
            out.println("demo: " + CLIENTS + " clients doing read/write/cas (" + CLIENTS_PER_KEY + " per key, " + OPS_PER_KEY + " ops per key) for " + seconds + " s");
            nemesis(cluster, n, seconds, out);
            w.stopAndJoin();
            double elapsed = (System.nanoTime() - start) / 1e9;
            clients.forEach(TempoClient::close);
            return report(history, elapsed, base, out);
        } finally {
            cluster.close();
            Runtime.getRuntime().removeShutdownHook(stopper);
            if (!keep) {
                deleteTree(base);
            } else {
                out.println("demo: kept " + base);
            }
        }
    }

    private static String pids(LocalCluster c) {
        List<String> p = new ArrayList<>();
        c.nodes().forEach(node -> p.add(Long.toString(node.pid())));
        return String.join(", ", p);
    }

    private static List<TempoClient> clients(LocalCluster cluster, int n) {
        List<TempoClient> out = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            List<InetSocketAddress> eps = new ArrayList<>(cluster.clientEndpoints());
            Collections.rotate(eps, -(i % n));
            out.add(TempoClient.connect(eps, new ClientOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(5), 4)));
        }
        return out;
    }

    /** A third of the way in: SIGKILL the last node; two thirds in: restart it from its data directory. */
    private static void nemesis(LocalCluster cluster, int n, int seconds, PrintStream out) throws InterruptedException, IOException {
        long third = seconds * 1000L / 3;
        Thread.sleep(third);
        long pid = cluster.node(n).pid();
        cluster.kill(n);
        out.println("demo: killed node " + n + " (pid " + pid + ") with SIGKILL");
        Thread.sleep(third);
        cluster.start(n);
        out.println("demo: restarted node " + n + " (pid " + cluster.node(n).pid() + ") from its data directory");
        Thread.sleep(seconds * 1000L - 2 * third);
    }

    private static int report(History w, double elapsed, Path base, PrintStream out) throws IOException {
        List<Op> history = w.ops();
        try (Writer wr = Files.newBufferedWriter(base.resolve("history.edn"))) {
            HistoryIO.write(wr, history);
        }
        long[] c = w.completions();
        double[] lat = w.latencyMillis();
        out.printf("demo: operations ok=%d fail=%d info=%d; throughput %.0f ok ops/s; latency p50 %.1f ms, p99 %.1f ms%n",
                c[0], c[1], c[2], c[0] / elapsed, lat[0], lat[1]);
        Report r = IndependentChecker.check(new CasRegister(), history, Budget.defaults().withMaxMillis(120_000));
        out.println("demo: verdict " + r.verdict() + (r.verdict() == Verdict.VALID
                ? " (every key's history is linearizable)" : "\n" + r.render()));
        return r.verdict() == Verdict.VALID ? Main.EXIT_OK : r.verdict() == Verdict.INVALID ? Main.EXIT_VIOLATION : Main.EXIT_UNKNOWN;
    }

    /** Removes a temporary directory and everything under it, best effort (also used by bench). */
    static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(Collections.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException ignored) {
            // best effort: it is a temporary directory
        }
    }
}
