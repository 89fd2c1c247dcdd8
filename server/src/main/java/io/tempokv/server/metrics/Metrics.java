package io.tempokv.server.metrics;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A small metrics registry rendered as Prometheus text exposition format 0.0.4.
 *
 * <p>A metric is a family (name, help, type) with one child per set of label values, e.g. one per
 * shard: {@code counter("tempokv_commands_total", "...", Metrics.shard(0))}. Asking again for the same
 * name and labels returns the same child, so each shard's loop can register its own without
 * coordinating. Updates are lock-free (LongAdder, atomic arrays); registration takes a lock, and
 * rendering reads concurrent collections, so a scrape never blocks the hot path.
 *
 * <p>Names start with {@code tempokv_}; counters end in {@code _total}; latencies are histograms in
 * seconds named {@code ..._seconds}.
 */
public final class Metrics {
    /** Latency bucket upper bounds in seconds: 0.5 ms to 10 s, about 2.5x apart. */
    public static final double[] LATENCY_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
            0.5, 1, 2.5, 5, 10};

    private static final Pattern NAME = Pattern.compile("tempokv_[a-zA-Z0-9_]*");
    private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        /** As the # TYPE line spells it. */
        String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A metric name with its help, type, and children in registration order. */
    private record Family(String name, String help, Type type, List<Child> children) {
    }

    /** One labelled series of a family; exactly one of the value fields is set, per the family's type. */
    private record Child(Map<String, String> labels, Counter counter, LongSupplier gauge, Histogram histogram) {
    }

    private final Map<String, Family> families = new ConcurrentSkipListMap<>();

    /** The labels of one shard's series. */
    public static Map<String, String> shard(int shard) {
        return Map.of("shard", Integer.toString(shard));
    }

    public Counter counter(String name, String help) {
        return counter(name, help, Map.of());
    }

    public Counter counter(String name, String help, Map<String, String> labels) {
        if (!name.endsWith("_total")) {
            throw new IllegalArgumentException("counter " + name + ": counter names end in _total");
        }
        return child(name, help, Type.COUNTER, labels, () -> new Child(sorted(labels), new Counter(), null, null))
                .counter();
    }

    /** A gauge read when scraped; registering the same name and labels again keeps the first supplier. */
    public void gauge(String name, String help, Map<String, String> labels, LongSupplier value) {
        child(name, help, Type.GAUGE, labels, () -> new Child(sorted(labels), null, value, null));
    }

    /** A latency histogram in seconds with {@link #LATENCY_SECONDS} buckets. */
    public Histogram histogram(String name, String help, Map<String, String> labels) {
        return histogram(name, help, LATENCY_SECONDS, labels);
    }

    public Histogram histogram(String name, String help, double[] bounds, Map<String, String> labels) {
        if (labels.containsKey("le")) {
            throw new IllegalArgumentException("histogram " + name + ": the label 'le' is reserved for buckets");
        }
        Histogram fresh = new Histogram(bounds); // checks the bounds before anything is registered
        Histogram h = child(name, help, Type.HISTOGRAM, labels, () -> new Child(sorted(labels), null, null, fresh))
                .histogram();
        if (!Arrays.equals(h.bounds, bounds)) {
            throw new IllegalArgumentException("histogram " + name + " already has buckets "
                    + Arrays.toString(h.bounds));
        }
        return h;
    }

    private synchronized Child child(String name, String help, Type type, Map<String, String> labels,
                                     Supplier<Child> create) {
        validate(name, labels);
        Family family = families.computeIfAbsent(name, n -> new Family(n, help, type, new CopyOnWriteArrayList<>()));
        if (family.type() != type || !family.help().equals(help)) {
            throw new IllegalArgumentException("metric " + name + " is already a " + family.type().text()
                    + " with help '" + family.help() + "'");
        }
        Map<String, String> key = sorted(labels);
        for (Child c : family.children()) {
            if (c.labels().equals(key)) {
                return c;
            }
        }
        Child c = create.get();
        family.children().add(c);
        return c;
    }

    private static void validate(String name, Map<String, String> labels) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("metric name " + name + ": must match " + NAME.pattern());
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!LABEL.matcher(e.getKey()).matches() || e.getKey().startsWith("__")) {
                throw new IllegalArgumentException("metric " + name + ": bad label name '" + e.getKey() + "'");
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException("metric " + name + ": label " + e.getKey() + " has no value");
            }
        }
    }

    /** Labels in name order, so the same set always renders, and compares, the same way. */
    private static Map<String, String> sorted(Map<String, String> labels) {
        Map<String, String> m = new LinkedHashMap<>();
        labels.keySet().stream().sorted().forEach(k -> m.put(k, labels.get(k)));
        return m;
    }

    /** Every family in name order, children in registration order; ends with a newline unless empty. */
    public String prometheusText() {
        StringBuilder sb = new StringBuilder();
        for (Family f : families.values()) {
            sb.append("# HELP ").append(f.name()).append(' ').append(escapeHelp(f.help())).append('\n');
            sb.append("# TYPE ").append(f.name()).append(' ').append(f.type().text()).append('\n');
            for (Child c : f.children()) {
                switch (f.type()) {
                    case COUNTER -> sample(sb, f.name(), c.labels(), null, Long.toString(c.counter().value()));
                    case GAUGE -> gaugeSample(sb, f.name(), c);
                    case HISTOGRAM -> histogramSamples(sb, f.name(), c.labels(), c.histogram());
                }
            }
        }
        return sb.toString();
    }

    private static void gaugeSample(StringBuilder sb, String name, Child c) {
        long value;
        try {
            value = c.gauge().getAsLong();
        } catch (RuntimeException e) {
            // One broken gauge must not take the whole scrape down; its series is just missing this time.
            return;
        }
        sample(sb, name, c.labels(), null, Long.toString(value));
    }

    private static void histogramSamples(StringBuilder sb, String name, Map<String, String> labels, Histogram h) {
        Histogram.Snapshot s = h.snapshot();
        long cumulative = 0;
        for (int i = 0; i < h.bounds.length; i++) {
            cumulative += s.counts()[i];
            sample(sb, name + "_bucket", labels, formatDouble(h.bounds[i]), Long.toString(cumulative));
        }
        cumulative += s.counts()[h.bounds.length];
        sample(sb, name + "_bucket", labels, "+Inf", Long.toString(cumulative));
        sample(sb, name + "_sum", labels, null, formatDouble(s.sum()));
        // The count is the +Inf bucket by definition; taking it from the same snapshot keeps them equal.
        sample(sb, name + "_count", labels, null, Long.toString(cumulative));
    }

    private static void sample(StringBuilder sb, String name, Map<String, String> labels, String le, String value) {
        sb.append(name);
        if (!labels.isEmpty() || le != null) {
            List<String> parts = new ArrayList<>();
            labels.forEach((k, v) -> parts.add(k + "=\"" + escapeLabel(v) + "\""));
            if (le != null) {
                parts.add("le=\"" + le + "\"");
            }
            sb.append('{').append(String.join(",", parts)).append('}');
        }
        sb.append(' ').append(value).append('\n');
    }

    /** Plain decimal (0.0005, 1, 2.5), never exponent notation, so bucket labels read like the config. */
    static String formatDouble(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        } else if (Double.isInfinite(d)) {
            return d > 0 ? "+Inf" : "-Inf";
        }
        return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
    }

    private static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** A monotonically increasing count. */
    public static final class Counter {
        private final LongAdder adder = new LongAdder();

        public void inc() {
            adder.increment();
        }

        public void add(long n) {
            if (n < 0) {
                throw new IllegalArgumentException("a counter only goes up, got " + n);
            }
            adder.add(n);
        }

        public long value() {
            return adder.sum();
        }
    }

    /** Observations counted into fixed buckets; each bucket holds only its own range, summed when rendered. */
    public static final class Histogram {
        private final double[] bounds;
        /** counts[i] counts values in (bounds[i-1], bounds[i]]; the last slot is above every bound. */
        private final AtomicLongArray counts;
        private final DoubleAdder sum = new DoubleAdder();

        Histogram(double[] bounds) {
            if (bounds.length == 0) {
                throw new IllegalArgumentException("a histogram needs at least one bucket bound");
            }
            for (int i = 0; i < bounds.length; i++) {
                if (!Double.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
                    throw new IllegalArgumentException("bucket bounds must be finite and increasing: "
                            + Arrays.toString(bounds));
                }
            }
            this.bounds = bounds.clone();
            this.counts = new AtomicLongArray(bounds.length + 1);
        }

        /** NaN is dropped: it would turn the sum into NaN for good. */
        public void observe(double value) {
            if (Double.isNaN(value)) {
                return;
            }
            int i = Arrays.binarySearch(bounds, value);
            // Not found: binarySearch returns -(insertion point) - 1, the first bound above the value.
            counts.incrementAndGet(i >= 0 ? i : -i - 1);
            sum.add(value);
        }

        /** Records a duration given in nanoseconds as seconds. */
        public void observeNanos(long nanos) {
            observe(nanos / 1e9);
        }

        /** Per-bucket counts (not cumulative), the last slot holding values above every bound, and the sum. */
        record Snapshot(long[] counts, double sum) {
        }

        Snapshot snapshot() {
            long[] c = new long[counts.length()];
            for (int i = 0; i < c.length; i++) {
                c[i] = counts.get(i);
            }
            return new Snapshot(c, sum.sum());
        }
    }
}
