package io.tempokv.server.cli;

import io.tempokv.client.CasResult;
import io.tempokv.client.ClientOptions;
import io.tempokv.client.NoEndpointReachableException;
import io.tempokv.client.OutcomeUnknownException;
import io.tempokv.client.RequestRejectedException;
import io.tempokv.client.TempoClient;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv get|put|delete|cas}: one client operation. Exit codes: 0 done (get: found; cas:
 * applied), 1 cas not applied, 2 outcome unknown (timeout), 3 key not found, 4 rejected (surely
 * not applied), 5 no endpoint reachable, 64 bad usage.
 */
final class KvCommand implements Main.Command {
    static final String DEFAULT_ENDPOINTS = "127.0.0.1:7400";

    private final String op;

    String name() {
        return op;
    }
    private final String operands;
    private final int arity;

    KvCommand(String op, String operands, int arity) {
        this.op = op;
        this.operands = operands;
        this.arity = arity;
    }

    @Override
    public String summary() {
        switch (op) {
            case "get":
                return "read a key (prints its value; exit 3 if absent)";
            case "put":
                return "write a key";
            case "delete":
                return "delete a key";
            default:
                return "compare-and-set: write NEW if the key holds EXPECTED (--expect-absent: if absent)";
        }
    }

    static Options clientOptions() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("endpoints").hasArg().argName("HOST:PORT,...")
                .desc("client ports of the nodes (default $TEMPOKV_ENDPOINTS or " + DEFAULT_ENDPOINTS + ")").build());
        o.addOption(Option.builder().longOpt("timeout").hasArg().argName("SECONDS")
                .desc("give up after this long; the outcome is then unknown (default 10)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    /** --timeout in milliseconds (default 10 s); a bad value names the option. */
    static long timeoutMillis(CommandLine cl) throws ParseException {
        double seconds;
        try {
            seconds = Double.parseDouble(cl.getOptionValue("timeout", "10"));
        } catch (NumberFormatException e) {
            throw new ParseException("--timeout needs a number of seconds, got '" + cl.getOptionValue("timeout") + "'");
        }
        if (!(seconds > 0)) {
            throw new ParseException("--timeout must be positive");
        }
        return (long) (seconds * 1000);
    }

    static TempoClient client(CommandLine cl) throws ParseException {
        String list = cl.getOptionValue("endpoints", System.getenv().getOrDefault("TEMPOKV_ENDPOINTS", DEFAULT_ENDPOINTS));
        long millis = timeoutMillis(cl);
        try {
            return TempoClient.connect(TempoClient.parseEndpoints(list), ClientOptions.defaults().withDeadline(Duration.ofMillis(millis)));
        } catch (IllegalArgumentException e) {
            throw new ParseException("--endpoints: " + e.getMessage());
        }
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options options = clientOptions();
        if (op.equals("cas")) {
            options.addOption(Option.builder().longOpt("expect-absent").desc("apply only if the key is absent (then give KEY NEW)").build());
        }
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options, args);
            if (cl.hasOption("help")) {
                help(options, out);
                return Main.EXIT_OK;
            }
            int expected = arity - (cl.hasOption("expect-absent") ? 1 : 0);
            if (cl.getArgs().length != expected) {
                throw new ParseException("expected " + expected + " argument(s) (" + operands + "), got " + cl.getArgList());
            }
        } catch (ParseException e) {
            err.println("tempokv " + op + ": " + e.getMessage());
            help(options, err);
            return Main.EXIT_USAGE;
        }
        try (TempoClient c = client(cl)) {
            return perform(c, cl.getArgs(), cl.hasOption("expect-absent"), out);
        } catch (ParseException e) {
            err.println("tempokv " + op + ": " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (ExecutionException e) {
            return failure(e.getCause(), err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("tempokv " + op + ": interrupted; the outcome is unknown");
            return Main.EXIT_UNKNOWN;
        }
    }

    private int perform(TempoClient c, String[] a, boolean expectAbsent, PrintStream out)
            throws ExecutionException, InterruptedException {
        switch (op) {
            case "get": {
                Optional<String> v = c.get(a[0]).get();
                v.ifPresent(out::println);
                return v.isPresent() ? Main.EXIT_OK : Main.EXIT_NOT_FOUND;
            }
            case "put":
                c.put(a[0], a[1]).get();
                return Main.EXIT_OK;
            case "delete":
                c.delete(a[0]).get();
                return Main.EXIT_OK;
            default: {
                CasResult r = expectAbsent ? c.cas(a[0], null, a[1]).get() : c.cas(a[0], a[1], a[2]).get();
                if (!r.applied()) {
                    out.println("not applied: current value is " + (r.current() == null ? "absent" : "'" + r.current() + "'"));
                }
                return r.applied() ? Main.EXIT_OK : Main.EXIT_VIOLATION;
            }
        }
    }

    private int failure(Throwable cause, PrintStream err) {
        err.println("tempokv " + op + ": " + cause.getMessage());
        if (cause instanceof RequestRejectedException) {
            return Main.EXIT_REJECTED;
        } else if (cause instanceof NoEndpointReachableException) {
            return Main.EXIT_UNREACHABLE;
        } else if (cause instanceof OutcomeUnknownException) {
            return Main.EXIT_UNKNOWN;
        }
        return Main.EXIT_INTERNAL;
    }

    private void help(Options options, PrintStream s) {
        Main.printHelp(s, "tempokv " + op + " [options] " + operands, summary(), options, "Exit codes: 0 done, 1 cas not applied, 2 outcome unknown, 3 key not found, 4 rejected, 5 no endpoint reachable, 64 bad usage.");
    }

    static List<KvCommand> all() {
        return List.of(new KvCommand("get", "KEY", 1), new KvCommand("put", "KEY VALUE", 2), new KvCommand("delete", "KEY", 1),
                new KvCommand("cas", "KEY EXPECTED NEW", 3));
    }
}
