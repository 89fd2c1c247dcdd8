package io.tempokv.server.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tempokv} command: dispatches to a subcommand. Exit codes: 0 success, 1 the check or
 * simulation found a violation, 2 unknown verdict, 3 unreadable input file, 64 bad usage, 70 internal error.
 */
public final class Main {
    public static final int EXIT_OK = 0;
    public static final int EXIT_VIOLATION = 1;
    public static final int EXIT_UNKNOWN = 2;
    public static final int EXIT_USAGE = 64;
    public static final int EXIT_INTERNAL = 70;

    /** A subcommand. */
    interface Command {
        String summary();

        int run(String[] args, PrintStream out, PrintStream err);
    }

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("demo", new DemoCommand());
        m.put("simulate", new SimulateCommand());
        m.put("check", new CheckCommand());
        return m;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(commands, args.length == 0 ? err : out);
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            err.println("tempokv: unknown command '" + args[0] + "'");
            usage(commands, err);
            return EXIT_USAGE;
        }
        try {
            return c.run(Arrays.copyOfRange(args, 1, args.length), out, err);
        } catch (RuntimeException e) {
            err.println("tempokv " + args[0] + ": internal error: " + e);
            e.printStackTrace(err);
            return EXIT_INTERNAL;
        }
    }

    private static void usage(Map<String, Command> commands, PrintStream s) {
        s.println("usage: tempokv <command> [options]   (tempokv <command> --help for its options)");
        s.println();
        commands.forEach((name, c) -> s.printf("  %-10s %s%n", name, c.summary()));
    }
}
