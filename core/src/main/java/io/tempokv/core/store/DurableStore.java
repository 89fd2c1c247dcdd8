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

    void putSession(int bucket, long client, ClientSession session);

    DurableState load();
}
