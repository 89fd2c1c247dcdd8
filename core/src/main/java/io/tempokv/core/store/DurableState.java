package io.tempokv.core.store;

import java.util.List;
import java.util.Map;

/** What a replica reads back from its store when it restarts. */
public record DurableState(Map<Integer, Long> clocks, long nextSequence, List<CommandRecord> commands,
                           Map<Integer, ExecutedSnapshot> executed, Map<Integer, Long> collected, boolean installing) {
    public DurableState {
        clocks = Map.copyOf(clocks);
        commands = List.copyOf(commands);
        executed = Map.copyOf(executed);
        collected = Map.copyOf(collected);
    }

    /** A state whose data is complete (no snapshot being installed, D8b). */
    public DurableState(Map<Integer, Long> clocks, long nextSequence, List<CommandRecord> commands,
                        Map<Integer, ExecutedSnapshot> executed, Map<Integer, Long> collected) {
        this(clocks, nextSequence, commands, executed, collected, false);
    }

    /** A state with no collection watermarks (nothing collected yet, or a store from before D5). */
    public DurableState(Map<Integer, Long> clocks, long nextSequence, List<CommandRecord> commands,
                        Map<Integer, ExecutedSnapshot> executed) {
        this(clocks, nextSequence, commands, executed, Map.of());
    }

    /** Ids of one origin executed here: every sequence up to watermark, plus those listed above it. */
    public record ExecutedSnapshot(long watermark, List<Long> above) {
        public ExecutedSnapshot {
            above = List.copyOf(above);
        }
    }
}
