package io.tempokv.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.CommandId;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.core.store.DurableStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class XodusStoreTest {
    @TempDir
    Path dir;

    private static final DurableState.ExecutedSnapshot EXECUTED_1 = new DurableState.ExecutedSnapshot(10, List.of(12L, 15L));
    private static final DurableState.ExecutedSnapshot EXECUTED_2 = new DurableState.ExecutedSnapshot(0, List.of());

    @Test
    void everyCommittedWriteIsReadBackAfterReopen() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putCommand(Fixtures.withPayload(2, 5));
            s.putCommand(Fixtures.withoutPayload(1, 3_000_000_000L));
            s.putCommand(Fixtures.withPayload(1, 7));
            s.putClock(0, 17);
            s.putClock(4095, Long.MAX_VALUE);
            s.putNextSequence(99);
            s.putExecuted(1, EXECUTED_1);
            s.putExecuted(2, EXECUTED_2);
            s.putValue("kept", "värde");
            s.putValue("empty", "");
            s.putValue("gone", "soon");
            s.deleteValue("gone");
            s.putSession(0, 7, Fixtures.session(3, "a"));
            s.putSession(1, 7, Fixtures.session(4, null));
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            DurableState expected = new DurableState(Map.of(0, 17L, 4095, Long.MAX_VALUE), 99,
                    List.of(Fixtures.withPayload(1, 7), Fixtures.withoutPayload(1, 3_000_000_000L), Fixtures.withPayload(2, 5)),
                    Map.of(1, EXECUTED_1, 2, EXECUTED_2));
            assertEquals(expected, s.load());
            assertEquals(Map.of("kept", "värde", "empty", ""), s.valuesView());
            assertEquals("värde", s.getValue("kept"));
            assertEquals("", s.getValue("empty"));
            assertNull(s.getValue("gone"));
            assertEquals(Fixtures.session(3, "a"), s.getSession(0, 7));
            assertEquals(Fixtures.session(4, null), s.getSession(1, 7));
            assertNull(s.getSession(2, 7));
            assertNull(s.getSession(0, 8));
        }
    }

    @Test
    void freshStoreLoadsEmptyStateWithFirstSequence() {
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(new DurableState(Map.of(), 1, List.of(), Map.of()), s.load());
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(new DurableState(Map.of(), 1, List.of(), Map.of()), s.load());
        }
    }

    @Test
    void laterWritesOverwriteEarlierOnes() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putCommand(Fixtures.withoutPayload(1, 1));
            s.putClock(3, 5);
            s.putNextSequence(2);
            s.commitBatch();
            s.putCommand(Fixtures.withPayload(1, 1));
            s.putClock(3, 9);
            s.putNextSequence(3);
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(new DurableState(Map.of(3, 9L), 3, List.of(Fixtures.withPayload(1, 1)), Map.of()), s.load());
        }
    }

    @Test
    void batchNeverCommittedIsGoneAfterReopen() {
        DurableState committed;
        try (XodusStore s = XodusStore.open(dir)) {
            s.putCommand(Fixtures.withPayload(1, 1));
            s.putValue("k", "committed");
            s.commitBatch();
            committed = s.load();
            writeEverything(s);
            // close without commitBatch: what a crash between a step and its fsync leaves behind
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(committed, s.load());
            assertEquals(Map.of("k", "committed"), s.valuesView());
            assertNull(s.getSession(0, 1));
        }
    }

    @Test
    void abortedBatchIsGoneAndLaterBatchesStillCommit() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("k", "committed");
            s.commitBatch();
            writeEverything(s);
            s.abortBatch();
            assertEquals("committed", s.getValue("k"));
            s.putValue("after", "abort");
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(new DurableState(Map.of(), 1, List.of(), Map.of()), s.load());
            assertEquals(Map.of("k", "committed", "after", "abort"), s.valuesView());
            assertNull(s.getSession(0, 1));
        }
    }

    @Test
    void readsInsideABatchSeeTheBatchsWrites() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("old", "1");
            s.commitBatch();
            s.putValue("new", "2");
            s.putValue("old", "changed");
            s.putSession(5, 9, Fixtures.session(1, "x"));
            assertEquals("2", s.getValue("new"));
            assertEquals("changed", s.getValue("old"));
            assertEquals(Fixtures.session(1, "x"), s.getSession(5, 9));
            s.deleteValue("old");
            assertNull(s.getValue("old"));
            assertEquals(Map.of("new", "2"), s.valuesView());
            s.abortBatch();
            assertEquals("1", s.getValue("old"));
            assertNull(s.getValue("new"));
            assertNull(s.getSession(5, 9));
        }
    }

    @Test
    void removedCommandIsGoneAfterReopen() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putCommand(Fixtures.withPayload(1, 1));
            s.putCommand(Fixtures.withPayload(1, 2));
            s.commitBatch();
            s.removeCommand(new CommandId(1, 1));
            s.removeCommand(new CommandId(3, 3)); // absent: removing it is a no-op
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(List.of(Fixtures.withPayload(1, 2)), s.load().commands());
        }
    }

    @Test
    void commandsLoadInIdOrder() {
        List<CommandRecord> sorted = List.of(Fixtures.withoutPayload(1, 1), Fixtures.withoutPayload(1, 256), Fixtures.withoutPayload(1, Long.MAX_VALUE),
                Fixtures.withoutPayload(2, 1), Fixtures.withoutPayload(300, 2), Fixtures.withoutPayload(Integer.MAX_VALUE, 1));
        try (XodusStore s = XodusStore.open(dir)) {
            for (int i = sorted.size() - 1; i >= 0; i--) {
                s.putCommand(sorted.get(i));
            }
            s.commitBatch();
            assertEquals(sorted, s.load().commands());
        }
    }

    @Test
    void commitReportsItsDurationAndAnEmptyBatchCostsNothing() {
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(0, s.commitBatch());
            s.getValue("reads do not open a batch");
            assertEquals(0, s.commitBatch());
            s.putValue("k", "v");
            assertTrue(s.commitBatch() > 0);
            assertEquals(0, s.commitBatch());
        }
    }

    @Test
    void loadWithAnOpenBatchIsRejected() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putClock(1, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, s::load);
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    @Test
    void unknownFormatVersionFailsNamingTheDirectory() {
        XodusStore.open(dir).close();
        writeRawMeta(dir, XodusStore.FORMAT_KEY, new byte[] {0, 0, 0, 99});
        StorageException e = assertThrows(StorageException.class, () -> XodusStore.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("version 99"), e.getMessage());
        assertTrue(e.getMessage().contains("reads version " + XodusStore.FORMAT_VERSION), e.getMessage());
        // The failed open released the directory: writing the right marker back makes it usable.
        writeRawMeta(dir, XodusStore.FORMAT_KEY, new byte[] {0, 0, 0, XodusStore.FORMAT_VERSION});
        XodusStore.open(dir).close();
    }

    /** D16: a directory of format 1 (no sessionless commands) opens with its data and is marked 2, which a format-1 build refuses. */
    @Test
    void formatOneDirectoryIsReadAndMarkedTwo() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("k", "v");
            s.putNextSequence(7);
            s.commitBatch();
        }
        writeRawMeta(dir, XodusStore.FORMAT_KEY, new byte[] {0, 0, 0, 1});
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals("v", s.getValue("k"));
            assertEquals(7, s.load().nextSequence());
        }
        assertEquals(2, XodusStore.FORMAT_VERSION);
        assertEquals(XodusStore.FORMAT_VERSION, readRawMetaInt(dir, XodusStore.FORMAT_KEY));
    }

    @Test
    void sessionsReadBackAsLastWrittenWhateverTheirSizeAndNumber() {
        ClientSession large = Fixtures.session(2, "x".repeat(1000));
        int many = 10_000; // sessions of many clients, read back after others were written in between
        try (XodusStore s = XodusStore.open(dir)) {
            s.putSession(0, 1, Fixtures.session(1, "a"));
            s.putSession(0, 1, large);
            assertEquals(large, s.getSession(0, 1));
            for (int c = 0; c < many; c++) {
                s.putSession(1, c, Fixtures.session(c, null));
            }
            s.commitBatch();
            for (int c = 0; c < many; c++) {
                assertEquals(Fixtures.session(c, null), s.getSession(1, c));
            }
            assertEquals(large, s.getSession(0, 1));
            assertEquals(many, s.sessionCount(1));
            s.deleteSession(1, 5);
            s.putSession(1, 6, Fixtures.session(60, "b"));
            assertNull(s.getSession(1, 5));
            assertEquals(Fixtures.session(60, "b"), s.getSession(1, 6));
            s.abortBatch();
            assertEquals(Fixtures.session(5, null), s.getSession(1, 5));
            assertEquals(Fixtures.session(6, null), s.getSession(1, 6));
            assertNull(s.getSession(2, 5));
        }
    }

    /** Every store XodusStore keeps; a directory of format 2 written before Patricia stores had them all as B-trees. */
    private static final List<String> STORE_NAMES = List.of("commands", "clocks", XodusStore.META, "executed", "values", "sessions",
            "collected", "session-order", "session-meta");

    @Test
    void newDirectoryKeepsEveryStoreAsPatriciaTree() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("k", "v");
            s.commitBatch();
        }
        assertEquals(Map.of(true, STORE_NAMES), storesByPrefixing(dir));
    }

    @Test
    void directoryWithBTreeStoresIsReadAndWrittenAndKeepsThem() {
        Environment env = Environments.newInstance(dir.toFile());
        env.executeInTransaction(txn -> {
            for (String name : STORE_NAMES) {
                env.openStore(name, StoreConfig.WITHOUT_DUPLICATES, txn);
            }
            env.openStore(XodusStore.META, StoreConfig.USE_EXISTING, txn).put(txn, Keys.utf8(XodusStore.FORMAT_KEY), Keys.ofInt(2));
            env.openStore("values", StoreConfig.USE_EXISTING, txn).put(txn, Keys.utf8("old"), Keys.utf8("value"));
        });
        env.close();
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals("value", s.getValue("old"));
            s.putValue("new", "value 2");
            s.putCommand(Fixtures.withPayload(1, 7));
            s.putSession(0, 7, Fixtures.session(3, "a"));
            s.putSession(0, 8, Fixtures.session(1, null));
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of("old", "value", "new", "value 2"), s.valuesView());
            assertEquals(List.of(Fixtures.withPayload(1, 7)), s.load().commands());
            assertEquals(Fixtures.session(3, "a"), s.getSession(0, 7));
            assertEquals(2, s.sessionCount(0));
        }
        assertEquals(Map.of(false, STORE_NAMES), storesByPrefixing(dir));
    }

    /** The stores of a directory by whether Xodus keeps them as Patricia trees (prefixing) or B-trees. */
    private static Map<Boolean, List<String>> storesByPrefixing(Path dir) {
        Environment env = Environments.newInstance(dir.toFile());
        try {
            return env.computeInReadonlyTransaction(txn -> {
                Map<Boolean, List<String>> out = new HashMap<>();
                for (String name : STORE_NAMES) {
                    boolean prefixing = env.openStore(name, StoreConfig.USE_EXISTING, txn).getConfig().prefixing;
                    out.computeIfAbsent(prefixing, b -> new ArrayList<>()).add(name);
                }
                return out;
            });
        } finally {
            env.close();
        }
    }

    @Test
    void foreignXodusDirectoryFailsNamingTheDirectory() {
        Environment env = Environments.newInstance(dir.toFile());
        env.executeInTransaction(txn -> env.openStore("somebody-else", StoreConfig.WITHOUT_DUPLICATES, txn).put(txn, Keys.utf8("a"), Keys.utf8("b")));
        env.close();
        StorageException e = assertThrows(StorageException.class, () -> XodusStore.open(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("format marker"), e.getMessage());
    }

    @Test
    void secondOpenOfTheSameDirectoryFailsNamingIt() {
        try (XodusStore first = XodusStore.open(dir)) {
            StorageException e = assertThrows(StorageException.class, () -> XodusStore.open(dir));
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            first.putValue("still", "usable");
            first.commitBatch();
        }
    }

    @Test
    void undecodableRecordFailsNamingTheDirectoryAndDiscardsTheBatch() {
        XodusStore.open(dir).close();
        writeRaw(dir, "sessions", Keys.session(0, 1), new byte[] {(byte) 0xff, 1, 2});
        writeRaw(dir, "commands", Keys.command(new CommandId(1, 1)), new byte[] {(byte) 0xff, 1, 2});
        try (XodusStore s = XodusStore.open(dir)) {
            StorageException load = assertThrows(StorageException.class, s::load);
            assertTrue(load.getMessage().contains(dir.toString()) && load.getMessage().contains("command 1.1"), load.getMessage());
            s.putValue("k", "in the failed batch");
            StorageException read = assertThrows(StorageException.class, () -> s.getSession(0, 1));
            assertTrue(read.getMessage().contains(dir.toString()) && read.getMessage().contains("client 1 in bucket 0"), read.getMessage());
            assertNull(s.getValue("k"));
            assertEquals(0, s.commitBatch());
        }
    }

    @Test
    void collectedWatermarksSurviveReopenAndTheLastWriteWins() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putCollected(1, 5);
            s.putCollected(2, 0);
            s.putCollected(Integer.MAX_VALUE, Long.MAX_VALUE);
            s.commitBatch();
            s.putCollected(1, 9);
            s.commitBatch();
            s.putCollected(2, 100); // never committed
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of(1, 9L, 2, 0L, Integer.MAX_VALUE, Long.MAX_VALUE), s.load().collected());
        }
    }

    /** A directory written before the "collected" store existed opens as one that collected nothing. */
    @Test
    void directoryWithoutCollectedStoreOpensWithNone() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putClock(1, 3);
            s.putCollected(1, 4);
            s.commitBatch();
        }
        Environment env = Environments.newInstance(dir.toFile());
        try {
            env.executeInTransaction(txn -> env.removeStore("collected", txn));
            boolean exists = env.computeInReadonlyTransaction(txn -> env.storeExists("collected", txn));
            assertFalse(exists);
        } finally {
            env.close();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(new DurableState(Map.of(1, 3L), 1, List.of(), Map.of()), s.load());
            s.putCollected(3, 7);
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of(3, 7L), s.load().collected());
        }
    }

    @Test
    void forEachVisitsCommittedAndBatchedValuesAndSessions() {
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of(), values(s));
            assertEquals(Map.of(), sessions(s));
            s.putValue("a", "1");
            s.putValue("ключ", "");
            s.putSession(0, 7, Fixtures.session(3, "a"));
            s.putSession(Integer.MAX_VALUE, Long.MAX_VALUE, Fixtures.session(1, null));
            s.commitBatch();
            s.putValue("b", "2");
            s.deleteValue("a");
            s.putSession(1, 7, Fixtures.session(4, "b"));
            // inside the batch: its writes are seen
            assertEquals(Map.of("ключ", "", "b", "2"), values(s));
            assertEquals(Map.of("7@0", Fixtures.session(3, "a"), Long.MAX_VALUE + "@" + Integer.MAX_VALUE, Fixtures.session(1, null),
                    "7@1", Fixtures.session(4, "b")), sessions(s));
            s.abortBatch();
            assertEquals(Map.of("a", "1", "ключ", ""), values(s));
            assertEquals(Map.of("7@0", Fixtures.session(3, "a"), Long.MAX_VALUE + "@" + Integer.MAX_VALUE, Fixtures.session(1, null)),
                    sessions(s));
        }
    }

    /** D12: per bucket, the count, the lowest (seq, client) and the horizon follow every put and delete, and survive a reopen. */
    @Test
    void sessionOrderCountAndHorizonFollowWritesAndSurviveReopen() {
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(0, s.sessionCount(3));
            assertNull(s.lowestSession(3));
            s.putSession(3, 7, Fixtures.session(50, "a"));
            s.putSession(3, 8, Fixtures.session(40, "b"));
            s.putSession(3, 9, Fixtures.session(40, "c"));
            s.putSession(4, 1, Fixtures.session(1, "other bucket"));
            assertEquals(3, s.sessionCount(3));
            assertEquals(new io.tempokv.core.store.DurableStore.SessionRef(8, 40), s.lowestSession(3));
            // replacing a session moves it in the order without counting it twice
            s.putSession(3, 8, Fixtures.session(60, "b2"));
            assertEquals(3, s.sessionCount(3));
            assertEquals(new io.tempokv.core.store.DurableStore.SessionRef(9, 40), s.lowestSession(3));
            s.deleteSession(3, 9);
            s.deleteSession(3, 9);
            s.putSessionHorizon(3, 40);
            s.commitBatch();
            // an aborted delete changes nothing
            s.deleteSession(3, 7);
            assertEquals(1, s.sessionCount(3));
            s.abortBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(2, s.sessionCount(3));
            assertEquals(new io.tempokv.core.store.DurableStore.SessionRef(7, 50), s.lowestSession(3));
            assertEquals(40, s.sessionHorizon(3));
            assertEquals(0, s.sessionHorizon(4));
            assertEquals(new io.tempokv.core.store.DurableStore.SessionRef(1, 1), s.lowestSession(4));
            assertNull(s.lowestSession(5));
            Map<Integer, Long> horizons = new HashMap<>();
            s.forEachSessionHorizon(horizons::put);
            assertEquals(Map.of(3, 40L), horizons);
            s.clearData();
            s.commitBatch();
            assertEquals(0, s.sessionCount(3));
            assertEquals(0, s.sessionHorizon(3));
            assertNull(s.lowestSession(4));
        }
    }

    /** A directory written before D12 has sessions but no order: it is built on open. */
    @Test
    void sessionsOfAnOlderDirectoryAreIndexedOnOpen() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putSession(2, 7, Fixtures.session(9, "a"));
            s.putSession(2, 5, Fixtures.session(12, "b"));
            s.putSession(6, 5, Fixtures.session(3, "c"));
            s.commitBatch();
        }
        Environment env = Environments.newInstance(dir.toFile());
        try {
            env.executeInExclusiveTransaction(txn -> {
                env.removeStore("session-order", txn);
                env.removeStore("session-meta", txn);
            });
        } finally {
            env.close();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(2, s.sessionCount(2));
            assertEquals(1, s.sessionCount(6));
            assertEquals(new io.tempokv.core.store.DurableStore.SessionRef(7, 9), s.lowestSession(2));
            assertEquals(0, s.sessionHorizon(2));
            assertEquals(Fixtures.session(12, "b"), s.getSession(2, 5));
        }
    }

    @Test
    void clearDataRemovesValuesAndSessionsOnlyAndSurvivesReopen() {
        DurableState before;
        try (XodusStore s = XodusStore.open(dir)) {
            writeEverything(s);
            s.putCollected(1, 3);
            s.commitBatch();
            before = s.load();
            s.clearData();
            assertNull(s.getValue("k"));
            assertNull(s.getSession(0, 1));
            assertEquals(Map.of(), values(s));
            assertEquals(Map.of(), sessions(s));
            // installing a snapshot: clear, then write its data, all in one batch
            s.putValue("from", "snapshot");
            s.putSession(2, 9, Fixtures.session(5, "s"));
            s.commitBatch();
            assertEquals(before, s.load());
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(before, s.load());
            assertEquals(Map.of("from", "snapshot"), s.valuesView());
            assertEquals(Map.of("9@2", Fixtures.session(5, "s")), sessions(s));
            assertNull(s.getSession(0, 1));
        }
    }

    @Test
    void clearDataInAnAbortedOrUncommittedBatchLeavesDataIntact() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("k", "v");
            s.putSession(0, 1, Fixtures.session(1, "x"));
            s.commitBatch();
            s.clearData();
            s.putValue("other", "w");
            s.abortBatch();
            assertEquals(Map.of("k", "v"), s.valuesView());
            assertEquals(Fixtures.session(1, "x"), s.getSession(0, 1));
            s.clearData();
            // close without commitBatch: a crash before the batch's fsync
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of("k", "v"), s.valuesView());
            assertEquals(Map.of("1@0", Fixtures.session(1, "x")), sessions(s));
        }
    }

    /** D8b: a donor's view shows the data as of the end of the step that opened it, whatever comes later. */
    @Test
    void snapshotViewShowsTheStepItWasOpenedInAndNothingLater() {
        try (XodusStore s = XodusStore.open(dir)) {
            for (int i = 0; i < 10; i++) {
                s.putValue("k" + i, "old" + i);
            }
            s.putSession(2, 5, Fixtures.session(3, "a"));
            s.commitBatch();
            s.putValue("k3", "in-the-step");
            s.putSession(1, 9, Fixtures.session(4, null));
            DurableStore.SnapshotView v = s.openSnapshotView();
            IllegalStateException early = assertThrows(IllegalStateException.class, () -> v.values(null, (k, val) -> true));
            assertTrue(early.getMessage().contains("in the step that opened it"), early.getMessage());
            s.commitBatch();
            s.putValue("k3", "later");
            s.putValue("k99", "later");
            s.deleteValue("k0");
            s.deleteSession(2, 5);
            s.commitBatch();

            Map<String, String> seen = new java.util.LinkedHashMap<>();
            v.values(null, (k, val) -> seen.put(k, val) == null);
            assertEquals(10, seen.size(), "the view: " + seen);
            assertEquals("in-the-step", seen.get("k3"));
            assertEquals("old0", seen.get("k0"));
            assertEquals(List.of("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"), List.copyOf(seen.keySet()));
            List<String> page = new java.util.ArrayList<>();
            v.values("k4", (k, val) -> page.add(k) && page.size() < 3);
            assertEquals(List.of("k5", "k6", "k7"), page, "a page starts after the given key and stops when told");
            List<String> sessions = new java.util.ArrayList<>();
            v.sessions(-1, 0, (b, c, session) -> sessions.add(b + "/" + c + "/" + session.seq()));
            assertEquals(List.of("1/9/4", "2/5/3"), sessions, "sessions in (bucket, client) order, as of the view");
            sessions.clear();
            v.sessions(1, 9, (b, c, session) -> sessions.add(b + "/" + c));
            assertEquals(List.of("2/5"), sessions);
            assertEquals(1, s.openViews());
            v.close();
            v.close();
            assertEquals(0, s.openViews());
            assertThrows(IllegalStateException.class, () -> v.values(null, (k, val) -> true));
            assertEquals("later", s.getValue("k3"), "the store itself moved on");
        }
    }

    @Test
    void viewOpenedInAnAbortedBatchIsRefusedAndCloseEndsOpenViews() {
        try (XodusStore s = XodusStore.open(dir)) {
            s.putValue("a", "1");
            DurableStore.SnapshotView orphan = s.openSnapshotView();
            s.abortBatch();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> orphan.values(null, (k, v) -> true));
            assertTrue(e.getMessage().contains("aborted"), e.getMessage());
            orphan.close();
            s.putValue("b", "2");
            s.commitBatch();
            DurableStore.SnapshotView open = s.openSnapshotView();
            List<String> keys = new java.util.ArrayList<>();
            open.values(null, (k, v) -> keys.add(k));
            assertEquals(List.of("b"), keys, "opened with no batch: readable at once");
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertEquals(Map.of("b", "2"), s.valuesView(), "closing the store with a view open closed it cleanly");
        }
    }

    /** D8b: the mark that a snapshot is half installed survives a crash (and is gone once it is cleared). */
    @Test
    void installingMarkSurvivesReopenUntilCleared() {
        try (XodusStore s = XodusStore.open(dir)) {
            assertFalse(s.load().installing());
            s.putInstalling(true);
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertTrue(s.load().installing());
            s.putInstalling(false);
            s.commitBatch();
        }
        try (XodusStore s = XodusStore.open(dir)) {
            assertFalse(s.load().installing());
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseIsRejected() {
        XodusStore s = XodusStore.open(dir);
        s.putValue("k", "v");
        s.close();
        s.close();
        assertThrows(IllegalStateException.class, () -> s.getValue("k"));
        assertThrows(IllegalStateException.class, () -> s.putValue("k", "v"));
    }

    private static void writeEverything(XodusStore s) {
        s.putCommand(Fixtures.withPayload(3, 3));
        s.removeCommand(new CommandId(1, 1));
        s.putClock(1, 100);
        s.putNextSequence(50);
        s.putExecuted(1, EXECUTED_1);
        s.putValue("k", "uncommitted");
        s.putValue("other", "uncommitted");
        s.putSession(0, 1, Fixtures.session(1, "uncommitted"));
    }

    private static Map<String, String> values(XodusStore s) {
        Map<String, String> out = new HashMap<>();
        s.forEachValue((k, v) -> assertNull(out.put(k, v), "key visited twice: " + k));
        return out;
    }

    /** Sessions by "client@bucket". */
    private static Map<String, ClientSession> sessions(XodusStore s) {
        Map<String, ClientSession> out = new HashMap<>();
        s.forEachSession((bucket, client, session) -> assertNull(out.put(client + "@" + bucket, session)));
        return out;
    }

    /** Writes a meta entry with plain Xodus, as a different tempokv build would have. */
    private static void writeRawMeta(Path dir, String key, byte[] value) {
        writeRaw(dir, XodusStore.META, Keys.utf8(key), value);
    }

    private static int readRawMetaInt(Path dir, String key) {
        Environment env = Environments.newInstance(dir.toFile());
        try {
            return env.computeInReadonlyTransaction(txn -> {
                ByteIterable v = env.openStore(XodusStore.META, StoreConfig.USE_EXISTING, txn).get(txn, Keys.utf8(key));
                return v == null ? -1 : Keys.toInt(v);
            });
        } finally {
            env.close();
        }
    }

    private static void writeRaw(Path dir, String storeName, ByteIterable key, byte[] value) {
        Environment env = Environments.newInstance(dir.toFile());
        try {
            env.executeInTransaction(txn -> {
                Store store = env.openStore(storeName, StoreConfig.USE_EXISTING, txn);
                store.put(txn, key, Keys.of(value));
            });
        } finally {
            env.close();
        }
    }
}
