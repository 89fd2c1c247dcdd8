package io.tempokv.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The cluster settings and the node id a data directory was created with, in
 * {@value #FILE_NAME} (a Java properties file). A node checks them before it opens its stores: a
 * hand edit of f, the members, the shards, the buckets, the cluster id or the node id on a node
 * holding data is refused with the setting named, instead of joining with other quorums or other
 * routing (issue 21 item 2).
 *
 * <p>A directory without the file gets one: a new directory, or one written by a version before
 * this record (its settings are then taken as they are; nothing older can be checked).
 */
public final class DataDirSettings {
    public static final String FILE_NAME = "cluster-settings.properties";
    private static final String NODE_ID = "node-id";

    private DataDirSettings() {
    }

    /** Why a node must not start on this data directory with this config. */
    public static final class MismatchException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MismatchException(String message) {
            super(message);
        }
    }

    /** What {@link #check} did. */
    public enum Outcome { MATCHED, CREATED, ADOPTED }

    /**
     * Compares the config with the record in {@code config.dataDir()} (which must exist), or writes
     * the record when there is none.
     *
     * @throws MismatchException when a setting differs, or the record cannot be read
     * @throws UncheckedIOException when the record cannot be written
     */
    public static Outcome check(NodeConfig config) {
        Path dir = config.dataDir();
        Optional<List<String>> differences = compare(config);
        if (differences.isEmpty()) {
            boolean hadData = hasData(dir);
            write(dir.resolve(FILE_NAME), expected(config));
            return hadData ? Outcome.ADOPTED : Outcome.CREATED;
        }
        if (!differences.get().isEmpty()) {
            throw new MismatchException("the config does not match the settings data directory " + dir + " was created with ("
                    + FILE_NAME + "):\n  " + String.join("\n  ", differences.get()) + "\n"
                    + "node-id, cluster-id, members, f, shards and buckets stay as the cluster was created, on every member: a node"
                    + " that changed one alone would use other quorums, routing or clocks than its peers. Put the setting back in"
                    + " the config. (Changing them needs a new cluster: a data directory of the old one is not reusable; empty it"
                    + " only if its data is to be thrown away.)");
        }
        return Outcome.MATCHED;
    }

    /**
     * Reads the record without writing anything: empty when there is none (a new directory, or one
     * of an earlier version), else each setting that differs ("f: 1 in the config, 2 in the data
     * directory"), an empty list when all match.
     *
     * @throws MismatchException when the record exists but cannot be read
     */
    public static Optional<List<String>> compare(NodeConfig config) {
        Path file = config.dataDir().resolve(FILE_NAME);
        Properties p;
        try {
            Optional<Properties> read = DurableFiles.readProperties(file);
            if (read.isEmpty()) {
                return Optional.empty();
            }
            p = read.get();
        } catch (IOException | IllegalArgumentException e) {
            throw new MismatchException("cannot read " + file + " (" + e.getMessage() + "): it records the settings this data directory"
                    + " was created with, and the node does not start without checking them. Restore the file from a backup of"
                    + " the directory, or, if the directory's data is to be thrown away, empty the directory.");
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : expected(config).entrySet()) {
            String recorded = p.getProperty(e.getKey());
            if (!e.getValue().equals(recorded)) {
                out.add(e.getKey() + ": " + e.getValue() + " in the config, " + (recorded == null ? "not recorded" : recorded)
                        + " in the data directory");
            }
        }
        return Optional.of(out);
    }

    private static Map<String, String> expected(NodeConfig config) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(NODE_ID, String.valueOf(config.nodeId()));
        m.putAll(ClusterSettings.of(config).byName());
        return m;
    }

    /** Any shard directory means the directory holds data written before the record existed. */
    private static boolean hasData(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(e -> e.getFileName().toString().startsWith("shard-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list data directory " + dir, e);
        }
    }

    private static void write(Path file, Map<String, String> values) {
        Properties p = new Properties();
        values.forEach(p::setProperty);
        DurableFiles.writeProperties(file, p, "Settings this data directory was created with; a node refuses a config that differs."
                + " Do not edit: see docs/operations.md");
    }
}
