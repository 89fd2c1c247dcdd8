package io.tempokv.server.cli;

import io.tempokv.check.Budget;
import io.tempokv.check.CheckMain;
import java.io.PrintStream;
import java.nio.file.Path;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code tempokv check}: linearizability check of a Jepsen-format history file. */
final class CheckCommand implements Main.Command {
    @Override
    public String summary() {
        return "check a Jepsen-format history (EDN) for linearizability; exit 0 valid, 1 invalid, 2 unknown";
    }

    private static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("model").hasArg().argName("MODEL").desc("cas-register (default) or set").build());
        o.addOption(Option.builder().longOpt("single").desc("the whole history is one object").build());
        o.addOption(Option.builder().longOpt("independent").desc("values are Jepsen [key value] tuples; check key by key").build());
        o.addOption(Option.builder().longOpt("edn").desc("print the result as an EDN map (Knossos-style keys)").build());
        o.addOption(Option.builder().longOpt("max-ms").hasArg().argName("N").desc("time budget; past it the verdict is unknown").build());
        o.addOption(Option.builder().longOpt("max-states").hasArg().argName("N").desc("memoised-state budget; past it the verdict is unknown").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options options = options();
        try {
            CommandLine cl = new DefaultParser().parse(options, args);
            if (cl.hasOption("help")) {
                help(options, out);
                return Main.EXIT_OK;
            }
            if (cl.getArgs().length != 1) {
                throw new ParseException("expected exactly one history file, got " + cl.getArgList());
            }
            if (cl.hasOption("single") && cl.hasOption("independent")) {
                throw new ParseException("--single and --independent exclude each other");
            }
            CheckMain.KeyMode mode = cl.hasOption("single") ? CheckMain.KeyMode.SINGLE
                    : cl.hasOption("independent") ? CheckMain.KeyMode.INDEPENDENT : CheckMain.KeyMode.AUTO;
            Budget budget = Budget.defaults();
            if (cl.hasOption("max-ms")) {
                budget = budget.withMaxMillis(number(cl, "max-ms"));
            }
            if (cl.hasOption("max-states")) {
                budget = budget.withMaxStates(number(cl, "max-states"));
            }
            return CheckMain.run(cl.getOptionValue("model", "cas-register"), Path.of(cl.getArgs()[0]), mode, budget,
                    cl.hasOption("edn"), out, err);
        } catch (ParseException e) {
            err.println("tempokv check: " + e.getMessage());
            help(options, err);
            return Main.EXIT_USAGE;
        }
    }

    private static long number(CommandLine cl, String name) throws ParseException {
        try {
            long v = Long.parseLong(cl.getOptionValue(name));
            if (v <= 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ParseException("--" + name + " needs a positive whole number, got '" + cl.getOptionValue(name) + "'");
        }
    }

    private static void help(Options options, PrintStream s) {
        Main.printHelp(s, "tempokv check [--model cas-register|set] [options] FILE",
                "Checks a history written in Jepsen's format (one operation map per line) for linearizability.", options, "Exit codes: 0 valid, 1 invalid, 2 unknown (budget exhausted), 3 unreadable or malformed file, 64 bad usage.");
    }
}
