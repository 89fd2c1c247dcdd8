package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.server.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 21 item 2: the settings a data directory was created with, and a config that differs. */
class DataDirSettingsTest {
    @TempDir
    Path dir;

    private NodeConfig config(int nodeId, int f, int members, int firstPort) {
        StringBuilder yaml = new StringBuilder("node-id: " + nodeId + "\ncluster-id: prod\ndata-dir: " + dir + "\nf: " + f
                + "\nmembers:\n");
        for (int i = 1; i <= members; i++) {
            int p = firstPort + 10 * i;
            yaml.append("  - {id: ").append(i).append(", host: 127.0.0.1, client: ").append(p).append(", peer: ").append(p + 1)
                    .append(", http: ").append(p + 2).append("}\n");
        }
        return ConfigLoader.parse(yaml.toString(), "tempokv.yaml");
    }

    @Test
    void aNewDirectoryRecordsTheSettingsAndTheSameConfigMatches() throws Exception {
        NodeConfig c = config(2, 2, 5, 20000);
        assertEquals(DataDirSettings.Outcome.CREATED, DataDirSettings.check(c));
        String recorded = Files.readString(dir.resolve(DataDirSettings.FILE_NAME));
        for (String line : new String[] {"node-id=2", "cluster-id=prod", "members=1,2,3,4,5", "f=2", "shards=" + c.shards(),
                "buckets=" + c.buckets()}) {
            assertTrue(recorded.lines().anyMatch(line::equals), line + " in\n" + recorded);
        }
        assertEquals(DataDirSettings.Outcome.MATCHED, DataDirSettings.check(c));
        // hosts and ports may change: a member can move
        assertEquals(DataDirSettings.Outcome.MATCHED, DataDirSettings.check(config(2, 2, 5, 30000)));
    }

    @Test
    void aHandEditOfFOnANodeHoldingDataIsRefusedWithTheSettingNamed() {
        DataDirSettings.check(config(2, 2, 5, 20000));
        DataDirSettings.MismatchException e = assertThrows(DataDirSettings.MismatchException.class,
                () -> DataDirSettings.check(config(2, 1, 5, 20000)));
        assertTrue(e.getMessage().contains("f: 1 in the config, 2 in the data directory"), e.getMessage());
        assertTrue(e.getMessage().contains("Put the setting back in the config"), e.getMessage());

        e = assertThrows(DataDirSettings.MismatchException.class, () -> DataDirSettings.check(config(2, 1, 3, 20000)));
        assertTrue(e.getMessage().contains("members: 1,2,3 in the config, 1,2,3,4,5 in the data directory")
                && e.getMessage().contains("f: 1 in the config, 2 in the data directory"), e.getMessage());
        e = assertThrows(DataDirSettings.MismatchException.class, () -> DataDirSettings.check(config(3, 2, 5, 20000)));
        assertTrue(e.getMessage().contains("node-id: 3 in the config, 2 in the data directory"), e.getMessage());
    }

    @Test
    void aDirectoryWithDataFromAnEarlierVersionAdoptsTheConfigsSettings() throws Exception {
        Files.createDirectories(dir.resolve("shard-0"));
        assertEquals(DataDirSettings.Outcome.ADOPTED, DataDirSettings.check(config(1, 1, 3, 20000)));
        assertEquals(DataDirSettings.Outcome.MATCHED, DataDirSettings.check(config(1, 1, 3, 20000)));
        assertThrows(DataDirSettings.MismatchException.class, () -> DataDirSettings.check(config(1, 1, 5, 20000)));
    }

    @Test
    void anUnreadableRecordIsRefusedAndKept() throws Exception {
        Path file = dir.resolve(DataDirSettings.FILE_NAME);
        Files.writeString(file, "f=\\u12\n"); // a malformed escape: Properties.load rejects it
        DataDirSettings.MismatchException e = assertThrows(DataDirSettings.MismatchException.class,
                () -> DataDirSettings.check(config(1, 1, 3, 20000)));
        assertTrue(e.getMessage().startsWith("cannot read " + file), e.getMessage());
        assertEquals("f=\\u12\n", Files.readString(file), "the record is not overwritten");
    }

    /** `tempokv server` on a data directory of another f exits 78 (a config error: systemd does not restart it). */
    @Test
    void theServerCommandExitsWithTheConfigErrorCode() throws Exception {
        DataDirSettings.check(config(1, 2, 5, 20000));
        int[] ports = io.tempokv.verify.cluster.LocalCluster.freePorts(15);
        StringBuilder yaml = new StringBuilder("node-id: 1\ncluster-id: prod\ndata-dir: " + dir + "\nf: 1\nlisten: 127.0.0.1\nmembers:\n");
        for (int i = 1; i <= 5; i++) {
            yaml.append("  - {id: ").append(i).append(", host: 127.0.0.1, client: ").append(ports[3 * i - 3]).append(", peer: ")
                    .append(ports[3 * i - 2]).append(", http: ").append(ports[3 * i - 1]).append("}\n");
        }
        Path file = Files.writeString(dir.resolveSibling(dir.getFileName() + ".yaml"), yaml);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(new String[] {"server", "--config", file.toString()}, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(Main.EXIT_CONFIG, exit, e);
        assertTrue(e.contains("node 1 does not start") && e.contains("f: 1 in the config, 2 in the data directory"), e);
        try (var entries = Files.list(dir)) {
            assertEquals(1, entries.count(), "no store was opened or created");
        }
    }
}
