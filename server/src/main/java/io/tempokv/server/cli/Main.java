package io.tempokv.server.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code tempokv} command: dispatches to a subcommand. Exit codes: 0 success; 1 the check or
 * simulation found a violation, or a cas did not apply; 2 unknown (verdict or outcome); 3 key not
 * found or unreadable input file; 4 request rejected (surely not applied); 5 no endpoint
 * reachable; 64 bad usage; 69 the node could not start (port in use, data directory); 70 internal
 * error; 78 bad configuration.
 */
public final class Main {
    public static final int EXIT_OK = 0;
    public static final int EXIT_VIOLATION = 1;
    public static final int EXIT_UNKNOWN = 2;
    public static final int EXIT_NOT_FOUND = 3;
    public static final int EXIT_REJECTED = 4;
    public static final int EXIT_UNREACHABLE = 5;
    public static final int EXIT_USAGE = 64;
    public static final int EXIT_CONFIG = 78;
    public static final int EXIT_START = 69;
    public static final int EXIT_INTERNAL = 70;

    /** A subcommand. */
    interface Command {
        String summary();

        int run(String[] args, PrintStream out, PrintStream err);
    }

    private static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        m.put("server", new ServerCommand());
        m.put("demo", new DemoCommand());
        m.put("simulate", new SimulateCommand());
        m.put("check", new CheckCommand());
        m.put("status", new StatusCommand());
        m.put("bench", new BenchCommand());
        m.put("verify", new VerifyCommand());
        m.put("config", new ConfigCommand());
        m.put("class-archive", new ClassArchiveCommand());
        for (KvCommand c : KvCommand.all()) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        configureLogging();
        System.exit(run(args, System.out, System.err));
    }

    /** One-line log records on stderr, unless the user configured java.util.logging already. */
    private static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (java.io.InputStream in = Main.class.getResourceAsStream("/tempokv-logging.properties")) {
            if (in != null) {
                java.util.logging.LogManager.getLogManager().readConfiguration(in);
            }
        } catch (java.io.IOException e) {
            System.err.println("tempokv: could not read the built-in logging configuration: " + e.getMessage());
        }
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(commands, args.length == 0 ? err : out);
            return args.length == 0 ? EXIT_USAGE : EXIT_OK;
        }
        if (args[0].equals("--version") || args[0].equals("version")) {
            out.println("tempokv " + io.tempokv.server.node.BuildInfo.version());
            return EXIT_OK;
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

    /** One help layout for every subcommand. */
    static void printHelp(PrintStream s, String usage, String header, org.apache.commons.cli.Options options, String footer) {
        java.io.PrintWriter w = new java.io.PrintWriter(s);
        new org.apache.commons.cli.HelpFormatter().printHelp(w, 100, usage, header, options, 2, 2, footer);
        w.flush();
    }

    private static void usage(Map<String, Command> commands, PrintStream s) {
        s.println("usage: tempokv <command> [options]   (tempokv <command> --help for its options; tempokv --version)");
        s.println();
        commands.forEach((name, c) -> s.printf("  %-14s %s%n", name, c.summary()));
    }
}
