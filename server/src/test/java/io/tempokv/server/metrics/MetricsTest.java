package io.tempokv.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void smallRegistryRendersExactly() {
        Metrics m = new Metrics();
        m.counter("tempokv_commands_total", "Commands committed, by shard.", Metrics.shard(0)).add(3);
        m.counter("tempokv_commands_total", "Commands committed, by shard.", Metrics.shard(1)).inc();
        m.gauge("tempokv_peers_connected", "Peers with an open connection.", Map.of(), () -> 2);
        Metrics.Histogram h = m.histogram("tempokv_commit_latency_seconds", "Submit to commit.",
                new double[] {0.125, 0.5, 2}, Metrics.shard(0));
        // Binary fractions, so the sum is exact.
        h.observe(0.0625);
        h.observe(0.125);
        h.observe(0.25);
        h.observe(4);
        assertEquals("""
                # HELP tempokv_commands_total Commands committed, by shard.
                # TYPE tempokv_commands_total counter
                tempokv_commands_total{shard="0"} 3
                tempokv_commands_total{shard="1"} 1
                # HELP tempokv_commit_latency_seconds Submit to commit.
                # TYPE tempokv_commit_latency_seconds histogram
                tempokv_commit_latency_seconds_bucket{shard="0",le="0.125"} 2
                tempokv_commit_latency_seconds_bucket{shard="0",le="0.5"} 3
                tempokv_commit_latency_seconds_bucket{shard="0",le="2"} 3
                tempokv_commit_latency_seconds_bucket{shard="0",le="+Inf"} 4
                tempokv_commit_latency_seconds_sum{shard="0"} 4.4375
                tempokv_commit_latency_seconds_count{shard="0"} 4
                # HELP tempokv_peers_connected Peers with an open connection.
                # TYPE tempokv_peers_connected gauge
                tempokv_peers_connected 2
                """, m.prometheusText());
    }

    @Test
    void histogramBucketsAreCumulativeAndInclusive() {
        Metrics m = new Metrics();
        Metrics.Histogram h = m.histogram("tempokv_latency_seconds", "x", Map.of());
        List<Double> values = new ArrayList<>();
        for (double bound : Metrics.LATENCY_SECONDS) {
            values.add(bound); // exactly on a bound: counts in that bucket (le is <=)
        }
        Random random = new Random(42);
        for (int i = 0; i < 1000; i++) {
            values.add(Math.pow(10, -4 + 5.5 * random.nextDouble())); // 0.1 ms .. about 30 s
        }
        values.forEach(h::observe);
        Map<String, Long> buckets = buckets(m.prometheusText(), "tempokv_latency_seconds");
        assertEquals(Metrics.LATENCY_SECONDS.length + 1, buckets.size());
        for (double bound : Metrics.LATENCY_SECONDS) {
            long expected = values.stream().filter(v -> v <= bound).count();
            assertEquals(expected, buckets.get(Metrics.formatDouble(bound)), "le=" + bound);
        }
        assertEquals(values.size(), buckets.get("+Inf"));
        assertTrue(m.prometheusText().contains("tempokv_latency_seconds_count " + values.size() + "\n"));
        assertEquals("0.0005", Metrics.formatDouble(0.0005));
        assertEquals("10", Metrics.formatDouble(10));
        assertEquals("2.5", Metrics.formatDouble(2.5));
    }

    /** le value -> cumulative count, in the order rendered, checking the counts never go down. */
    private static Map<String, Long> buckets(String text, String name) {
        Map<String, Long> out = new LinkedHashMap<>();
        long previous = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "_bucket{")) {
                String le = line.substring(line.indexOf("le=\"") + 4, line.indexOf("\"}"));
                long count = Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
                assertTrue(count >= previous, line);
                previous = count;
                out.put(le, count);
            }
        }
        return out;
    }

    @Test
    void sameNameAndLabelsIsTheSameSeries() {
        Metrics m = new Metrics();
        Metrics.Counter a = m.counter("tempokv_x_total", "h", Map.of("shard", "0", "kind", "put"));
        Metrics.Counter b = m.counter("tempokv_x_total", "h", Map.of("kind", "put", "shard", "0"));
        assertSame(a, b);
        a.inc();
        b.inc();
        assertEquals("""
                # HELP tempokv_x_total h
                # TYPE tempokv_x_total counter
                tempokv_x_total{kind="put",shard="0"} 2
                """, m.prometheusText());
    }

    @Test
    void misuseIsRefused() {
        Metrics m = new Metrics();
        m.counter("tempokv_x_total", "h");
        assertThrows(IllegalArgumentException.class, () -> m.counter("x_total", "h"), "prefix");
        assertThrows(IllegalArgumentException.class, () -> m.counter("tempokv_x", "h"), "counters end in _total");
        assertThrows(IllegalArgumentException.class, () -> m.gauge("tempokv_x_total", "h", Map.of(), () -> 1));
        assertThrows(IllegalArgumentException.class, () -> m.counter("tempokv_x_total", "other help"));
        assertThrows(IllegalArgumentException.class, () -> m.counter("tempokv_y_total", "h", Map.of("1a", "v")));
        assertThrows(IllegalArgumentException.class, () -> m.histogram("tempokv_h", "h", Map.of("le", "1")));
        assertThrows(IllegalArgumentException.class,
                () -> m.histogram("tempokv_h", "h", new double[] {1, 1}, Map.of()), "bounds increase");
        assertThrows(IllegalArgumentException.class, () -> m.counter("tempokv_x_total", "h").add(-1));
    }

    @Test
    void textIsEscaped() {
        Metrics m = new Metrics();
        m.gauge("tempokv_g", "a \\ b\nc", Map.of("path", "a\"b\\c\nd"), () -> -1);
        assertEquals("""
                # HELP tempokv_g a \\\\ b\\nc
                # TYPE tempokv_g gauge
                tempokv_g{path="a\\"b\\\\c\\nd"} -1
                """, m.prometheusText());
    }

    @Test
    void aFailingGaugeOnlyLosesItsOwnSample() {
        Metrics m = new Metrics();
        m.gauge("tempokv_bad", "h", Map.of(), () -> {
            throw new IllegalStateException("closed");
        });
        m.gauge("tempokv_good", "h", Map.of(), () -> 5);
        String text = m.prometheusText();
        assertTrue(text.contains("\ntempokv_good 5\n"), text);
        assertTrue(!text.contains("\ntempokv_bad "), text);
        assertEquals("", new Metrics().prometheusText());
    }

    @Test
    void concurrentUpdatesAreAllCounted() throws InterruptedException {
        Metrics m = new Metrics();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                Metrics.Counter c = m.counter("tempokv_ops_total", "h", Metrics.shard(0));
                Metrics.Histogram h = m.histogram("tempokv_op_seconds", "h", Metrics.shard(0));
                for (int i = 0; i < 10_000; i++) {
                    c.inc();
                    h.observeNanos(1_000_000); // 1 ms
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        String text = m.prometheusText();
        assertTrue(text.contains("tempokv_ops_total{shard=\"0\"} 40000\n"), text);
        assertTrue(text.contains("tempokv_op_seconds_bucket{shard=\"0\",le=\"0.0005\"} 0\n"), text);
        assertTrue(text.contains("tempokv_op_seconds_bucket{shard=\"0\",le=\"0.001\"} 40000\n"), text);
        assertTrue(text.contains("tempokv_op_seconds_count{shard=\"0\"} 40000\n"), text);
    }
}
