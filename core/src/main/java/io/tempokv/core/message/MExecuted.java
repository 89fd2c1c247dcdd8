package io.tempokv.core.message;

import java.util.List;

/**
 * Periodic garbage-collection summary: per command origin, the ids the sender has executed
 * (all sequence numbers up to watermark, plus the listed ones above it). Cumulative.
 */
public record MExecuted(List<OriginExecuted> origins) implements Message {
    public MExecuted {
        origins = List.copyOf(origins);
    }

    /** Executed ids of one origin. */
    public record OriginExecuted(int origin, long watermark, List<Long> above) {
        public OriginExecuted {
            above = List.copyOf(above);
        }
    }
}
