package io.tempokv.core.message;

import io.tempokv.core.CommandId;
import java.util.List;

/**
 * Periodic promise summary of the sender, per clock bucket: its clock there (every value up to it is
 * promised) and the values among them that are attached to commands not yet collected. Cumulative,
 * so a lost or reordered summary is repaired by the next one.
 *
 * <p>{@code collected} names, per command origin, the sequence number up to which the sender has
 * collected every command of that origin (docs/protocol.md, D5): attached promises of those commands
 * are no longer listed. A receiver that has not executed all of them cannot tell detached from
 * omitted values, so it must not use this summary (it catches up by a snapshot instead, D8).
 */
public record MPromises(List<BucketPromises> buckets, List<Collected> collected) implements Message {
    public MPromises {
        buckets = List.copyOf(buckets);
        collected = List.copyOf(collected);
    }

    /** A summary that claims no collection horizon (tests, single-member shards). */
    public MPromises(List<BucketPromises> buckets) {
        this(buckets, List.of());
    }

    /** Promises of one bucket. */
    public record BucketPromises(int bucket, long clock, List<Attached> attached) {
        public BucketPromises {
            attached = List.copyOf(attached);
        }
    }

    /** An attached promise: value is the sender's proposal for command id. */
    public record Attached(long value, CommandId id) {
    }

    /** Every command of origin with a sequence number up to watermark is collected at the sender. */
    public record Collected(int origin, long watermark) {
    }
}
