package io.tempokv.server.cli;

import io.tempokv.sim.Fault;
import io.tempokv.sim.RandomRun;
import io.tempokv.sim.SimConfig;
import java.io.PrintStream;
import java.util.EnumSet;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv demo}: for now, a simulated cluster in this process (the real multi-process
 * loopback demo arrives with the server): clients run a register workload while nodes crash and
 * restart and messages are lost and reordered; then the history is checked and the verdict printed.
 */
final class DemoCommand implements Main.Command {
    @Override
    public String summary() {
        return "simulated cluster + checked register workload with crashes; prints the verdict";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("nodes").hasArg().argName("3|5").desc("replicas (default 3)").build());
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("seed (default 1)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        int nodes;
        long seed;
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                new HelpFormatter().printHelp(new java.io.PrintWriter(out, true), 100, "tempokv demo [--nodes 3|5]",
                        "Runs a simulated tempokv cluster with faults and checks its history for linearizability.", o, 2, 2, "");
                return Main.EXIT_OK;
            }
            nodes = Integer.parseInt(cl.getOptionValue("nodes", "3"));
            seed = Long.parseLong(cl.getOptionValue("seed", "1"));
            if (nodes != 3 && nodes != 5) {
                throw new ParseException("--nodes must be 3 or 5, got " + nodes);
            }
        } catch (ParseException | NumberFormatException e) {
            err.println("tempokv demo: " + e.getMessage() + " (see tempokv demo --help)");
            return Main.EXIT_USAGE;
        }
        EnumSet<Fault> faults = EnumSet.of(Fault.CRASH, Fault.DROP, Fault.REORDER);
        SimConfig base = SimConfig.standard(nodes, faults);
        SimConfig cfg = new SimConfig(nodes, base.f(), faults, 8, 5, 6000, base.livenessTicksMax(), base.buckets(), -1);
        out.println("demo: simulated " + nodes + "-replica cluster (Tempo, f=" + cfg.f() + "), 8 clients, register workload on 5 keys,");
        out.println("      nodes crashed and restarted from their stores, 0-5% message loss, reordering (seed " + seed + ")");
        out.println("      note: this demo runs in-process; the multi-process loopback demo comes with the server");
        RandomRun.Result r = RandomRun.run(seed, cfg, false);
        out.printf("operations: ok=%d fail=%d info=%d; commands=%d fast-path=%.1f%% slow-paths=%d recoveries=%d%n",
                r.ok(0), r.ok(1), r.ok(2), r.stats().submitted,
                r.stats().submitted == 0 ? 0 : 100.0 * r.stats().fastPaths / r.stats().submitted,
                r.stats().slowPaths, r.stats().recoveriesStarted);
        long[] p = r.latencyPercentiles();
        out.printf("throughput: %.1f ops per 1000 ticks; latency in ticks: p50=%d p99=%d max=%d%n",
                1000.0 * (r.ok(0) + r.ok(1)) / Math.max(1, cfg.safetyTicks()), p[0], p[1], p[2]);
        if (r.ok()) {
            out.println("verdict: VALID (linearizable per key; same order, one timestamp and one result per command everywhere)");
            return Main.EXIT_OK;
        }
        out.println("verdict: INVALID");
        r.violations().forEach(v -> out.println("  " + v));
        out.println("replay: " + r.replayCommand());
        return Main.EXIT_VIOLATION;
    }
}
