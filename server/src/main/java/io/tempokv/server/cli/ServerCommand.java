package io.tempokv.server.cli;

import io.tempokv.server.config.ConfigException;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.DataDirSettings;
import io.tempokv.server.config.NodeConfig;
import io.tempokv.server.node.Node;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/** {@code tempokv server}: runs a node until SIGTERM/SIGINT. Without --config: one node on 127.0.0.1, data in ./data. */
final class ServerCommand implements Main.Command {
    @Override
    public String summary() {
        return "run a node (default: a single-node cluster on 127.0.0.1 with ./data)";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("config").hasArg().argName("FILE").desc("YAML config (see tempokv-example.yaml)").build());
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        NodeConfig config;
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, "tempokv server [--config FILE]", summary(), o, "");
                return Main.EXIT_OK;
            }
            if (cl.getArgs().length > 0) {
                throw new ParseException("unexpected arguments " + cl.getArgList());
            }
            config = cl.hasOption("config") ? ConfigLoader.load(Path.of(cl.getOptionValue("config"))) : NodeConfig.defaults();
        } catch (ParseException e) {
            err.println("tempokv server: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (ConfigException e) {
            err.println("tempokv server: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        return serve(config, out, err);
    }

    private static int serve(NodeConfig config, PrintStream out, PrintStream err) {
        CountDownLatch stopped = new CountDownLatch(1);
        Node node;
        try {
            node = Node.start(config);
        } catch (DataDirSettings.MismatchException e) {
            err.println("tempokv server: node " + config.nodeId() + " does not start: " + e.getMessage());
            return Main.EXIT_CONFIG;
        } catch (Exception e) {
            err.println("tempokv server: could not start node " + config.nodeId() + ": " + e.getMessage());
            return Main.EXIT_START;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "tempokv-shutdown"));
        out.println("tempokv node " + config.nodeId() + " serving clients on " + config.listen() + ":" + config.ports().client()
                + ", peers on " + config.ports().peer() + ", http on " + config.ports().http() + ", data in " + config.dataDir());
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Main.EXIT_OK;
    }
}
