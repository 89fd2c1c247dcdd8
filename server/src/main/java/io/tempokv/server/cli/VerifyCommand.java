package io.tempokv.server.cli;

import io.tempokv.check.Verdict;
import io.tempokv.verify.Verify;
import io.tempokv.verify.cluster.LocalCluster;
import io.tempokv.verify.cluster.Nemesis;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv verify}: the robustness suite. Runs a workload against a cluster under a nemesis
 * schedule, heals, reads every key, checks the history and writes a Jepsen-style report into the
 * store. Exit code follows the verdict.
 */
final class VerifyCommand implements Main.Command {
    private static final String USAGE = "tempokv verify --workload register|set --nemesis kill,pause|none --time-limit S "
            + "--nodes 3|5 [--cluster local] [--rate R] [--concurrency C] [--store DIR]";

    @Override
    public String summary() {
        return "robustness run (workload + nemesis) against a cluster; writes a report to the store, prints the verdict";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(opt("workload", "register|set", "register (read/write/cas on independent keys) or set (add/read); default register"));
        o.addOption(opt("nemesis", "FAULTS", "comma-separated faults: kill (SIGKILL + restart), pause (SIGSTOP/SIGCONT); or none. Default kill,pause"));
        o.addOption(opt("time-limit", "SECONDS", "how long the workload runs (default 60)"));
        o.addOption(opt("nodes", "3|5", "cluster size (default 3)"));
        o.addOption(opt("cluster", "local|testbed|ssh", "where the nodes run; only local (processes on loopback) exists yet (default local)"));
        o.addOption(opt("rate", "OPS", "operations per second across all clients, 0 = unlimited (default 0)"));
        o.addOption(opt("concurrency", "C", "client threads (default 9)"));
        o.addOption(opt("store", "DIR", "report store (default ./store)"));
        o.addOption(opt("nemesis-interval", "SECONDS", "length of each quiet and each fault period (default 5)"));
        o.addOption(opt("recovery", "SECONDS", "wait after the final heal, before the final reads (default 5)"));
        o.addOption(opt("ops-per-key", "N", "operations a key gets before its clients move to a fresh key (default 200)"));
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = options();
        Verify.Config cfg;
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, USAGE, summary(), o, "Exit codes: 0 valid, 1 invalid, 2 unknown, 64 bad usage, "
                        + "69 the cluster did not start. The report goes to <store>/<test>/<time>/; <store>/latest points at it.");
                return Main.EXIT_OK;
            }
            cfg = config(cl);
        } catch (ParseException | IllegalArgumentException e) {
            err.println("tempokv verify: " + e.getMessage() + " (see tempokv verify --help)");
            return Main.EXIT_USAGE;
        }
        return verify(cfg, out, err);
    }

    private static Verify.Config config(CommandLine cl) throws ParseException {
        String cluster = cl.getOptionValue("cluster", "local");
        if (cluster.equals("testbed") || cluster.equals("ssh")) {
            throw new ParseException("--cluster " + cluster + " is not available yet: the testbed and ssh clusters arrive with "
                    + "the distribution issue; use --cluster local");
        }
        if (!cluster.equals("local")) {
            throw new ParseException("--cluster must be local, testbed or ssh, got '" + cluster + "'");
        }
        String workload = cl.getOptionValue("workload", "register");
        if (!workload.equals("register") && !workload.equals("set")) {
            throw new ParseException("--workload must be register or set, got '" + workload + "'");
        }
        int nodes = integer(cl, "nodes", 3, 3);
        if (nodes != 3 && nodes != 5) {
            throw new ParseException("--nodes must be 3 or 5, got " + nodes);
        }
        double rate = Double.parseDouble(cl.getOptionValue("rate", "0"));
        if (rate < 0 || Double.isNaN(rate)) {
            throw new ParseException("--rate must be >= 0, got " + rate);
        }
        return new Verify.Config(workload, faults(cl.getOptionValue("nemesis", "kill,pause")), integer(cl, "time-limit", 60, 1),
                nodes, rate, integer(cl, "concurrency", 9, 1), Path.of(cl.getOptionValue("store", "store")),
                integer(cl, "nemesis-interval", 5, 1), integer(cl, "recovery", 5, 0), integer(cl, "ops-per-key", 200, 1));
    }

    private static int integer(CommandLine cl, String name, int dflt, int min) throws ParseException {
        String v = cl.getOptionValue(name, Integer.toString(dflt));
        try {
            int i = Integer.parseInt(v);
            if (i >= min) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below with the same message as a too-small value
        }
        throw new ParseException("--" + name + " must be an integer >= " + min + ", got '" + v + "'");
    }

    private static List<Nemesis.Fault> faults(String spec) throws ParseException {
        List<Nemesis.Fault> out = new ArrayList<>();
        if (spec.equals("none")) {
            return out;
        }
        for (String part : spec.split(",")) {
            try {
                Nemesis.Fault f = Nemesis.Fault.valueOf(part.trim().toUpperCase(Locale.ROOT));
                if (!out.contains(f)) {
                    out.add(f);
                }
            } catch (IllegalArgumentException e) {
                throw new ParseException("--nemesis takes kill, pause (comma-separated) or none; got '" + part + "'");
            }
        }
        return out;
    }

    private static int verify(Verify.Config cfg, PrintStream out, PrintStream err) {
        try {
            Verify.Outcome o = Verify.run(cfg, LocalCluster::create, out);
            out.println("verify: report in " + o.runDir().toAbsolutePath());
            out.println("verify: verdict " + o.verdict() + (o.verdict() == Verdict.VALID
                    ? " (every key's history is linearizable)" : "\n" + o.explanation()));
            return o.verdict() == Verdict.VALID ? Main.EXIT_OK
                    : o.verdict() == Verdict.INVALID ? Main.EXIT_VIOLATION : Main.EXIT_UNKNOWN;
        } catch (IOException | IllegalStateException e) {
            err.println("tempokv verify: " + e.getMessage());
            return Main.EXIT_START;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_UNKNOWN;
        }
    }
}
