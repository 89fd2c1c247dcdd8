package io.tempokv.core.message;

import io.tempokv.core.store.ClientSession;
import java.util.List;

/**
 * The donor's executed state of the shard at the end of one of its steps (docs/protocol.md, D8): the
 * ids it has executed per origin, its clock per bucket, every key-value pair, every client session
 * and each bucket's session horizon (D12). A replica that installs it has the state of a replica that executed exactly those ids.
 *
 * <p>Sent in {@code parts} messages of bounded size that share the donor's random {@code id}: part 0
 * carries the executed ids, clocks and horizons, every part a slice of the data and sessions. The receiver
 * installs only a complete set.
 */
public record MSnapshot(List<MExecuted.OriginExecuted> executed, List<BucketClock> clocks, List<Entry> data,
                        List<Session> sessions, List<BucketClock> horizons, long id, int part, int parts) implements Message {
    public MSnapshot {
        executed = List.copyOf(executed);
        clocks = List.copyOf(clocks);
        data = List.copyOf(data);
        sessions = List.copyOf(sessions);
        horizons = List.copyOf(horizons);
    }

    /** A snapshot in one part. */
    public MSnapshot(List<MExecuted.OriginExecuted> executed, List<BucketClock> clocks, List<Entry> data, List<Session> sessions,
                     List<BucketClock> horizons) {
        this(executed, clocks, data, sessions, horizons, 0, 0, 1);
    }

    /** A number per bucket: the donor's clock there, or its session horizon (D12). */
    public record BucketClock(int bucket, long clock) {
    }

    /** One key and its value. */
    public record Entry(String key, String value) {
    }

    /** The last applied request of a client in a bucket. */
    public record Session(int bucket, long client, ClientSession session) {
    }
}
