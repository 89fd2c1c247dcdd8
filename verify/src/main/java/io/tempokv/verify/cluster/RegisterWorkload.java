package io.tempokv.verify.cluster;

import io.tempokv.check.CasRegister;
import io.tempokv.check.Model;
import io.tempokv.check.Op;
import io.tempokv.client.CasResult;
import io.tempokv.client.TempoClient;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Jepsen's register workload on independent keys: reads, writes and compare-and-sets of small
 * integers (0..4, as Jepsen does, so that a fair share of cas operations apply), checked against
 * {@link CasRegister}.
 */
public final class RegisterWorkload extends KeyedWorkload {
    private static final int VALUES = 5;

    private final String prefix;

    public RegisterWorkload(History history, Generator generator) {
        this(history, generator, "k");
    }

    /**
     * Keys are {@code prefix + n}. Every register starts absent, so two runs against one cluster
     * (whose data outlives a run) need different prefixes.
     */
    public RegisterWorkload(History history, Generator generator, String prefix) {
        super(history, generator);
        this.prefix = prefix;
    }

    @Override
    public String name() {
        return "register";
    }

    @Override
    public Model model() {
        return new CasRegister();
    }

    @Override
    protected boolean operate(TempoClient c, long p, long key, SplittableRandom rng) {
        int dice = rng.nextInt(10);
        if (dice < 4) {
            return read(c, p, key);
        }
        return dice < 8 ? write(c, p, key, rng.nextInt(VALUES)) : cas(c, p, key, rng.nextInt(VALUES), rng.nextInt(VALUES));
    }

    @Override
    protected boolean read(TempoClient c, long p, long key) {
        long t0 = history.invoke(p, "read", key, null);
        try {
            Optional<String> v = c.get(prefix + key).get();
            history.complete(p, Op.Type.OK, "read", key, v.map(Long::parseLong).orElse(null), t0);
            return true;
        } catch (Exception e) {
            return failed(p, "read", key, null, e, t0);
        }
    }

    private boolean write(TempoClient c, long p, long key, long v) {
        long t0 = history.invoke(p, "write", key, v);
        try {
            c.put(prefix + key, Long.toString(v)).get();
            history.complete(p, Op.Type.OK, "write", key, v, t0);
            return true;
        } catch (Exception e) {
            return failed(p, "write", key, v, e, t0);
        }
    }

    private boolean cas(TempoClient c, long p, long key, long expected, long v) {
        List<Long> value = Arrays.asList(expected, v);
        long t0 = history.invoke(p, "cas", key, value);
        try {
            CasResult r = c.cas(prefix + key, Long.toString(expected), Long.toString(v)).get();
            history.complete(p, r.applied() ? Op.Type.OK : Op.Type.FAIL, "cas", key, value, t0);
            return true;
        } catch (Exception e) {
            return failed(p, "cas", key, value, e, t0);
        }
    }
}
