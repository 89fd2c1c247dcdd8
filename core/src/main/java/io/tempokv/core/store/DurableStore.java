package io.tempokv.core.store;

import io.tempokv.core.CommandId;

/**
 * Where a replica hands the state that must survive a crash. The replica calls these during a step
 * and releases the step's messages only afterwards; the host makes the step's writes durable (for
 * example one fsynced transaction) before it sends those messages. A crash keeps exactly what was
 * handed here.
 */
public interface DurableStore {
    void putCommand(CommandRecord record);

    void removeCommand(CommandId id);

    void putClock(int bucket, long clock);

    /** The next command sequence number this replica may use (ids never repeat after a restart). */
    void putNextSequence(long next);

    void putExecuted(int origin, DurableState.ExecutedSnapshot executed);

    /**
     * Every command of this origin up to this sequence number is collected here (docs/protocol.md,
     * D5). Must survive a crash: summaries sent after a restart still omit those commands.
     */
    void putCollected(int origin, long watermark);

    /** Key-value data, written by the executor in the step that executes a command. */
    String getValue(String key);

    void putValue(String key, String value);

    void deleteValue(String key);

    /**
     * The last request of a client applied in a clock bucket. Sessions are per bucket because only
     * the order within a bucket is the same at every replica, so only per-bucket state gives every
     * replica the same answer to "was this request applied already?".
     */
    ClientSession getSession(int bucket, long client);

    /** Stores (or replaces) a session; the store keeps {@link #sessionCount} and {@link #lowestSession} in step. */
    void putSession(int bucket, long client, ClientSession session);

    /** Removes a session (D12: the bucket holds more than its limit); no-op when there is none. */
    void deleteSession(int bucket, long client);

    /** How many sessions the bucket holds. */
    int sessionCount(int bucket);

    /** The bucket's session with the lowest sequence number (ties: lowest client id), or null when it holds none. */
    SessionRef lowestSession(int bucket);

    /** A client and the sequence number of its session, for {@link #lowestSession}. */
    record SessionRef(long client, long seq) {
    }

    /**
     * The highest sequence number of a session dropped from the bucket (D12), 0 when none was: a
     * request at or below it from a client without a session there may have been applied before.
     */
    long sessionHorizon(int bucket);

    void putSessionHorizon(int bucket, long horizon);

    /** Every bucket's horizon that is above 0 (for a snapshot, D12). */
    void forEachSessionHorizon(java.util.function.BiConsumer<Integer, Long> visitor);

    /** A client session as stored, for {@link #forEachSession}. */
    interface SessionVisitor {
        void visit(int bucket, long client, ClientSession session);
    }

    /** Every key-value pair of this replica, in no particular order (for a snapshot, D8). */
    void forEachValue(java.util.function.BiConsumer<String, String> visitor);

    /** Every client session of this replica (for a snapshot, D8). */
    void forEachSession(SessionVisitor visitor);

    /** Remove every key-value pair, client session and session horizon (before installing a snapshot, D8). */
    void clearData();

    /**
     * Marks the data as being replaced by a snapshot that has not fully arrived (D8b), or no longer.
     * While marked, the key-value pairs and sessions are incomplete: a replica that restarts with the
     * mark set executes nothing until it has installed a whole snapshot.
     */
    void putInstalling(boolean installing);

    /**
     * A read-only view of the key-value pairs and sessions as they are at the end of the current
     * step, this step's writes included, unaffected by any later write (D8b: a donor sends a
     * snapshot in parts over many steps). It may be read from the next step on, and must be closed.
     */
    SnapshotView openSnapshotView();

    /** A consistent view for a snapshot donor; see {@link #openSnapshotView()}. */
    interface SnapshotView extends AutoCloseable {
        /**
         * Key-value pairs in the store's key order, from the first key after {@code after} (from the
         * first of all when null), until the visitor returns false or none are left.
         */
        void values(String after, PageVisitor<String> visitor);

        /**
         * Sessions in (bucket, client) order, from the first after ({@code afterBucket},
         * {@code afterClient}) (from the first of all when afterBucket is negative), until the visitor
         * returns false or none are left.
         */
        void sessions(int afterBucket, long afterClient, SessionPageVisitor visitor);

        @Override
        void close();
    }

    /** One key and value of a page; returns false to stop. */
    interface PageVisitor<V> {
        boolean visit(String key, V value);
    }

    /** One session of a page; returns false to stop. */
    interface SessionPageVisitor {
        boolean visit(int bucket, long client, ClientSession session);
    }

    DurableState load();
}
