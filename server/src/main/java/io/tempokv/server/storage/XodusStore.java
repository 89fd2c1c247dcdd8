package io.tempokv.server.storage;

import io.tempokv.core.CommandId;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.core.store.DurableStore;
import io.tempokv.wire.RecordCodec;
import io.tempokv.wire.WireFormatException;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import jetbrains.exodus.ByteIterable;
import jetbrains.exodus.ExodusException;
import jetbrains.exodus.OutOfDiskSpaceException;
import jetbrains.exodus.env.Cursor;
import jetbrains.exodus.env.Environment;
import jetbrains.exodus.env.EnvironmentConfig;
import jetbrains.exodus.env.Environments;
import jetbrains.exodus.env.Store;
import jetbrains.exodus.env.StoreConfig;
import jetbrains.exodus.env.Transaction;
import jetbrains.exodus.env.TransactionalComputable;
import jetbrains.exodus.log.DataCorruptionException;

/**
 * A replica's {@link DurableStore} kept in one Xodus environment (one directory per shard replica),
 * with group commit: every write goes into the current batch, one write transaction begun at the
 * first write, and {@link #commitBatch()} commits it with a single fsync. The node sends the
 * messages of the steps in a batch only after commitBatch returns, so a crash (or an aborted batch)
 * loses only writes that nobody was told about.
 *
 * <p>Threading: a store belongs to exactly one thread, the shard's event loop, and every method
 * must be called from it. Xodus ties a write transaction to the thread that began it, and nothing
 * here is locked. Do not interrupt that thread: on Java 17 Xodus cannot make its file channels
 * uninterruptible (unless the JVM runs with --add-opens java.base/sun.nio.ch=ALL-UNNAMED), and an
 * interrupt during I/O closes the channel, failing the store until it is reopened.
 *
 * <p>Failures: every Xodus failure, and every record that cannot be decoded, becomes a
 * {@link StorageException} naming the directory, the operation and what to do. Any call that fails
 * (for whatever reason) aborts the batch in progress first, so a step that handed only part of its
 * writes can never be committed by a later commitBatch.
 */
public final class XodusStore implements DurableStore, AutoCloseable {
    /**
     * Version of the layout below (store names, key and value encodings). Bump on any change that an
     * older or newer build would misread. Not bumped for the "collected" store: a directory written
     * before it existed simply has none, which is what a replica that collected nothing has, and the
     * store is created empty on open. (A build older than it would ignore the store and forget the
     * watermarks, so moving such a directory back to an older build is not supported.) Nor for the
     * "session-order" and "session-meta" stores (D12): a directory without them gets them built from
     * its sessions on open; an older build would not keep them up to date, so that way back is not
     * supported either. 2: stored commands may carry D16's {@code sessionless} flag, which a build
     * of format 1 would ignore (and so execute such a command with sessions, unlike its peers); a
     * directory of format 1 holds no such command and is marked 2 when opened.
     */
    static final int FORMAT_VERSION = 2;
    /**
     * How every store is created: a Patricia tree ("with prefixing"), which keeps keys in its nodes,
     * instead of Xodus's B-tree, whose pages hold only the log addresses of their entries, so that
     * every key compared on the way down is a read from the log (with its cache lookup and
     * decoding). Under a 64-client put load that B-tree search was the largest part of the shard
     * thread's time, and Patricia stores used 25-40% less of it per command (docs/results.md,
     * 2026-12-05). Keys, values and their order are the same in both, so {@link #FORMAT_VERSION}
     * is unchanged: a store a directory already has is opened as what it was created as (Xodus
     * keeps a B-tree store a B-tree when asked for prefixing), only stores created from now on are
     * Patricia trees. A build before this one cannot open a Patricia store (Xodus: "Attempt to open
     * store ... with prefixing = false while it was created with prefixing = true"), so a directory
     * this build created cannot go back to an older build.
     */
    static final StoreConfig STORE = StoreConfig.WITHOUT_DUPLICATES_WITH_PREFIXING;
    /** The earliest format this build opens (and marks as {@link #FORMAT_VERSION}). */
    static final int OLDEST_FORMAT_READ = 1;
    static final String META = "meta";
    static final String FORMAT_KEY = "format-version";
    private static final String NEXT_SEQUENCE_KEY = "next-sequence";
    /** Present (value 1) while a snapshot is being installed and the data is incomplete (D8b). */
    private static final String INSTALLING_KEY = "installing";
    private static final long FIRST_SEQUENCE = 1;

    private final Path dir;
    private final Environment env;
    private final Store commands;
    private final Store clocks;
    private final Store meta;
    private final Store executed;
    private final Store values;
    private final Store sessions;
    private final Store collected;
    /** Per bucket, its sessions by (seq, client), and its session count and horizon (D12). */
    private final Store sessionOrder;
    private final Store sessionMeta;
    /** The open batch, or null: begun lazily so an idle loop iteration costs no transaction. */
    private Transaction batch;
    /**
     * Write-through copies of what the batch (or, with none open, the committed store) holds, so
     * that executing a command does not read them back from Xodus: per bucket its session count and
     * horizon ({count, horizon}; a bucket absent from the map is not known yet), and the session
     * last read or written. Dropped whenever a batch is discarded, so they never hold a write that
     * was not committed.
     */
    private final Map<Integer, long[]> sessionMetaCache = new HashMap<>();
    private SessionKey lastSessionKey;
    private ClientSession lastSession;
    /** Snapshot views not closed yet; those opened while a batch was open begin when it commits. */
    private final List<View> views = new ArrayList<>();
    private boolean closed;

    private XodusStore(Path dir, Environment env, Transaction txn) {
        this.dir = dir;
        this.env = env;
        List<String> existing = env.getAllStoreNames(txn);
        boolean fresh = existing.isEmpty();
        commands = env.openStore("commands", STORE, txn);
        clocks = env.openStore("clocks", STORE, txn);
        meta = env.openStore(META, STORE, txn);
        executed = env.openStore("executed", STORE, txn);
        values = env.openStore("values", STORE, txn);
        sessions = env.openStore("sessions", STORE, txn);
        // Created here when a directory written before it lacks it; see FORMAT_VERSION.
        collected = env.openStore("collected", STORE, txn);
        // Likewise; a directory with sessions but without these gets them built from its sessions.
        sessionOrder = env.openStore("session-order", STORE, txn);
        sessionMeta = env.openStore("session-meta", STORE, txn);
        if (!fresh && !existing.contains("session-order")) {
            indexSessions(txn);
        }
        if (fresh) {
            meta.put(txn, Keys.utf8(FORMAT_KEY), Keys.ofInt(FORMAT_VERSION));
        } else {
            checkFormat(txn);
        }
    }

    /** Opens (creating if needed) the store in dir with the node's settings ({@link #nodeConfig()}). */
    public static XodusStore open(Path dir) {
        return open(dir, nodeConfig());
    }

    /**
     * As {@link #open(Path)}; with {@code fsync == false} commits are not forced to disk (config
     * setting {@code fsync: false}, for tests only: a host crash then loses acknowledged writes).
     */
    public static XodusStore open(Path dir, boolean fsync) {
        return open(dir, nodeConfig().setLogDurableWrite(fsync));
    }

    /** Opens with explicit settings; tests use it to make Xodus's GC act at a small scale. */
    static XodusStore open(Path dir, EnvironmentConfig config) {
        Environment env = openEnvironment(dir, config);
        try {
            return env.computeInExclusiveTransaction(txn -> new XodusStore(dir, env, txn));
        } catch (RuntimeException e) {
            closeAfterFailedOpen(env, e);
            if (e instanceof StorageException) {
                throw e;
            }
            throw openFailure(dir, "opening the stores", e);
        }
    }

    /**
     * The settings a node uses, each stated so that it stays a decision:
     * <ul>
     *   <li>logDurableWrite=true: a commit fsyncs, so commitBatch returning means the batch survives
     *       a power cut (Xodus's default only syncs every 10 s).</li>
     *   <li>logFileSize 8 MB (the Xodus default): the unit in which the GC frees disk. Smaller files
     *       free space sooner but multiply files and directory updates.</li>
     *   <li>gcEnabled, gcMinUtilization 50: a log file whose live data falls under half is copied
     *       forward and deleted, so removed commands and deleted values really free disk; the
     *       directory stays near twice the live data plus the files still being written.</li>
     *   <li>gcFileMinAge 2: the two newest files are left alone (they are still filling up, and
     *       cleaning them would only copy data that is about to die anyway).</li>
     *   <li>gcStartIn 10 s, gcRunPeriod 5 s, gcFilesDeletionDelay 5 s: Xodus's defaults; the cleaner
     *       starts once the node is up and deletes a cleaned file a few seconds later.</li>
     *   <li>gcUseExclusiveTransaction: the cleaner takes the write lock, so it waits for the open
     *       batch (which is also exclusive) instead of making its commit fail.</li>
     *   <li>gcTransactionTimeout 100 ms (Xodus: 500): the cleaner stops taking more files into its
     *       transaction after this, which bounds how long the shard's next batch waits for it.</li>
     *   <li>logLockTimeout 0: a second process opening the same directory fails at once.</li>
     *   <li>memoryUsagePercentage 25: the log cache (shared by all shards of the JVM) takes a quarter
     *       of the heap, not Xodus's default half; the replicas' in-memory state needs the rest.</li>
     * </ul>
     */
    static EnvironmentConfig nodeConfig() {
        return new EnvironmentConfig()
                .setLogDurableWrite(true)
                .setLogFileSize(8 * 1024)
                .setGcEnabled(true)
                .setGcMinUtilization(50)
                .setGcFileMinAge(2)
                .setGcStartIn(10_000)
                .setGcRunPeriod(5_000)
                .setGcFilesDeletionDelay(5_000)
                .setGcUseExclusiveTransaction(true)
                .setGcTransactionTimeout(100)
                .setLogLockTimeout(0)
                .setMemoryUsagePercentage(25);
    }

    public Path directory() {
        return dir;
    }

    /** The underlying environment, for tests that drive Xodus's GC. */
    Environment environment() {
        return env;
    }

    // ---------------------------------------------------------------- writes (into the batch)

    @Override
    public void putCommand(CommandRecord record) {
        write("putCommand", record.id(), txn -> commands.put(txn, Keys.command(record.id()), Keys.of(RecordCodec.encode(record))));
    }

    @Override
    public void removeCommand(CommandId id) {
        write("removeCommand", id, txn -> commands.delete(txn, Keys.command(id)));
    }

    @Override
    public void putClock(int bucket, long clock) {
        write("putClock for bucket", bucket, txn -> clocks.put(txn, Keys.ofInt(bucket), Keys.ofLong(clock)));
    }

    @Override
    public void putNextSequence(long next) {
        write("putNextSequence", next, txn -> meta.put(txn, Keys.utf8(NEXT_SEQUENCE_KEY), Keys.ofLong(next)));
    }

    @Override
    public void putExecuted(int origin, DurableState.ExecutedSnapshot snapshot) {
        write("putExecuted for origin", origin, txn -> executed.put(txn, Keys.ofInt(origin), Keys.of(RecordCodec.encode(snapshot))));
    }

    @Override
    public void putCollected(int origin, long watermark) {
        write("putCollected for origin", origin, txn -> collected.put(txn, Keys.ofInt(origin), Keys.ofLong(watermark)));
    }

    @Override
    public void putValue(String key, String value) {
        write("putValue of key", key, txn -> values.put(txn, Keys.utf8(key), Keys.utf8(value)));
    }

    @Override
    public void deleteValue(String key) {
        write("deleteValue of key", key, txn -> values.delete(txn, Keys.utf8(key)));
    }

    @Override
    public void putSession(int bucket, long client, ClientSession session) {
        SessionKey key = new SessionKey(bucket, client);
        write("putSession", key, txn -> {
            ByteIterable k = Keys.session(bucket, client);
            ClientSession old = key.equals(lastSessionKey) ? lastSession : decodeOrNull(sessions.get(txn, k), key);
            if (old != null) {
                sessionOrder.delete(txn, Keys.sessionOrder(bucket, old.seq(), client));
            } else {
                long[] m = meta(txn, bucket);
                putMeta(txn, bucket, m[0] + 1, m[1]);
            }
            sessions.put(txn, k, Keys.of(RecordCodec.encode(session)));
            sessionOrder.put(txn, Keys.sessionOrder(bucket, session.seq(), client), Keys.ofInt(0));
            lastSessionKey = key;
            lastSession = session;
        });
    }

    @Override
    public void deleteSession(int bucket, long client) {
        SessionKey key = new SessionKey(bucket, client);
        write("deleteSession", key, txn -> {
            ByteIterable k = Keys.session(bucket, client);
            ByteIterable old = sessions.get(txn, k);
            if (old == null) {
                return;
            }
            sessionOrder.delete(txn, Keys.sessionOrder(bucket, decode(old, RecordCodec::decodeSession, key.toString()).seq(), client));
            sessions.delete(txn, k);
            long[] m = meta(txn, bucket);
            putMeta(txn, bucket, m[0] - 1, m[1]);
            if (key.equals(lastSessionKey)) {
                lastSession = null;
            }
        });
    }

    @Override
    public void putSessionHorizon(int bucket, long horizon) {
        write("putSessionHorizon of bucket", bucket, txn -> putMeta(txn, bucket, meta(txn, bucket)[0], horizon));
    }

    private void putMeta(Transaction txn, int bucket, long count, long horizon) {
        if (count == 0 && horizon == 0) {
            sessionMeta.delete(txn, Keys.ofInt(bucket));
        } else {
            sessionMeta.put(txn, Keys.ofInt(bucket), Keys.sessionMeta((int) count, horizon));
        }
        sessionMetaCache.put(bucket, new long[] {count, horizon});
    }

    /** The bucket's {session count, horizon} as txn sees them ({0, 0} when it has neither); from the cache once known. */
    private long[] meta(Transaction txn, int bucket) {
        long[] cached = sessionMetaCache.get(bucket);
        if (cached != null) {
            return cached;
        }
        ByteIterable m = sessionMeta.get(txn, Keys.ofInt(bucket));
        long[] v = m == null ? new long[] {0, 0} : new long[] {Keys.sessionMetaCount(m), Keys.sessionMetaHorizon(m)};
        sessionMetaCache.put(bucket, v);
        return v;
    }

    private long[] cachedMeta(String op, int bucket) {
        long[] cached = sessionMetaCache.get(bucket);
        if (cached != null) {
            checkOpen(op);
            return cached;
        }
        return read(op, bucket, txn -> meta(txn, bucket));
    }

    private ClientSession decodeOrNull(ByteIterable v, SessionKey key) {
        return v == null ? null : decode(v, RecordCodec::decodeSession, key.toString());
    }

    /** Forgets the cached session state: after a discarded batch, or when it is all deleted. */
    private void dropSessionCaches() {
        sessionMetaCache.clear();
        lastSessionKey = null;
        lastSession = null;
    }

    /** Builds the session order and counts of a directory written before they existed (keeps horizons at 0). */
    private void indexSessions(Transaction txn) {
        Map<Integer, Integer> counts = new HashMap<>();
        forEach(sessions, txn, (k, v) -> {
            int bucket = Keys.sessionBucket(k);
            long client = Keys.sessionClient(k);
            long seq = decode(v, RecordCodec::decodeSession, new SessionKey(bucket, client).toString()).seq();
            sessionOrder.put(txn, Keys.sessionOrder(bucket, seq, client), Keys.ofInt(0));
            counts.merge(bucket, 1, Integer::sum);
        });
        counts.forEach((bucket, n) -> putMeta(txn, bucket, n, 0));
    }

    /** Deletes entry by entry in the batch, so an aborted batch (or a crash before commit) keeps them all. */
    @Override
    public void clearData() {
        write("clearData of", "all values and sessions", txn -> {
            deleteAll(values, txn);
            deleteAll(sessions, txn);
            deleteAll(sessionOrder, txn);
            deleteAll(sessionMeta, txn);
            dropSessionCaches();
        });
    }

    @Override
    public void putInstalling(boolean installing) {
        write("putInstalling", installing, txn -> {
            if (installing) {
                meta.put(txn, Keys.utf8(INSTALLING_KEY), Keys.ofInt(1));
            } else {
                meta.delete(txn, Keys.utf8(INSTALLING_KEY));
            }
        });
    }

    // ---------------------------------------------------------------- snapshot views (D8b)

    /**
     * A read-only Xodus transaction: it sees the database as of its start, whatever is committed
     * later. Opened while a batch is open it starts right after that batch commits, so it includes
     * the step's writes and nothing after them (this store has one thread: nothing else writes in
     * between). While it is open Xodus keeps the log files it needs, so a donor closes it when the
     * transfer ends or stalls.
     */
    @Override
    public SnapshotView openSnapshotView() {
        checkOpen("openSnapshotView");
        View v = new View();
        views.add(v);
        if (batch == null) {
            v.begin();
        }
        return v;
    }

    /** How many snapshot views are open (for tests and diagnostics). */
    public int openViews() {
        return views.size();
    }

    private final class View implements SnapshotView {
        private Transaction txn;
        private boolean closed;
        /** Opened in a batch that was aborted: the state it was to show never existed. */
        private boolean orphaned;

        void begin() {
            try {
                txn = env.beginReadonlyTransaction();
            } catch (ExodusException e) {
                throw new StorageException("tempokv storage at " + dir + ": opening a snapshot view failed: " + summary(e) + ". " + advice(dir, e), e);
            }
        }

        private Transaction txn(String op) {
            if (closed) {
                throw new IllegalStateException(op + " on a closed snapshot view of " + dir);
            }
            if (orphaned) {
                throw new IllegalStateException(op + " on a snapshot view of " + dir + " opened in a batch that was aborted: open another");
            }
            if (txn == null) {
                throw new IllegalStateException(op + " on a snapshot view of " + dir + " in the step that opened it: it begins when that step's batch commits");
            }
            return txn;
        }

        @Override
        public void values(String after, PageVisitor<String> visitor) {
            Transaction t = txn("values");
            readView("values after", after, () -> {
                try (Cursor c = values.openCursor(t)) {
                    boolean more = start(c, after == null ? null : Keys.utf8(after));
                    while (more && visitor.visit(Keys.toUtf8(c.getKey()), Keys.toUtf8(c.getValue()))) {
                        more = c.getNext();
                    }
                }
            });
        }

        @Override
        public void sessions(int afterBucket, long afterClient, SessionPageVisitor visitor) {
            Transaction t = txn("sessions");
            readView("sessions after bucket", afterBucket, () -> {
                try (Cursor c = sessions.openCursor(t)) {
                    boolean more = start(c, afterBucket < 0 ? null : Keys.session(afterBucket, afterClient));
                    while (more) {
                        SessionKey key = new SessionKey(Keys.sessionBucket(c.getKey()), Keys.sessionClient(c.getKey()));
                        if (!visitor.visit(key.bucket(), key.client(), decode(c.getValue(), RecordCodec::decodeSession, key.toString()))) {
                            return;
                        }
                        more = c.getNext();
                    }
                }
            });
        }

        /** Positions the cursor on the first key after {@code after} (the first key when null); false if there is none. */
        private boolean start(Cursor c, ByteIterable after) {
            if (after == null) {
                return c.getNext();
            }
            if (c.getSearchKeyRange(after) == null) {
                return false;
            }
            return c.getKey().compareTo(after) != 0 || c.getNext();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            views.remove(this);
            if (txn != null && !txn.isFinished()) {
                txn.abort();
            }
        }
    }

    private void orphanPendingViews() {
        for (View v : views) {
            if (v.txn == null) {
                v.orphaned = true;
            }
        }
    }

    private void readView(String op, Object subject, Runnable body) {
        checkOpen(op);
        try {
            body.run();
        } catch (ExodusException e) {
            throw new StorageException("tempokv storage at " + dir + ": reading a snapshot view (" + op + " " + subject + ") failed: " + summary(e)
                    + ". " + advice(dir, e), e);
        }
    }

    // ---------------------------------------------------------------- reads (see the batch)

    @Override
    public String getValue(String key) {
        return read("getValue of key", key, txn -> {
            ByteIterable v = values.get(txn, Keys.utf8(key));
            return v == null ? null : Keys.toUtf8(v);
        });
    }

    @Override
    public ClientSession getSession(int bucket, long client) {
        SessionKey key = new SessionKey(bucket, client);
        if (key.equals(lastSessionKey)) {
            checkOpen("getSession");
            return lastSession;
        }
        return read("getSession", key, txn -> {
            ClientSession s = decodeOrNull(sessions.get(txn, Keys.session(bucket, client)), key);
            lastSessionKey = key;
            lastSession = s;
            return s;
        });
    }

    @Override
    public int sessionCount(int bucket) {
        return (int) cachedMeta("sessionCount of bucket", bucket)[0];
    }

    @Override
    public long sessionHorizon(int bucket) {
        return cachedMeta("sessionHorizon of bucket", bucket)[1];
    }

    @Override
    public SessionRef lowestSession(int bucket) {
        return read("lowestSession of bucket", bucket, txn -> {
            try (Cursor c = sessionOrder.openCursor(txn)) {
                if (c.getSearchKeyRange(Keys.sessionOrderStart(bucket)) == null) {
                    return null;
                }
                long[] parts = Keys.sessionOrderParts(c.getKey());
                return parts[0] == bucket ? new SessionRef(parts[2], parts[1]) : null;
            }
        });
    }

    @Override
    public void forEachSessionHorizon(BiConsumer<Integer, Long> visitor) {
        read("forEachSessionHorizon", "all buckets", txn -> {
            forEach(sessionMeta, txn, (k, v) -> {
                long h = Keys.sessionMetaHorizon(v);
                if (h > 0) {
                    visitor.accept(Keys.toInt(k), h);
                }
            });
            return null;
        });
    }

    /** Committed pairs and the batch's writes, like {@link #getValue}; the visitor must not write to this store. */
    @Override
    public void forEachValue(BiConsumer<String, String> visitor) {
        read("forEachValue", "all values", txn -> {
            forEach(values, txn, (k, v) -> visitor.accept(Keys.toUtf8(k), Keys.toUtf8(v)));
            return null;
        });
    }

    /** Committed sessions and the batch's writes, like {@link #getSession}; the visitor must not write to this store. */
    @Override
    public void forEachSession(SessionVisitor visitor) {
        read("forEachSession", "all sessions", txn -> {
            forEach(sessions, txn, (k, v) -> {
                SessionKey key = new SessionKey(Keys.sessionBucket(k), Keys.sessionClient(k));
                visitor.visit(key.bucket(), key.client(), decode(v, RecordCodec::decodeSession, key.toString()));
            });
            return null;
        });
    }

    /**
     * Everything a replica restarts from. Reads committed state only, so it must be called with no
     * batch open (right after {@link #open}, or after {@link #commitBatch()}); an open batch is a
     * caller bug and is rejected rather than silently left out.
     */
    @Override
    public DurableState load() {
        if (batch != null) {
            throw new IllegalStateException("load() on " + dir + " with an uncommitted batch: commit or abort it first");
        }
        return read("load", "all stores", txn -> new DurableState(loadClocks(txn), loadNextSequence(txn), loadCommands(txn), loadExecuted(txn),
                loadCollected(txn), meta.get(txn, Keys.utf8(INSTALLING_KEY)) != null));
    }

    /** Every key-value pair, committed or in the batch (for tests and diagnostics; reads it all). */
    public Map<String, String> valuesView() {
        Map<String, String> out = new HashMap<>();
        forEachValue(out::put);
        return out;
    }

    // ---------------------------------------------------------------- batch control

    /**
     * Commits the batch durably (one fsync) and returns how long that took in nanoseconds, for the
     * fsync metric; returns 0 without touching the disk when nothing was written since the last
     * commit. Only after this returns may the node release the batch's messages.
     */
    public long commitBatch() {
        if (batch == null) {
            return 0;
        }
        long start = System.nanoTime();
        boolean committed;
        try {
            committed = batch.commit();
        } catch (ExodusException e) {
            throw batchFailure("commitBatch", null, e);
        }
        if (!committed) {
            // Cannot happen while the batch is exclusive; if it does, the batch is not durable.
            throw batchFailure("commitBatch", null, new ExodusException("Xodus refused the commit: another writer changed the database"));
        }
        batch = null;
        for (View v : views) {
            if (v.txn == null && !v.orphaned) {
                v.begin();
            }
        }
        return System.nanoTime() - start;
    }

    /** Discards the batch: after a restart the store looks as if its writes never happened. */
    public void abortBatch() {
        Transaction b = batch;
        batch = null;
        dropSessionCaches();
        orphanPendingViews();
        if (b != null && !b.isFinished()) {
            try {
                b.abort();
            } catch (ExodusException e) {
                throw batchFailure("abortBatch", null, e);
            }
        }
    }

    /** Aborts any open batch (its writes are lost, as in a crash) and closes the environment. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            for (View v : new ArrayList<>(views)) {
                v.close();
            }
            abortBatch();
        } finally {
            closeEnvironment();
        }
    }

    // ---------------------------------------------------------------- load helpers

    private Map<Integer, Long> loadClocks(Transaction txn) {
        Map<Integer, Long> out = new HashMap<>();
        forEach(clocks, txn, (k, v) -> out.put(Keys.toInt(k), Keys.toLong(v)));
        return out;
    }

    private long loadNextSequence(Transaction txn) {
        ByteIterable v = meta.get(txn, Keys.utf8(NEXT_SEQUENCE_KEY));
        return v == null ? FIRST_SEQUENCE : Keys.toLong(v);
    }

    private List<CommandRecord> loadCommands(Transaction txn) {
        List<CommandRecord> out = new ArrayList<>();
        forEach(commands, txn, (k, v) -> out.add(decode(v, RecordCodec::decodeCommand, "command " + Keys.commandId(k))));
        return out;
    }

    private Map<Integer, DurableState.ExecutedSnapshot> loadExecuted(Transaction txn) {
        Map<Integer, DurableState.ExecutedSnapshot> out = new HashMap<>();
        forEach(executed, txn, (k, v) -> out.put(Keys.toInt(k), decode(v, RecordCodec::decodeExecuted, "executed snapshot of origin " + Keys.toInt(k))));
        return out;
    }

    private Map<Integer, Long> loadCollected(Transaction txn) {
        Map<Integer, Long> out = new HashMap<>();
        forEach(collected, txn, (k, v) -> out.put(Keys.toInt(k), Keys.toLong(v)));
        return out;
    }

    private static void deleteAll(Store store, Transaction txn) {
        try (Cursor c = store.openCursor(txn)) {
            while (c.getNext()) {
                c.deleteCurrent();
            }
        }
    }

    private static void forEach(Store store, Transaction txn, BiConsumer<ByteIterable, ByteIterable> action) {
        try (Cursor c = store.openCursor(txn)) {
            while (c.getNext()) {
                action.accept(c.getKey(), c.getValue());
            }
        }
    }

    // ---------------------------------------------------------------- plumbing

    private interface Decoder<T> {
        T decode(byte[] bytes) throws WireFormatException;
    }

    private <T> T decode(ByteIterable v, Decoder<T> decoder, String what) {
        try {
            return decoder.decode(Keys.bytes(v));
        } catch (WireFormatException e) {
            throw new StorageException("tempokv storage at " + dir + ": the stored " + what + " cannot be decoded (" + e.getMessage()
                    + "). The directory was written by an incompatible tempokv build or is damaged: keep a copy of it and check the disk;"
                    + " this replica cannot restart from it as is.", e);
        }
    }

    private void write(String op, Object subject, Consumer<Transaction> body) {
        checkOpen(op);
        try {
            if (batch == null) {
                // Exclusive: no other writer (Xodus's GC included) can commit while the batch is
                // open, so the batch's commit cannot fail on a version conflict.
                batch = env.beginExclusiveTransaction();
            }
            body.accept(batch);
        } catch (ExodusException e) {
            throw batchFailure(op, subject, e);
        } catch (RuntimeException e) {
            discardBatch(e);
            throw e;
        }
    }

    /** Runs a read in the open batch (so it sees the batch's writes), else in a read-only snapshot. */
    private <T> T read(String op, Object subject, TransactionalComputable<T> body) {
        checkOpen(op);
        try {
            return batch != null ? body.compute(batch) : env.computeInReadonlyTransaction(body);
        } catch (ExodusException e) {
            throw batchFailure(op, subject, e);
        } catch (RuntimeException e) {
            discardBatch(e);
            throw e;
        }
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + " on closed store " + dir);
        }
    }

    private void checkFormat(Transaction txn) {
        ByteIterable v = meta.get(txn, Keys.utf8(FORMAT_KEY));
        if (v == null) {
            throw new StorageException("tempokv storage at " + dir + ": the directory holds an Xodus database without a tempokv format marker,"
                    + " so it is not a shard directory of this node. Point the node at its own data directory, or move this one away.");
        }
        int version = v.getLength() == 4 ? Keys.toInt(v) : -1;
        if (version >= OLDEST_FORMAT_READ && version < FORMAT_VERSION) {
            meta.put(txn, Keys.utf8(FORMAT_KEY), Keys.ofInt(FORMAT_VERSION));
            return;
        }
        if (version != FORMAT_VERSION) {
            throw new StorageException("tempokv storage at " + dir + ": store format version " + version + " is unknown to this build, which reads version "
                    + FORMAT_VERSION + ". Run the tempokv release that wrote the directory (or a newer one that reads it); do not delete it:"
                    + " this replica's promises and accepted commands live there.");
        }
    }

    /** Aborts the batch (so nothing of it is ever committed) and describes the failure. */
    private StorageException batchFailure(String op, Object subject, ExodusException cause) {
        discardBatch(cause);
        String what = subject == null ? op : op + " " + subject;
        return new StorageException("tempokv storage at " + dir + ": " + what + " failed: " + summary(cause) + ". " + advice(dir, cause)
                + " The uncommitted batch was discarded; the node sends a batch's messages only after it commits, so no acknowledged write was lost.", cause);
    }

    /**
     * Whatever failed, the step in progress may have handed only part of its writes: the batch
     * must never be committed after that, so it is aborted here rather than left to the caller.
     */
    private void discardBatch(Throwable failure) {
        Transaction b = batch;
        batch = null;
        dropSessionCaches();
        orphanPendingViews();
        try {
            if (b != null && !b.isFinished()) {
                b.abort();
            }
        } catch (RuntimeException abortFailure) {
            failure.addSuppressed(abortFailure);
        }
    }

    private void closeEnvironment() {
        try {
            env.close();
        } catch (ExodusException e) {
            throw new StorageException("tempokv storage at " + dir + ": closing failed: " + summary(e) + ". " + advice(dir, e)
                    + " Every committed batch is already durable.", e);
        }
    }

    private static Environment openEnvironment(Path dir, EnvironmentConfig config) {
        try {
            File location = dir.toFile();
            return Environments.newInstance(location, config);
        } catch (ExodusException e) {
            throw openFailure(dir, "opening the environment", e);
        }
    }

    private static void closeAfterFailedOpen(Environment env, RuntimeException failure) {
        try {
            env.close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static StorageException openFailure(Path dir, String op, RuntimeException cause) {
        String hint = String.valueOf(cause.getMessage()).contains("lock")
                ? "Another tempokv node (or another shard of this one) has this directory open: stop it, or give each node its own data directory."
                : advice(dir, cause);
        return new StorageException("tempokv storage at " + dir + ": " + op + " failed: " + summary(cause) + ". " + hint, cause);
    }

    /** The cause's type and first line: Xodus puts whole stack traces into some messages. */
    private static String summary(Throwable cause) {
        String message = String.valueOf(cause.getMessage()).strip();
        int eol = message.indexOf('\n');
        String line = eol < 0 ? message : message.substring(0, eol).strip();
        return cause.getClass().getSimpleName() + ": " + (line.endsWith(".") ? line.substring(0, line.length() - 1) : line);
    }

    /** What the operator should do; Xodus sometimes wraps the telling exception, so causes are searched. */
    private static String advice(Path dir, Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof OutOfDiskSpaceException) {
                return "Free disk space on the volume holding " + dir + ", then restart the node.";
            }
            if (t instanceof DataCorruptionException) {
                return "The log in " + dir + " is damaged: keep a copy of the directory, check the disk (dmesg, SMART), and do not restart"
                        + " this replica from it until it is repaired.";
            }
        }
        return "Check the disk holding " + dir + " (free space, permissions, dmesg), then restart the node.";
    }

    /** Names a session in error messages; a record so the text is built only when one is needed. */
    private record SessionKey(int bucket, long client) {
        @Override
        public String toString() {
            return "session of client " + client + " in bucket " + bucket;
        }
    }
}
