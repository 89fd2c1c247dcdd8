package io.tempokv.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.DataDirSettings;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tempokv config check FILE} (issue 21 item 10). */
class ConfigCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        out.reset();
        err.reset();
        return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path config(int f) throws Exception {
        StringBuilder yaml = new StringBuilder("node-id: 1\ncluster-id: prod\ndata-dir: " + dir.resolve("data") + "\nf: " + f + "\nmembers:\n");
        for (int i = 1; i <= 5; i++) {
            yaml.append("  - {id: ").append(i).append(", host: 10.0.0.").append(i).append("}\n");
        }
        return Files.writeString(dir.resolve("f" + f + ".yaml"), yaml);
    }

    @Test
    void aUsableConfigIsDescribedAndNothingIsWritten() throws Exception {
        Path file = config(2);
        assertEquals(0, run("config", "check", file.toString()), err.toString());
        String o = out.toString(StandardCharsets.UTF_8);
        assertTrue(o.contains("usable: node 1 of cluster 'prod', members [1, 2, 3, 4, 5], f 2"), o);
        assertTrue(o.contains("no recorded settings yet"), o);
        assertFalse(Files.exists(dir.resolve("data")), "config check creates nothing");
    }

    @Test
    void aBadConfigNamesTheSettingAndExits78() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.yaml"), "node-id: 9\nmembers:\n  - {id: 1, host: a}\n  - {id: 2, host: b}\n  - {id: 3, host: c}\n");
        assertEquals(78, run("config", "check", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("node-id"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aConfigThatDiffersFromItsDataDirectoryIsRefused() throws Exception {
        Files.createDirectories(dir.resolve("data"));
        DataDirSettings.check(ConfigLoader.load(config(2)));
        assertEquals(0, run("config", "check", config(2).toString()), err.toString());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("matches the settings the data directory was created with"));
        assertEquals(78, run("config", "check", config(1).toString()));
        String e = err.toString(StandardCharsets.UTF_8);
        assertTrue(e.contains("the node would not start") && e.contains("f: 1 in the config, 2 in the data directory"), e);
    }

    @Test
    void usageErrorsExit64() {
        assertEquals(64, run("config"));
        assertEquals(64, run("config", "validate", "x.yaml"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("expected `check FILE`"));
    }
}
