package io.tempokv.core.message;

import io.tempokv.core.CommandId;
import java.util.List;

/**
 * Periodic promise summary of the sender, per clock bucket: its clock there (every value up to it is
 * promised) and the values among them that are attached to commands not yet collected. Cumulative,
 * so a lost or reordered summary is repaired by the next one.
 */
public record MPromises(List<BucketPromises> buckets) implements Message {
    public MPromises {
        buckets = List.copyOf(buckets);
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
}
