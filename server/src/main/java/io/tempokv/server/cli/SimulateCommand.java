package io.tempokv.server.cli;

import io.tempokv.sim.Burn;
import io.tempokv.sim.Fault;
import io.tempokv.sim.RandomRun;
import java.io.PrintStream;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code tempokv simulate}: deterministic simulation runs; non-zero exit on any violation. */
final class SimulateCommand implements Main.Command {
    @Override
    public String summary() {
        return "deterministic simulation of Tempo replicas under faults; exits 1 on any violation";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("seed").hasArg().argName("S").desc("first seed (default: random, printed); run i uses S+i").build());
        o.addOption(Option.builder().longOpt("runs").hasArg().argName("N").desc("number of runs (default 1)").build());
        o.addOption(Option.builder().longOpt("nodes").hasArg().argName("3|5").desc("replicas per run (default: alternate 3 and 5)").build());
        o.addOption(Option.builder().longOpt("f").hasArg().argName("F").desc("tolerated failures (default (nodes-1)/2)").build());
        o.addOption(Option.builder().longOpt("faults").hasArg().argName("LIST")
                .desc("comma-separated: " + String.join(",", Fault.names()) + ", or all (default) / none").build());
        o.addOption(Option.builder().longOpt("conflict").hasArg().argName("PCT")
                .desc("run the write-only conflict-rate workload with PCT% of commands on one key, no faults").build());
        o.addOption(Option.builder().longOpt("batch").hasArg().argName("N").desc("runs per summary line (default 100)").build());
        o.addOption(Option.builder().longOpt("trace").desc("print the full event trace (only with --runs 1)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options options = options();
        CommandLine cl;
        Burn.Plan plan;
        try {
            cl = new DefaultParser().parse(options, args);
            if (cl.hasOption("help")) {
                help(options, out);
                return Main.EXIT_OK;
            }
            plan = plan(cl);
        } catch (ParseException | IllegalArgumentException e) {
            err.println("tempokv simulate: " + e.getMessage());
            help(options, err);
            return Main.EXIT_USAGE;
        }
        out.println("simulate: seed=" + plan.seed() + " runs=" + plan.runs() + " nodes=" + (plan.nodes() == 0 ? "3,5" : plan.nodes())
                + " faults=" + plan.faults() + (plan.conflictPercent() >= 0 ? " conflict=" + plan.conflictPercent() + "%" : ""));
        if (cl.hasOption("trace")) {
            if (plan.runs() != 1) {
                err.println("tempokv simulate: --trace needs --runs 1");
                return Main.EXIT_USAGE;
            }
            RandomRun.Result r = RandomRun.run(plan.seed(), Burn.configFor(plan, 0), true);
            out.print(r.trace());
        }
        Burn.Totals t = Burn.run(plan, out);
        out.printf("total: runs=%d commands=%d fast-path=%.2f%% slow-paths=%d recoveries=%d violations=%d%n",
                t.runs(), t.commands(), t.fastPathPercent(), t.slowPaths(), t.recoveries(), t.failedRuns());
        return t.failedRuns() == 0 ? Main.EXIT_OK : Main.EXIT_VIOLATION;
    }

    private static Burn.Plan plan(CommandLine cl) throws ParseException {
        long seed = cl.hasOption("seed") ? parseLong(cl, "seed") : (System.nanoTime() & 0xffffffffL);
        int runs = (int) (cl.hasOption("runs") ? parseLong(cl, "runs") : 1);
        int nodes = (int) (cl.hasOption("nodes") ? parseLong(cl, "nodes") : 0);
        int f = (int) (cl.hasOption("f") ? parseLong(cl, "f") : 0);
        int conflict = (int) (cl.hasOption("conflict") ? parseLong(cl, "conflict") : -1);
        int batch = (int) (cl.hasOption("batch") ? parseLong(cl, "batch") : 100);
        if (runs < 1 || batch < 1) {
            throw new ParseException("--runs and --batch must be at least 1");
        }
        if (nodes != 0 && (nodes < 3 || nodes % 2 == 0)) {
            throw new ParseException("--nodes must be an odd number >= 3 (3 or 5 are tested), got " + nodes);
        }
        if (conflict > 100) {
            throw new ParseException("--conflict is a percentage between 0 and 100, got " + conflict);
        }
        Set<Fault> faults = Fault.parse(cl.getOptionValue("faults"));
        return new Burn.Plan(seed, runs, nodes, f, faults, conflict, batch);
    }

    private static long parseLong(CommandLine cl, String name) throws ParseException {
        String v = cl.getOptionValue(name);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ParseException("--" + name + " needs a whole number, got '" + v + "'");
        }
    }

    private static void help(Options options, PrintStream s) {
        Main.printHelp(s, "tempokv simulate [options]",
                "Runs Tempo replicas in a seeded simulator with faults, then heals and checks safety and liveness.", options, "Exit codes: 0 no violation, 1 a violation (its seed and replay command are printed), 64 bad usage.");
    }
}
