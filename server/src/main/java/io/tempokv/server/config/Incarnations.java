package io.tempokv.server.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Which data directory each member runs on (docs/protocol.md D14), in {@value #FILE_NAME}: this
 * directory's own incarnation, a random id drawn when the directory was created; the incarnation
 * recorded for every peer whose Hello this node accepted; and whether a new directory has been
 * confirmed by f peers yet. A peer that comes back on another directory than the one recorded for
 * it lost what it had acknowledged, and is refused; a node that learns from a peer that it was
 * known by another incarnation stops serving.
 *
 * <p>Thread-safe: the peer transport records peers from its I/O threads.
 */
public final class Incarnations {
    public static final String FILE_NAME = "incarnations.properties";
    private static final String CONFIRMED = "confirmed";
    private static final String NODE = "node.";

    private final Path file;
    private final int self;
    private final String own;
    private final Map<Integer, String> known = new TreeMap<>();
    private volatile boolean confirmed;

    private Incarnations(Path file, int self, String own, boolean confirmed) {
        this.file = file;
        this.self = self;
        this.own = own;
        this.confirmed = confirmed;
        known.put(self, own);
    }

    /**
     * Reads the record in {@code dataDir}, or creates it: with a new incarnation, unconfirmed when
     * the directory is new ({@code newDirectory}), confirmed when it holds the data of a build before
     * this record (nothing older can be checked).
     *
     * @throws DataDirSettings.MismatchException when the record exists but cannot be read
     * @throws UncheckedIOException when it cannot be written
     */
    public static Incarnations open(Path dataDir, int self, boolean newDirectory) {
        Path file = dataDir.resolve(FILE_NAME);
        Properties p;
        try {
            Optional<Properties> read = DurableFiles.readProperties(file);
            if (read.isEmpty()) {
                Incarnations created = new Incarnations(file, self, draw(), !newDirectory);
                created.write();
                return created;
            }
            p = read.get();
        } catch (IOException | IllegalArgumentException e) {
            throw unreadable(file, e.getMessage());
        }
        String own = p.getProperty(NODE + self);
        if (own == null || own.isBlank()) {
            throw unreadable(file, "it has no entry " + NODE + self + " for this node");
        }
        Incarnations read = new Incarnations(file, self, own, Boolean.parseBoolean(p.getProperty(CONFIRMED, "false")));
        for (String name : p.stringPropertyNames()) {
            if (name.startsWith(NODE) && !name.equals(NODE + self)) {
                try {
                    read.known.put(Integer.parseInt(name.substring(NODE.length())), p.getProperty(name));
                } catch (NumberFormatException e) {
                    throw unreadable(file, "'" + name + "' is not " + NODE + "<node id>");
                }
            }
        }
        return read;
    }

    private static DataDirSettings.MismatchException unreadable(Path file, String why) {
        return new DataDirSettings.MismatchException("cannot read " + file + " (" + why + "): it records which data directory each"
                + " member runs on, and the node does not start without it. Restore the file from a backup of the directory, or,"
                + " if the directory's data is to be thrown away, empty the directory (docs/operations.md, \"A node lost its disk\").");
    }

    private static String draw() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    public String own() {
        return own;
    }

    /** The incarnation recorded for this member, or null when none is. */
    public synchronized String recorded(int member) {
        return known.get(member);
    }

    /** Every recorded incarnation by member, this node's own included. */
    public synchronized Map<Integer, String> known() {
        return Map.copyOf(known);
    }

    /** Records a member's incarnation when none is yet (written to disk before it returns); true when it was new. */
    public synchronized boolean record(int member, String incarnation) {
        if (known.containsKey(member)) {
            return false;
        }
        known.put(member, incarnation);
        write();
        return true;
    }

    public boolean confirmed() {
        return confirmed;
    }

    /** Marks this directory confirmed by f peers (written to disk before it returns), so a restart does not wait again. */
    public synchronized void confirm() {
        if (!confirmed) {
            confirmed = true;
            write();
        }
    }

    private void write() {
        Properties p = new Properties();
        p.setProperty(CONFIRMED, String.valueOf(confirmed));
        known.forEach((m, inc) -> p.setProperty(NODE + m, inc));
        DurableFiles.writeProperties(file, p, "Which data directory each member runs on (node." + self + " is this one); do not edit:"
                + " see docs/operations.md");
    }
}
