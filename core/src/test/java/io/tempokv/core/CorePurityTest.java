package io.tempokv.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** core must stay a pure state machine: no I/O, threads, clocks or unseeded randomness. */
class CorePurityTest {
    private static final Pattern FORBIDDEN = Pattern.compile(
            "io\\.netty|jetbrains\\.exodus|com\\.google\\.protobuf|System\\.currentTimeMillis|System\\.nanoTime"
                    + "|new Thread\\(|ThreadLocalRandom|Executors\\.|java\\.util\\.concurrent|java\\.io\\.File"
                    + "|java\\.nio\\.file|java\\.net\\.|Math\\.random|new Random\\(\\)|java\\.time\\.|synchronized");

    @Test
    void coreSourcesUseNoThreadsClocksIoOrUnseededRandomness() throws IOException {
        Path src = Path.of("src/main/java");
        List<String> offenders = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(src)) {
            files = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        for (Path p : files) {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                if (FORBIDDEN.matcher(lines.get(i)).find()) {
                    offenders.add(p + ":" + (i + 1) + ": " + lines.get(i).trim());
                }
            }
        }
        assertTrue(files.size() > 10, "expected to scan the core sources, found " + files.size());
        assertEquals(List.of(), offenders, "core must stay pure");
    }
}
