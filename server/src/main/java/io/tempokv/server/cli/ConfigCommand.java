package io.tempokv.server.cli;

import io.tempokv.server.config.ClusterSettings;
import io.tempokv.server.config.ConfigException;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.DataDirSettings;
import io.tempokv.server.config.NodeConfig;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code tempokv config check FILE}: validates a node's config without starting it (issue 21 item
 * 10), and, when the config's data directory already records the settings it was created with,
 * compares them too. Reads only: it creates and writes nothing.
 */
final class ConfigCommand implements Main.Command {
    @Override
    public String summary() {
        return "check a node's config file (and its data directory's settings) without starting it";
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.println("usage: tempokv config check FILE");
            out.println(summary() + ".");
            out.println("Reads FILE as `tempokv server --config FILE` would and prints what it describes, or every problem with the"
                    + " setting and the fix. If the data directory it names records the settings it was created with"
                    + " (" + DataDirSettings.FILE_NAME + "), they are compared too. Nothing is written.");
            out.println("Exit codes: 0 usable, 78 not usable (bad config, or settings that differ from the data directory's), 64 usage.");
            return Main.EXIT_OK;
        }
        if (args.length != 2 || !args[0].equals("check")) {
            err.println("tempokv config: expected `check FILE`, e.g. tempokv config check /etc/tempokv/tempokv.yaml");
            return Main.EXIT_USAGE;
        }
        Path file = Path.of(args[1]);
        NodeConfig c;
        try {
            c = ConfigLoader.load(file);
        } catch (ConfigException e) {
            err.println("tempokv config check: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        out.println(file + ": usable: node " + c.nodeId() + " of cluster '" + c.clusterId() + "', members " + c.memberIds()
                + ", f " + c.f() + ", " + c.shards() + " shard(s), " + c.buckets() + " buckets; listens on " + c.listen() + " (client "
                + c.ports().client() + ", peer " + c.ports().peer() + ", http " + c.ports().http() + "); data in " + c.dataDir()
                + (c.fsync() ? "" : "; fsync off: a host crash loses acknowledged writes"));
        Optional<List<String>> differences;
        try {
            differences = DataDirSettings.compare(c);
        } catch (DataDirSettings.MismatchException e) {
            err.println("tempokv config check: " + e.getMessage());
            return Main.EXIT_CONFIG;
        }
        if (differences.isEmpty()) {
            out.println(c.dataDir() + ": no recorded settings yet (a new directory, or one of an earlier version); the node records "
                    + ClusterSettings.of(c).text() + " at its next start");
            return Main.EXIT_OK;
        }
        if (!differences.get().isEmpty()) {
            err.println("tempokv config check: the node would not start: the config differs from the settings data directory "
                    + c.dataDir() + " was created with:\n  " + String.join("\n  ", differences.get())
                    + "\nput the settings back in the config (docs/operations.md)");
            return Main.EXIT_CONFIG;
        }
        out.println(c.dataDir() + ": matches the settings the data directory was created with");
        return Main.EXIT_OK;
    }
}
