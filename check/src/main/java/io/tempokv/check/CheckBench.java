package io.tempokv.check;

import java.util.List;

/**
 * Times the checker on a generated cas-register history (not a unit test):
 * {@code java -cp ... io.tempokv.check.CheckBench [seed] [operations] [processes] [infoRate]}.
 * Defaults: seed 42, 10,000 operations (20,000 history entries), 20 processes, 5% :info.
 * Also times the same history with one read corrupted, which must come out INVALID.
 */
public final class CheckBench {

    private CheckBench() {
    }

    public static void main(String[] args) {
        long seed = args.length > 0 ? Long.parseLong(args[0]) : 42;
        int operations = args.length > 1 ? Integer.parseInt(args[1]) : 10_000;
        int processes = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        double infoRate = args.length > 3 ? Double.parseDouble(args[3]) : 0.05;

        List<Op> history = RegisterHistories.generate(seed, operations, processes, infoRate);
        long infos = history.stream().filter(op -> op.type() == Op.Type.INFO).count();
        System.out.printf("history: seed %d, %d operations, %d entries, %d processes, %d :info%n",
                seed, operations, history.size(), processes, infos);
        time("valid history", history);
        time("one corrupted read", RegisterHistories.corruptRead(history, seed));
    }

    private static void time(String label, List<Op> history) {
        long start = System.nanoTime();
        CheckResult r = Linearizability.check(new CasRegister(), history, Budget.defaults());
        long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("%-20s %-8s %6d ms, %d configurations explored%n",
                label + ":", r.verdict(), millis, r.stats().explored());
    }
}
