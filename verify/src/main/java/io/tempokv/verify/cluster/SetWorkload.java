package io.tempokv.verify.cluster;

import io.tempokv.check.Model;
import io.tempokv.check.Op;
import io.tempokv.check.SetModel;
import io.tempokv.client.CasResult;
import io.tempokv.client.TempoClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Jepsen's set workload on independent keys: {@code :add x} of unique integers and {@code :read}
 * of the whole set, checked against {@link SetModel}. tempokv has no scans, so a set is one
 * register holding a comma-separated list; an add reads it and compare-and-sets the extended list,
 * retrying on a lost race. The add is :ok only when its cas applied, :fail when no attempt can
 * have applied, and :info as soon as one cas attempt's outcome is unknown.
 */
public final class SetWorkload extends KeyedWorkload {
    private static final int MAX_ATTEMPTS = 20;
    private final AtomicLong elements = new AtomicLong();

    public SetWorkload(History history, Generator generator) {
        super(history, generator);
    }

    @Override
    public String name() {
        return "set";
    }

    @Override
    public Model model() {
        return new SetModel();
    }

    @Override
    protected boolean operate(TempoClient c, long p, long key, SplittableRandom rng) {
        return rng.nextInt(4) == 0 ? read(c, p, key) : add(c, p, key, elements.incrementAndGet());
    }

    @Override
    protected boolean read(TempoClient c, long p, long key) {
        long t0 = history.invoke(p, "read", key, null);
        try {
            List<Long> set = parse(c.get("s" + key).get());
            history.complete(p, Op.Type.OK, "read", key, set, t0);
            return true;
        } catch (Exception e) {
            return failed(p, "read", key, null, e, t0);
        }
    }

    private boolean add(TempoClient c, long p, long key, long x) {
        long t0 = history.invoke(p, "add", key, x);
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<String> current;
            try {
                current = c.get("s" + key).get();
            } catch (Exception e) {
                // only reads and unapplied cas attempts so far: the add surely did not happen
                history.complete(p, Op.Type.FAIL, "add", key, x, t0);
                return true;
            }
            String next = current.map(s -> s + "," + x).orElse(Long.toString(x));
            try {
                CasResult r = c.cas("s" + key, current.orElse(null), next).get();
                if (r.applied()) {
                    history.complete(p, Op.Type.OK, "add", key, x, t0);
                    return true;
                }
            } catch (Exception e) {
                return failed(p, "add", key, x, e, t0);
            }
        }
        history.complete(p, Op.Type.FAIL, "add", key, x, t0);
        return true;
    }

    private static List<Long> parse(Optional<String> stored) {
        List<Long> out = new ArrayList<>();
        if (stored.isPresent() && !stored.get().isEmpty()) {
            for (String part : stored.get().split(",")) {
                out.add(Long.parseLong(part));
            }
        }
        return out;
    }
}
