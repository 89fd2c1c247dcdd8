package io.tempokv.server.cli;

import io.tempokv.client.TempoClient;
import io.tempokv.wire.StatusInfo;
import java.io.PrintStream;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code tempokv status}: members, shards, health and fast-path rate as one node sees them. Exit 0 healthy, 1 not. */
final class StatusCommand implements Main.Command {
    @Override
    public String summary() {
        return "members, shards, health and fast-path rate of the cluster as a node sees it";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = KvCommand.clientOptions();
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv status [--endpoints HOST:PORT,...] [--timeout SECONDS]", summary(), o,
                        "Asks again every 2 s until --timeout. Exit codes: 0 every shard healthy, 1 some shard cannot make progress,"
                        + " 5 no answer (no endpoint reachable, or none answered in time).");
                return Main.EXIT_OK;
            }
        } catch (ParseException e) {
            err.println("tempokv status: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        try (TempoClient c = KvCommand.client(cl)) {
            // The client gives up at --timeout (asking again meanwhile); the margin only guards against a hang.
            StatusInfo s = c.status().get(KvCommand.timeoutMillis(cl) + 5_000, TimeUnit.MILLISECONDS);
            return print(s, out);
        } catch (ParseException e) {
            err.println("tempokv status: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (ExecutionException | TimeoutException e) {
            err.println("tempokv status: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
            return Main.EXIT_UNREACHABLE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_UNKNOWN;
        }
    }

    private static int print(StatusInfo s, PrintStream out) {
        out.println("node " + s.nodeId() + ", members " + s.members());
        boolean healthy = true;
        for (StatusInfo.ShardStatus sh : s.shards()) {
            long decided = sh.fastPaths() + sh.slowPaths();
            out.printf("shard %d: %s, reachable %s, commands %d, fast-path %s, slow paths %d, recoveries %d%n", sh.shard(),
                    sh.healthy() ? "healthy" : "NOT HEALTHY (no majority reachable)", sh.reachable(), sh.commands(),
                    decided == 0 ? "n/a" : String.format("%.1f%%", 100.0 * sh.fastPaths() / decided), sh.slowPaths(), sh.recoveries());
            healthy &= sh.healthy();
        }
        return healthy ? Main.EXIT_OK : Main.EXIT_VIOLATION;
    }
}
