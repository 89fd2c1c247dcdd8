package io.tempokv.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The shell scripts operators and CI run (testbed/, bench/, the launcher, .ci/run) stay shellcheck-clean. */
@Order(0)
class ShellScriptsTest {
    @Test
    void everyScriptIsShellcheckClean() throws IOException {
        Testbed.skipUnless(Testbed.onPath("shellcheck"), "shellcheck is not installed (.ci/run installs it with apt)");
        Path repo = Testbed.repo();
        List<String> cmd = new ArrayList<>(List.of("shellcheck", "-x"));
        try (Stream<Path> files = Files.list(repo.resolve("testbed"))) {
            files.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".md"))
                    .filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(p -> cmd.add(p.toString()));
        }
        try (Stream<Path> files = Files.list(repo.resolve("testbed/lib"))) {
            files.filter(Files::isRegularFile).sorted().forEach(p -> cmd.add(p.toString()));
        }
        try (Stream<Path> files = Files.list(repo.resolve("bench"))) {
            files.filter(Files::isRegularFile).sorted().forEach(p -> cmd.add(p.toString()));
        }
        cmd.add(repo.resolve(".ci/run").toString());
        cmd.add(repo.resolve("tempokv").toString());
        assertTrue(cmd.size() > 10, "found the scripts: " + cmd);
        Testbed.Result r = Testbed.run(cmd, Map.of(), Duration.ofMinutes(3));
        assertEquals(0, r.exit(), "shellcheck findings:\n" + r.out() + r.err());
    }
}
