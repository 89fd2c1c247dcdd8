package io.tempokv.core.message;

import io.tempokv.core.store.ClientSession;
import java.util.List;

/**
 * The donor's executed state of the shard at the end of one of its steps (docs/protocol.md, D8): the
 * ids it has executed per origin, its clock per bucket, every key-value pair, every client session
 * and each bucket's session horizon (D12). A replica that installs it has the state of a replica that executed exactly those ids.
 *
 * <p>Sent part by part, each of bounded size and all sharing the donor's random {@code id} (D8b): part
 * 0 carries the executed ids, clocks and horizons; parts 1, 2, ... slices of the data and then of the
 * sessions, in key order, each sent when the receiver asks for it ({@link MSnapshotRequest}), the
 * final one marked {@code last}. The receiver finishes installing only after the last part.
 */
public record MSnapshot(List<MExecuted.OriginExecuted> executed, List<BucketClock> clocks, List<Entry> data,
                        List<Session> sessions, List<BucketClock> horizons, long id, int part, boolean last) implements Message {
    public MSnapshot {
        executed = List.copyOf(executed);
        clocks = List.copyOf(clocks);
        data = List.copyOf(data);
        sessions = List.copyOf(sessions);
        horizons = List.copyOf(horizons);
    }

    /** Part 0: what the donor executed, its clocks and session horizons. */
    public static MSnapshot header(List<MExecuted.OriginExecuted> executed, List<BucketClock> clocks, List<BucketClock> horizons, long id) {
        return new MSnapshot(executed, clocks, List.of(), List.of(), horizons, id, 0, false);
    }

    /** Part 1 or later: a slice of the data and sessions. */
    public static MSnapshot slice(List<Entry> data, List<Session> sessions, long id, int part, boolean last) {
        return new MSnapshot(List.of(), List.of(), data, sessions, List.of(), id, part, last);
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
