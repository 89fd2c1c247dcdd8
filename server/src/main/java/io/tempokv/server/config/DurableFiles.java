package io.tempokv.server.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Properties;

/** The small records a data directory keeps beside its stores, written so that a crash leaves the old or the new file whole. */
final class DurableFiles {
    private DurableFiles() {
    }

    /**
     * The properties in {@code file}; empty when there is no such file.
     *
     * @throws IOException when it exists but cannot be read
     * @throws IllegalArgumentException when it is not a properties file (a malformed escape)
     */
    static Optional<Properties> readProperties(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(p);
    }

    /**
     * Written to a temporary file, forced to disk, then renamed over {@code file}, and the directory forced.
     *
     * @throws UncheckedIOException when it cannot be written, naming the file
     */
    static void writeProperties(Path file, Properties p, String comment) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, comment);
            }
            try (FileChannel c = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel d = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some file systems cannot force a directory; the rename is still ordered after the data
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage()
                    + "; check that the data directory is writable by the node and the disk has space", e);
        }
    }
}
