package io.tempokv.verify;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/** Jepsen's store layout: {@code <store>/<test>/<yyyyMMddTHHmmss>/}, with {@code latest} links to the newest run. */
final class Store {
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss");

    private Store() {
    }

    /** A new run directory; a suffix keeps two runs started in the same second apart. */
    static Path newRun(Path store, String test) throws IOException {
        Path testDir = store.resolve(test);
        Files.createDirectories(testDir);
        String stamp = LocalDateTime.now().format(STAMP);
        Path run = testDir.resolve(stamp);
        for (int i = 1; Files.exists(run); i++) {
            run = testDir.resolve(stamp + "-" + i);
        }
        Files.createDirectories(run);
        return run;
    }

    /** Points {@code store/latest} and {@code store/<test>/latest} at the run (relative links, so the store can move). */
    static void markLatest(Path store, Path run) throws IOException {
        link(store.resolve("latest"), run);
        link(run.getParent().resolve("latest"), run);
    }

    private static void link(Path link, Path target) throws IOException {
        Files.deleteIfExists(link);
        Files.createSymbolicLink(link, link.getParent().toAbsolutePath().relativize(target.toAbsolutePath()));
    }
}
