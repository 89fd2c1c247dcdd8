package io.tempokv.check;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Generates linearizable cas-register histories by running a sequential register under
 * simulated concurrency, for tests and {@link CheckBench}.
 *
 * <p>Each of {@code processes} client slots repeatedly invokes a random :read, :write or
 * :cas (values 0-4, like Jepsen's register workload), later applies it to the one true
 * register (its linearization point, always inside its invoke/complete window), and later
 * still completes it: :ok, or :fail for a cas whose expected value did not match. With
 * probability {@code infoRate} an op crashes instead: it completes :info either after taking
 * effect, or before, in which case it takes effect later (after the :info) or never. A crashed
 * slot continues under a new process id (old id + processes), as Jepsen does.
 */
public final class RegisterHistories {

    /** A value no generated op writes; {@link #corruptRead} plants it. */
    public static final long NEVER_WRITTEN = 1_000_000L;

    private RegisterHistories() {
    }

    /** A history of {@code operations} invocations and their completions. */
    public static List<Op> generate(long seed, int operations, int processes, double infoRate) {
        return new Simulation(new Random(seed), operations, processes, infoRate).run();
    }

    /**
     * A copy of {@code history} in which one :ok read, chosen with {@code seed} from the
     * middle half of the reads, returns {@link #NEVER_WRITTEN}; no linearization exists.
     */
    public static List<Op> corruptRead(List<Op> history, long seed) {
        List<Integer> reads = new ArrayList<>();
        for (int i = 0; i < history.size(); i++) {
            Op op = history.get(i);
            if (op.type() == Op.Type.OK && op.f().equals("read")) {
                reads.add(i);
            }
        }
        if (reads.isEmpty()) {
            throw new IllegalArgumentException("history has no :ok read to corrupt");
        }
        int from = reads.size() / 4;
        int span = Math.max(1, reads.size() / 2);
        int victim = reads.get(from + new Random(seed).nextInt(span));
        List<Op> copy = new ArrayList<>(history);
        copy.set(victim, history.get(victim).withValue(NEVER_WRITTEN));
        return copy;
    }

    /** An op in flight: what it does, and what happened to it so far. */
    private static final class Flight {
        final Op invoke;
        final boolean crashes;
        boolean applied;
        boolean casFailed;
        Object readValue;

        Flight(Op invoke, boolean crashes) {
            this.invoke = invoke;
            this.crashes = crashes;
        }
    }

    private static final class Simulation {
        private final Random rnd;
        private final int operations;
        private final int processes;
        private final double infoRate;
        private final long[] pid;
        private final Flight[] inFlight;
        private final List<Flight> ghosts = new ArrayList<>();
        private final List<Op> history = new ArrayList<>();
        private Object register;
        private int invoked;
        private int busy;
        private long tick;

        Simulation(Random rnd, int operations, int processes, double infoRate) {
            this.rnd = rnd;
            this.operations = operations;
            this.processes = processes;
            this.infoRate = infoRate;
            this.pid = new long[processes];
            this.inFlight = new Flight[processes];
            for (int i = 0; i < processes; i++) {
                pid[i] = i;
            }
        }

        List<Op> run() {
            while (invoked < operations || busy > 0) {
                tick++;
                maybeApplyGhost();
                advance(rnd.nextInt(processes));
            }
            return history;
        }

        private void advance(int slot) {
            Flight fl = inFlight[slot];
            if (fl == null) {
                if (invoked < operations) {
                    invoke(slot);
                }
            } else if (!fl.applied && fl.crashes && rnd.nextBoolean()) {
                crash(slot, fl);
                if (rnd.nextBoolean()) {
                    ghosts.add(fl);
                }
            } else if (!fl.applied) {
                apply(fl);
            } else if (fl.crashes) {
                crash(slot, fl);
            } else {
                complete(slot, fl);
            }
        }

        private void invoke(int slot) {
            int dice = rnd.nextInt(10);
            String f = dice < 4 ? "read" : dice < 7 ? "write" : "cas";
            Object value = f.equals("read") ? null
                    : f.equals("write") ? (Object) (long) rnd.nextInt(5)
                    : List.of((long) rnd.nextInt(5), (long) rnd.nextInt(5));
            Op op = emit(Op.Type.INVOKE, pid[slot], f, value);
            inFlight[slot] = new Flight(op, rnd.nextDouble() < infoRate);
            invoked++;
            busy++;
        }

        /** The op's linearization point. */
        private void apply(Flight fl) {
            Op op = fl.invoke;
            fl.applied = true;
            switch (op.f()) {
                case "read":
                    fl.readValue = register;
                    break;
                case "write":
                    register = op.value();
                    break;
                default:
                    List<?> en = (List<?>) op.value();
                    if (Objects.equals(register, en.get(0))) {
                        register = en.get(1);
                    } else {
                        fl.casFailed = true;
                    }
            }
        }

        private void complete(int slot, Flight fl) {
            Op op = fl.invoke;
            if (fl.casFailed) {
                emit(Op.Type.FAIL, op.process(), op.f(), op.value());
            } else {
                Object value = op.f().equals("read") ? fl.readValue : op.value();
                emit(Op.Type.OK, op.process(), op.f(), value);
            }
            inFlight[slot] = null;
            busy--;
        }

        private void crash(int slot, Flight fl) {
            emit(Op.Type.INFO, fl.invoke.process(), fl.invoke.f(), fl.invoke.value());
            pid[slot] += processes;
            inFlight[slot] = null;
            busy--;
        }

        /** A crashed op that had not taken effect may still do so, well after its :info. */
        private void maybeApplyGhost() {
            if (!ghosts.isEmpty() && rnd.nextInt(8) == 0) {
                apply(ghosts.remove(rnd.nextInt(ghosts.size())));
            }
        }

        private Op emit(Op.Type type, long process, String f, Object value) {
            Op op = new Op(history.size(), type, process, f, value, tick * 1000);
            history.add(op);
            return op;
        }
    }
}
