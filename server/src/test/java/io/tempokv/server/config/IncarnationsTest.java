package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/protocol.md D14: the record of which data directory each member runs on survives restarts. */
class IncarnationsTest {
    @TempDir
    Path dir;

    @Test
    void aNewDirectoryDrawsAnIncarnationThatItKeepsWithWhatItRecorded() {
        Incarnations first = Incarnations.open(dir, 2, true);
        assertEquals(32, first.own().length(), first.own());
        assertFalse(first.confirmed(), "a new directory waits for its peers");
        assertTrue(first.record(1, "aa"));
        assertFalse(first.record(1, "bb"), "a recorded incarnation is never replaced");
        first.confirm();

        Incarnations again = Incarnations.open(dir, 2, false);
        assertEquals(first.own(), again.own());
        assertTrue(again.confirmed());
        assertEquals("aa", again.recorded(1));
        assertNull(again.recorded(3));
        assertEquals(Map.of(1, "aa", 2, first.own()), again.known());

        Path other = dir.resolve("other");
        assertNotEquals(first.own(), Incarnations.open(mkdir(other), 2, true).own(), "another directory, another incarnation");
    }

    @Test
    void aDirectoryWithDataFromAnEarlierBuildIsConfirmedAtOnce() {
        assertTrue(Incarnations.open(dir, 1, false).confirmed());
    }

    @Test
    void aRecordWithoutThisNodesEntryIsRefusedNamingTheFile() throws Exception {
        Files.writeString(dir.resolve(Incarnations.FILE_NAME), "confirmed=true\nnode.1=aa\n");
        DataDirSettings.MismatchException e = assertThrows(DataDirSettings.MismatchException.class, () -> Incarnations.open(dir, 2, false));
        assertTrue(e.getMessage().contains(Incarnations.FILE_NAME) && e.getMessage().contains("no entry node.2"), e.getMessage());
        Files.writeString(dir.resolve(Incarnations.FILE_NAME), "node.2=aa\nnode.x=bb\n");
        e = assertThrows(DataDirSettings.MismatchException.class, () -> Incarnations.open(dir, 2, false));
        assertTrue(e.getMessage().contains("'node.x' is not node.<node id>"), e.getMessage());
    }

    private static Path mkdir(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
