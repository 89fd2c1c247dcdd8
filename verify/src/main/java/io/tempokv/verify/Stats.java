package io.tempokv.verify;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Nemesis;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Completion counts and availability: the share of :ok among client completions, overall and for
 * completions that happened while a fault was active (NaN if none did), plus the worst one-second
 * bucket, so a report says how much service the faults cost and not only whether the history was
 * valid. A cas that did not apply is a :fail too, so a fault-free register run stays below 100%.
 *
 * <p>Per fault: its availability, and its recovery time, from the heal to the first :ok completion
 * after it. A fault healed after the workload stopped (the final heal) has no recovery time: only
 * the final reads follow it, after the recovery wait. Its onset gap is the time from its start (a kill,
 * a cut) to the first :ok after that: how long the fault stopped all service.
 *
 * <p>Service gaps: the longest stretch of the workload with no :ok completion (from the first
 * completion to the workload's end), and where it started, so a report shows the worst stall
 * whether or not a fault explains it.
 */
public record Stats(long ok, long fail, long info, double availability, double faultAvailability, double worstSecond,
                    List<FaultStats> faults, double longestGapMillis, double longestGapStartSeconds) {

    /**
     * One fault interval: availability of completions during it (NaN if none), and milliseconds from
     * its heal to the next :ok (NaN when it was healed after the workload, or no :ok followed), and
     * from its start to the next :ok (NaN when none followed while the workload ran).
     */
    public record FaultStats(Nemesis.Interval interval, double availability, double recoveryMillis, boolean healedDuringWorkload,
                             double onsetMillis) {
        /** True when an :ok followed the heal while the workload ran. */
        public boolean recovered() {
            return !Double.isNaN(recoveryMillis);
        }
    }

    public Stats {
        faults = List.copyOf(faults);
    }

    /** As {@link #of(List, List, long)} with the workload running to the end of the history. */
    public static Stats of(List<Op> history, List<Nemesis.Interval> faults) {
        return of(history, faults, Long.MAX_VALUE);
    }

    /**
     * @param workloadEndNanos history time at which the workload's clients stopped; faults healed
     *                         later get no recovery time
     */
    public static Stats of(List<Op> history, List<Nemesis.Interval> faults, long workloadEndNanos) {
        long[] all = new long[2];
        long[] inFault = new long[2];
        long[][] perFault = new long[faults.size()][2];
        int seconds = (int) (history.isEmpty() ? 1 : history.get(history.size() - 1).time() / 1_000_000_000L + 1);
        long[][] perSecond = new long[seconds][2];
        long fail = 0;
        List<Long> okTimes = new ArrayList<>();
        long firstCompletion = Long.MAX_VALUE;
        long lastCompletion = Long.MIN_VALUE;
        for (Op op : history) {
            if (op.isNemesis() || op.type() == Op.Type.INVOKE) {
                continue;
            }
            firstCompletion = Math.min(firstCompletion, op.time());
            lastCompletion = Math.max(lastCompletion, op.time());
            int ok = op.type() == Op.Type.OK ? 1 : 0;
            if (ok == 1) {
                okTimes.add(op.time());
            }
            fail += op.type() == Op.Type.FAIL ? 1 : 0;
            count(all, ok);
            count(perSecond[(int) (op.time() / 1_000_000_000L)], ok);
            boolean during = false;
            for (int i = 0; i < faults.size(); i++) {
                Nemesis.Interval f = faults.get(i);
                if (op.time() >= f.startNanos() && op.time() <= f.endNanos()) {
                    count(perFault[i], ok);
                    during = true;
                }
            }
            if (during) {
                count(inFault, ok);
            }
        }
        double worst = 1;
        for (long[] s : perSecond) {
            worst = s[1] == 0 ? worst : Math.min(worst, share(s));
        }
        List<FaultStats> fs = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            Nemesis.Interval f = faults.get(i);
            boolean during = f.endNanos() < workloadEndNanos;
            double recovery = Double.NaN;
            double onset = Double.NaN;
            Long afterStart = firstAfter(okTimes, f.startNanos());
            if (afterStart != null && afterStart <= workloadEndNanos && f.startNanos() < workloadEndNanos) {
                onset = (afterStart - f.startNanos()) / 1e6;
            }
            if (during) {
                Long next = firstAfter(okTimes, f.endNanos());
                if (next != null && next <= workloadEndNanos) {
                    recovery = (next - f.endNanos()) / 1e6;
                }
            }
            fs.add(new FaultStats(f, perFault[i][1] == 0 ? Double.NaN : share(perFault[i]), recovery, during, onset));
        }
        double duringFaults = inFault[1] == 0 ? Double.NaN : share(inFault);
        long[] gap = longestGap(okTimes, firstCompletion, Math.min(lastCompletion, workloadEndNanos));
        return new Stats(all[0], fail, all[1] - all[0] - fail, share(all), duringFaults, worst, fs, gap[0] / 1e6, gap[1] / 1e9);
    }

    /**
     * The longest time without an :ok between the first completion and {@code end} (the workload's
     * end, or the last completion if earlier), and its start, in nanoseconds; zeros without
     * completions.
     */
    private static long[] longestGap(List<Long> okTimes, long first, long end) {
        if (first == Long.MAX_VALUE) {
            return new long[] {0, 0};
        }
        long prev = first;
        long best = 0;
        long bestStart = first;
        for (long t : okTimes) {
            if (t > end) {
                break;
            }
            if (t - prev > best) {
                best = t - prev;
                bestStart = prev;
            }
            prev = Math.max(prev, t);
        }
        if (end - prev > best) {
            best = end - prev;
            bestStart = prev;
        }
        return new long[] {best, bestStart};
    }

    /** The first time in the sorted list after {@code t}, or null. */
    private static Long firstAfter(List<Long> sorted, long t) {
        int lo = 0;
        int hi = sorted.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted.get(mid) <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo < sorted.size() ? sorted.get(lo) : null;
    }

    private static void count(long[] okAndTotal, int ok) {
        okAndTotal[0] += ok;
        okAndTotal[1]++;
    }

    private static double share(long[] okAndTotal) {
        return okAndTotal[1] == 0 ? 1 : okAndTotal[0] / (double) okAndTotal[1];
    }

    /** Recovery times of the faults healed while the workload ran and followed by an :ok. */
    public List<Double> recoveries() {
        return faults.stream().filter(FaultStats::recovered).map(FaultStats::recoveryMillis).toList();
    }

    /**
     * Onset and recovery gaps together: for each fault, start to next :ok and heal to next :ok, as
     * far as measured; the figures issue 13 bounds (a kill or a restart to the next ok).
     */
    public List<Double> gaps() {
        List<Double> out = new ArrayList<>();
        for (FaultStats f : faults) {
            if (!Double.isNaN(f.onsetMillis())) {
                out.add(f.onsetMillis());
            }
            if (f.recovered()) {
                out.add(f.recoveryMillis());
            }
        }
        return out;
    }

    /** The q-quantile (nearest rank) of the values, NaN when there are none. */
    public static double quantile(List<Double> values, double q) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(d -> d).sorted().toArray();
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }

    /** Faults healed while the workload ran that no :ok followed before it stopped. */
    public long unrecovered() {
        return faults.stream().filter(f -> f.healedDuringWorkload() && !f.recovered()).count();
    }

    /** Availability during each fault kind's intervals together, by kind, in order of first appearance. */
    public Map<String, Double> availabilityByKind() {
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (FaultStats f : faults) {
            if (!Double.isNaN(f.availability())) {
                double[] s = sums.computeIfAbsent(f.interval().fault().keyword(), k -> new double[2]);
                s[0] += f.availability();
                s[1]++;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((k, s) -> out.put(k, s[0] / s[1]));
        return out;
    }

    /**
     * The {@code :stats} map of results.edn; {@code :during-faults} is nil when no operation completed
     * during a fault, a fault's {@code :recovery-ms} is nil when it has none.
     */
    public String toEdn() {
        String during = Double.isNaN(faultAvailability) ? "nil" : String.format(Locale.ROOT, "%.4f", faultAvailability);
        List<Double> rec = recoveries();
        String recovery = String.format(Locale.ROOT, "{:measured %d, :unrecovered %d, :max-ms %s, :mean-ms %s}", rec.size(),
                unrecovered(), rec.isEmpty() ? "nil" : num(rec.stream().mapToDouble(d -> d).max().orElseThrow()),
                rec.isEmpty() ? "nil" : num(rec.stream().mapToDouble(d -> d).average().orElseThrow()));
        List<Double> gaps = gaps();
        String gap = String.format(Locale.ROOT, "{:longest-ms %s, :longest-at-s %.3f, :fault-gaps %d, :fault-gap-p50-ms %s, "
                + ":fault-gap-p99-ms %s, :fault-gap-max-ms %s}", num(longestGapMillis), longestGapStartSeconds, gaps.size(),
                numOrNil(quantile(gaps, 0.5)), numOrNil(quantile(gaps, 0.99)), numOrNil(quantile(gaps, 1.0)));
        String perFault = faults.stream().map(f -> String.format(Locale.ROOT,
                "{:fault :%s, :nodes %s, :detail \"%s\", :start-s %.3f, :end-s %.3f, :availability %s, :onset-ms %s, :recovery-ms %s}",
                f.interval().fault().keyword(), f.interval().nodes().stream().map(String::valueOf).collect(Collectors.joining(" ", "[", "]")),
                f.interval().detail().replace("\\", "\\\\").replace("\"", "\\\""), f.interval().startNanos() / 1e9,
                f.interval().endNanos() / 1e9, numOrNil(f.availability()), numOrNil(f.onsetMillis()),
                f.recovered() ? num(f.recoveryMillis()) : "nil")).collect(Collectors.joining(", ", "[", "]"));
        return String.format(Locale.ROOT, "{:ok-count %d, :fail-count %d, :info-count %d, :availability {:overall %.4f, "
                + ":during-faults %s, :worst-second %.4f}, :recovery %s, :gaps %s, :faults %s}", ok, fail, info, availability, during,
                worstSecond, recovery, gap, perFault);
    }

    private static String numOrNil(double d) {
        return Double.isNaN(d) ? "nil" : num(d);
    }

    private static String num(double d) {
        return String.format(Locale.ROOT, "%.4f", d);
    }
}
