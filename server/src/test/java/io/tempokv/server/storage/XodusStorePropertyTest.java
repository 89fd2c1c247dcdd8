package io.tempokv.server.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tempokv.core.CommandId;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.DurableStore;
import io.tempokv.core.store.InMemoryStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * XodusStore must behave like InMemoryStore, the store the simulator verified the protocol with,
 * except that only committed batches survive a crash. Random operations go to both; the model is
 * an InMemoryStore rebuilt from the committed operations whenever a batch is aborted or the store
 * crashes, so "what survives" is checked as well as "what is read back".
 */
class XodusStorePropertyTest {
    private static final int SEEDS = 30;
    private static final int OPS = 400;
    private static final int BUCKETS = 4;
    private static final int CLIENTS = 3;

    @TempDir
    Path dir;

    @Test
    void behavesLikeInMemoryStoreAcrossCommitsAbortsAndCrashes() {
        for (int seed = 1; seed <= SEEDS; seed++) {
            new Run(seed, dir.resolve("seed-" + seed)).run();
        }
    }

    private static final class Run {
        private final int seed;
        private final Path dir;
        private final Random random;
        private final List<Consumer<DurableStore>> committed = new ArrayList<>();
        private final List<Consumer<DurableStore>> pending = new ArrayList<>();
        private InMemoryStore model = new InMemoryStore();
        private XodusStore store;
        private int step;

        Run(int seed, Path dir) {
            this.seed = seed;
            this.dir = dir;
            this.random = new Random(seed);
        }

        void run() {
            store = XodusStore.open(dir);
            try {
                for (step = 0; step < OPS; step++) {
                    randomStep();
                }
                commit();
                crash();
                compareEverything();
            } finally {
                store.close();
            }
        }

        private void randomStep() {
            int roll = random.nextInt(100);
            if (roll < 65) {
                write(randomWrite());
            } else if (roll < 85) {
                compareReads();
            } else if (roll < 95) {
                commit();
            } else if (roll < 98) {
                abort();
            } else {
                crash();
            }
        }

        private Consumer<DurableStore> randomWrite() {
            Random r = random;
            if (r.nextInt(50) == 0) {
                return DurableStore::clearData;
            }
            switch (r.nextInt(11)) {
                case 0: {
                    var record = Fixtures.randomCommand(r);
                    return s -> s.putCommand(record);
                }
                case 1: {
                    CommandId id = new CommandId(1 + r.nextInt(3), 1 + r.nextInt(20));
                    return s -> s.removeCommand(id);
                }
                case 2: {
                    int bucket = r.nextInt(BUCKETS);
                    long clock = r.nextInt(1_000_000);
                    return s -> s.putClock(bucket, clock);
                }
                case 3: {
                    long next = 1 + r.nextInt(1000);
                    return s -> s.putNextSequence(next);
                }
                case 4: {
                    int origin = 1 + r.nextInt(3);
                    var snapshot = Fixtures.randomExecuted(r);
                    return s -> s.putExecuted(origin, snapshot);
                }
                case 5: {
                    String key = Fixtures.randomKey(r);
                    String value = Fixtures.randomValue(r);
                    return s -> s.putValue(key, value);
                }
                case 6: {
                    String key = Fixtures.randomKey(r);
                    return s -> s.deleteValue(key);
                }
                case 7: {
                    int origin = 1 + r.nextInt(3);
                    long watermark = r.nextInt(1000);
                    return s -> s.putCollected(origin, watermark);
                }
                case 8: {
                    int bucket = r.nextInt(BUCKETS);
                    long client = 1 + r.nextInt(CLIENTS);
                    return s -> s.deleteSession(bucket, client);
                }
                case 9: {
                    int bucket = r.nextInt(BUCKETS);
                    long horizon = r.nextInt(1000);
                    return s -> s.putSessionHorizon(bucket, horizon);
                }
                default: {
                    int bucket = r.nextInt(BUCKETS);
                    long client = 1 + r.nextInt(CLIENTS);
                    var session = Fixtures.randomSession(r);
                    return s -> s.putSession(bucket, client, session);
                }
            }
        }

        private void write(Consumer<DurableStore> op) {
            op.accept(store);
            op.accept(model);
            pending.add(op);
        }

        private void compareReads() {
            String key = Fixtures.randomKey(random);
            assertEquals(model.getValue(key), store.getValue(key), () -> where("getValue " + key));
            int bucket = random.nextInt(BUCKETS);
            long client = 1 + random.nextInt(CLIENTS);
            assertEquals(model.getSession(bucket, client), store.getSession(bucket, client), () -> where("getSession"));
            compareSessionIndex(bucket, "in the batch");
            assertEquals(values(model), values(store), () -> where("forEachValue in the batch"));
            assertEquals(sessions(model), sessions(store), () -> where("forEachSession in the batch"));
        }

        private void commit() {
            store.commitBatch();
            committed.addAll(pending);
            pending.clear();
            assertEquals(model.load(), store.load(), () -> where("load after commit"));
        }

        private void abort() {
            store.abortBatch();
            forgetPending();
            compareEverything();
        }

        /** Close without committing and reopen: what a process crash leaves on disk. */
        private void crash() {
            store.close();
            store = XodusStore.open(dir);
            forgetPending();
            compareEverything();
        }

        private void forgetPending() {
            pending.clear();
            model = new InMemoryStore();
            committed.forEach(op -> op.accept(model));
        }

        private void compareEverything() {
            assertEquals(model.load(), store.load(), () -> where("load"));
            assertEquals(model.valuesView(), store.valuesView(), () -> where("values"));
            assertEquals(values(model), values(store), () -> where("forEachValue"));
            assertEquals(sessions(model), sessions(store), () -> where("forEachSession"));
            for (int bucket = 0; bucket < BUCKETS; bucket++) {
                for (long client = 1; client <= CLIENTS; client++) {
                    assertEquals(model.getSession(bucket, client), store.getSession(bucket, client), where("session " + client + "@" + bucket));
                }
                compareSessionIndex(bucket, "");
            }
        }

        /** D12's per-bucket count, horizon and lowest session (XodusStore keeps count and horizon cached). */
        private void compareSessionIndex(int bucket, String when) {
            assertEquals(model.sessionCount(bucket), store.sessionCount(bucket), () -> where("sessionCount of " + bucket + " " + when));
            assertEquals(model.sessionHorizon(bucket), store.sessionHorizon(bucket), () -> where("sessionHorizon of " + bucket + " " + when));
            assertEquals(model.lowestSession(bucket), store.lowestSession(bucket), () -> where("lowestSession of " + bucket + " " + when));
        }

        private static Map<String, String> values(DurableStore s) {
            Map<String, String> out = new HashMap<>();
            s.forEachValue((k, v) -> assertNull(out.put(k, v), "key visited twice: " + k));
            return out;
        }

        private static Map<String, ClientSession> sessions(DurableStore s) {
            Map<String, ClientSession> out = new HashMap<>();
            s.forEachSession((bucket, client, session) -> assertNull(out.put(client + "@" + bucket, session),
                    "session visited twice: " + client + "@" + bucket));
            return out;
        }

        private String where(String what) {
            return "seed " + seed + ", step " + step + ": " + what;
        }
    }
}
