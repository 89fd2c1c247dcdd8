package io.tempokv.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.core.CommandId;
import java.nio.file.Path;
import java.util.List;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.EnvironmentImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Removed commands must free disk: a replica garbage-collects executed commands forever, so a log
 * that only grew would fill any disk. Xodus frees space by copying the live part of sparse log
 * files forward and deleting them. Both tests put and remove 50,000 command records in batches of
 * 100 (each batch removes the previous one), so at most 200 are live while about 5.3 MB of log is
 * written, 128 KB files. One relies on the background cleaner as a node does; the other forces
 * full cleaner passes, which gives a tight, deterministic bound. They cannot share a store: Xodus's
 * test-only full pass races the background cleaner over the same files.
 */
class XodusStoreDiskTest {
    private static final int BATCHES = 500;
    private static final int BATCH = 100;
    private static final int FILE_KB = 128;
    private static final long FILE_BYTES = FILE_KB * 1024L;
    /**
     * The background cleaner against a writer that never pauses (about 5 MB/s here, 40 files a
     * second): it leaves the gcFileMinAge (2) newest files and the file being written, and a
     * cleaned file lives on for the deletion delay plus up to one run period (100 ms, about 4 files
     * at that rate), so about 7 files plus however far the cleaner thread falls behind; 16 allows
     * it to lag that much again. Seen: 0.6 to 1.5 MB.
     */
    private static final long BACKGROUND_BOUND = 16 * FILE_BYTES;
    /**
     * Once the writer stops, the cleaner catches up to the 3 files it never touches (the one being
     * written and the gcFileMinAge newest), plus one for a cleaned file awaiting deletion.
     */
    private static final long IDLE_BOUND = 4 * FILE_BYTES;
    /**
     * A full cleaner pass cleans every file but the one being written, copying the live data (at
     * most 2 batches of records, about 20 KB, and the tree pages above them) to the end of the
     * log, where it may roll into one new file: 2 files, plus one of slack.
     */
    private static final long CLEANED_BOUND = 3 * FILE_BYTES;

    @TempDir
    Path dir;

    @Test
    void backgroundCleanerKeepsTheDirectoryBounded() throws InterruptedException {
        // The node's settings, scaled down: small files, and a cleaner that starts at once, runs
        // often and deletes cleaned files soon.
        EnvironmentConfig config = XodusStore.nodeConfig().setLogFileSize(FILE_KB).setGcStartIn(0).setGcRunPeriod(50).setGcFilesDeletionDelay(50);
        try (XodusStore s = XodusStore.open(dir, config)) {
            long peak = 0;
            for (int b = 0; b < BATCHES; b++) {
                writeBatchRemovingPrevious(s, b);
                long size = Fixtures.directorySize(dir);
                assertTrue(size <= BACKGROUND_BOUND, "after batch " + b + " the directory holds " + size + " bytes > " + BACKGROUND_BOUND);
                peak = Math.max(peak, size);
            }
            removeBatch(s, BATCHES - 1);
            s.commitBatch();
            long written = logBytesWritten(s);
            long idle = waitForBackgroundGc(s, IDLE_BOUND);
            System.out.printf("XodusStoreDiskTest, background cleaner: log bytes written %d; directory peak %d; after the writer stopped %d%n", written, peak, idle);
            assertTrue(written > 2 * BACKGROUND_BOUND, "workload too small to test reclamation: " + written + " bytes written");
            assertTrue(idle <= IDLE_BOUND, "background GC left " + idle + " bytes > " + IDLE_BOUND + " after the writer stopped");
        }
        assertReopensEmpty(config);
    }

    @Test
    void fullCleanerPassLeavesOnlyTheLiveData() {
        // No background cleaner, so the forced passes are alone; a cleaned file waits for the
        // explicit deletion below (a delay of 0 would delete it inside the pass, which then stops
        // with "There is no file by address").
        EnvironmentConfig config = XodusStore.nodeConfig().setLogFileSize(FILE_KB).setGcEnabled(false).setGcFilesDeletionDelay(600_000);
        try (XodusStore s = XodusStore.open(dir, config)) {
            EnvironmentImpl env = (EnvironmentImpl) s.environment();
            long worstBefore = 0;
            long worstAfter = 0;
            for (int b = 0; b < BATCHES; b++) {
                writeBatchRemovingPrevious(s, b);
                if (b % 50 == 49) {
                    worstBefore = Math.max(worstBefore, Fixtures.directorySize(dir));
                    long cleaned = forceCleaning(env);
                    assertTrue(cleaned <= CLEANED_BOUND, "after batch " + b + " and a cleaner pass: " + cleaned + " bytes > " + CLEANED_BOUND);
                    worstAfter = Math.max(worstAfter, cleaned);
                }
            }
            System.out.printf("XodusStoreDiskTest, forced passes every 50 batches: log bytes written %d; largest directory before a pass %d, after %d%n",
                    logBytesWritten(s), worstBefore, worstAfter);
            assertTrue(worstBefore > CLEANED_BOUND, "too little written between passes to test them: " + worstBefore);
            removeBatch(s, BATCHES - 1);
            s.commitBatch();
        }
        assertReopensEmpty(config);
    }

    private void assertReopensEmpty(EnvironmentConfig config) {
        try (XodusStore s = XodusStore.open(dir, config)) {
            assertEquals(List.of(), s.load().commands());
        }
    }

    private static void writeBatchRemovingPrevious(XodusStore s, int b) {
        for (int i = 1; i <= BATCH; i++) {
            s.putCommand(Fixtures.withPayload(1, (long) b * BATCH + i));
        }
        if (b > 0) {
            removeBatch(s, b - 1);
        }
        s.commitBatch();
    }

    private static void removeBatch(XodusStore s, int b) {
        for (int i = 1; i <= BATCH; i++) {
            s.removeCommand(new CommandId(1, (long) b * BATCH + i));
        }
    }

    private static long logBytesWritten(XodusStore s) {
        return ((EnvironmentImpl) s.environment()).getLog().getHighAddress();
    }

    /** Runs Xodus's full cleaner pass now and deletes the files it freed; returns the size after. */
    private long forceCleaning(EnvironmentImpl env) {
        env.getGC().cleanEntireLog();
        env.getGC().testDeletePendingFiles();
        return Fixtures.directorySize(dir);
    }

    /** Lets the background cleaner work while the writer is idle, as a node between bursts; up to 30 s. */
    private long waitForBackgroundGc(XodusStore s, long target) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long size = Fixtures.directorySize(dir);
        while (size > target && System.nanoTime() < deadline) {
            s.environment().gc();
            Thread.sleep(100);
            size = Fixtures.directorySize(dir);
        }
        return size;
    }
}
