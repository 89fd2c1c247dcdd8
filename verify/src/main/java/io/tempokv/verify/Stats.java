package io.tempokv.verify;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Nemesis;
import java.util.List;
import java.util.Locale;

/**
 * Completion counts and availability: the share of :ok among client completions, overall and for
 * completions that happened while a fault was active (NaN if none did), plus the worst one-second
 * bucket, so a report says how much service the faults cost and not only whether the history was
 * valid. A cas that did not apply is a :fail too, so a fault-free register run stays below 100%.
 */
public record Stats(long ok, long fail, long info, double availability, double faultAvailability, double worstSecond) {

    public static Stats of(List<Op> history, List<Nemesis.Interval> faults) {
        long[] all = new long[2];
        long[] inFault = new long[2];
        int seconds = (int) (history.isEmpty() ? 1 : history.get(history.size() - 1).time() / 1_000_000_000L + 1);
        long[][] perSecond = new long[seconds][2];
        long fail = 0;
        for (Op op : history) {
            if (op.isNemesis() || op.type() == Op.Type.INVOKE) {
                continue;
            }
            int ok = op.type() == Op.Type.OK ? 1 : 0;
            fail += op.type() == Op.Type.FAIL ? 1 : 0;
            count(all, ok);
            count(perSecond[(int) (op.time() / 1_000_000_000L)], ok);
            if (faults.stream().anyMatch(i -> op.time() >= i.startNanos() && op.time() <= i.endNanos())) {
                count(inFault, ok);
            }
        }
        double worst = 1;
        for (long[] s : perSecond) {
            worst = s[1] == 0 ? worst : Math.min(worst, share(s));
        }
        double duringFaults = inFault[1] == 0 ? Double.NaN : share(inFault);
        return new Stats(all[0], fail, all[1] - all[0] - fail, share(all), duringFaults, worst);
    }

    private static void count(long[] okAndTotal, int ok) {
        okAndTotal[0] += ok;
        okAndTotal[1]++;
    }

    private static double share(long[] okAndTotal) {
        return okAndTotal[1] == 0 ? 1 : okAndTotal[0] / (double) okAndTotal[1];
    }

    /** The {@code :stats} map of results.edn; {@code :during-faults} is nil when no operation completed during a fault. */
    public String toEdn() {
        String faults = Double.isNaN(faultAvailability) ? "nil" : String.format(Locale.ROOT, "%.4f", faultAvailability);
        return String.format(Locale.ROOT, "{:ok-count %d, :fail-count %d, :info-count %d, :availability {:overall %.4f, "
                + ":during-faults %s, :worst-second %.4f}}", ok, fail, info, availability, faults, worstSecond);
    }
}
