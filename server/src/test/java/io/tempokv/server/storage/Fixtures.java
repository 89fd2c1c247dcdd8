package io.tempokv.server.storage;

import io.tempokv.core.Ballot;
import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Command;
import io.tempokv.core.CommandId;
import io.tempokv.core.Op;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Records for the storage tests: fixed ones for readable assertions, random ones for properties. */
final class Fixtures {
    private Fixtures() {
    }

    static CommandRecord withPayload(int origin, long seq) {
        CommandId id = new CommandId(origin, seq);
        Command payload = new Command(id, new ClientRequestId(7, seq), List.of(Op.put("k" + seq, "v" + seq), Op.get("x")), List.of(0, 2));
        return new CommandRecord(id, payload, List.of(1, 2, 3), origin, Phase.COMMIT, 42, new Ballot(1, 2), new Ballot(1, 2), 40, 42);
    }

    static CommandRecord withoutPayload(int origin, long seq) {
        return new CommandRecord(new CommandId(origin, seq), null, List.of(), 0, Phase.START, 0, Ballot.ZERO, Ballot.ZERO, 0, 0);
    }

    static ClientSession session(long seq, String value) {
        return new ClientSession(seq, List.of(new OpResult(true, value), OpResult.OK, new OpResult(false, null)));
    }

    static CommandRecord randomCommand(Random r) {
        CommandId id = new CommandId(1 + r.nextInt(3), 1 + r.nextInt(20));
        Command payload = r.nextBoolean() ? null : randomPayload(r, id);
        List<Integer> quorum = payload == null ? List.of() : List.of(1, 2 + r.nextInt(3));
        Phase phase = Phase.values()[r.nextInt(Phase.values().length)];
        Ballot bal = new Ballot(r.nextInt(3), r.nextInt(4));
        Ballot abal = new Ballot(r.nextInt(3), r.nextInt(4));
        return new CommandRecord(id, payload, quorum, r.nextInt(4), phase, r.nextInt(1000), bal, abal, r.nextInt(1000), r.nextLong() & Long.MAX_VALUE);
    }

    private static Command randomPayload(Random r, CommandId id) {
        List<Op> ops = new ArrayList<>();
        int n = 1 + r.nextInt(3);
        for (int i = 0; i < n; i++) {
            ops.add(randomOp(r));
        }
        return new Command(id, new ClientRequestId(1 + r.nextInt(5), 1 + r.nextInt(100)), ops, r.nextBoolean() ? List.of(0) : List.of(0, 3));
    }

    private static Op randomOp(Random r) {
        String key = randomKey(r);
        switch (r.nextInt(4)) {
            case 0: return Op.get(key);
            case 1: return Op.put(key, randomValue(r));
            case 2: return Op.delete(key);
            default: return Op.cas(key, r.nextBoolean() ? null : randomValue(r), randomValue(r));
        }
    }

    static DurableState.ExecutedSnapshot randomExecuted(Random r) {
        long watermark = r.nextInt(100);
        List<Long> above = new ArrayList<>();
        for (int i = r.nextInt(4); i > 0; i--) {
            above.add(watermark + 2 + r.nextInt(50));
        }
        return new DurableState.ExecutedSnapshot(watermark, above);
    }

    static ClientSession randomSession(Random r) {
        List<OpResult> results = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            results.add(new OpResult(r.nextBoolean(), r.nextBoolean() ? null : randomValue(r)));
        }
        return new ClientSession(1 + r.nextInt(100), results);
    }

    /** Few distinct keys so that overwrites and deletes hit existing entries; one is not ASCII. */
    static String randomKey(Random r) {
        String[] keys = {"a", "b", "c", "key/with/slashes", "ключ", ""};
        return keys[r.nextInt(keys.length)];
    }

    static String randomValue(Random r) {
        String[] values = {"", "1", "hello", "värde", "x".repeat(300)};
        return values[r.nextInt(values.length)] + (r.nextBoolean() ? "" : Integer.toString(r.nextInt(1000)));
    }

    /**
     * Bytes of the files in dir (Xodus keeps its log files and lock file flat in one directory).
     * Lists without reading attributes, because the GC deletes files while we count.
     */
    static long directorySize(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(Fixtures::size).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            // Xodus's GC may delete a file between listing and sizing it: it no longer counts.
            return 0;
        }
    }
}
