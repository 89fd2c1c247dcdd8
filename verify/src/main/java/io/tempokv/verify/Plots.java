package io.tempokv.verify;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Nemesis;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Jepsen's latency-raw.png and rate.png, with fault intervals shaded in their kind's colour. */
final class Plots {

    private Plots() {
    }

    /** One point per completed client operation: completion time (s) against latency (ms), by :f and :type. */
    static void latency(List<Op> history, List<Nemesis.Interval> faults, Path png) throws IOException {
        Map<String, List<double[]>> series = new TreeMap<>();
        double max = 1;
        for (Calls.Call c : Calls.of(history)) {
            Op op = c.completion();
            if (op == null) {
                continue;
            }
            double ms = (op.time() - c.invoke().time()) / 1e6;
            max = Math.max(max, ms);
            series.computeIfAbsent(op.f() + " " + op.type().keywordName(), k -> new ArrayList<>())
                    .add(new double[] {c.invoke().time() / 1e9, ms});
        }
        XYChart chart = chart("latency (raw)", "latency (ms)");
        shade(chart, faults, max);
        series.forEach((name, points) -> {
            XYSeries s = chart.addSeries(name, xs(points, 0), xs(points, 1));
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            s.setMarker(SeriesMarkers.CIRCLE);
        });
        save(chart, png);
    }

    /** Completions per second, by :type. */
    static void rate(List<Op> history, List<Nemesis.Interval> faults, Path png) throws IOException {
        Map<String, TreeMap<Long, Double>> byType = new LinkedHashMap<>();
        for (Op op : history) {
            if (!op.isNemesis() && op.type() != Op.Type.INVOKE) {
                byType.computeIfAbsent(op.type().keywordName(), k -> new TreeMap<>())
                        .merge(op.time() / 1_000_000_000L, 1.0, Double::sum);
            }
        }
        long seconds = history.isEmpty() ? 1 : history.get(history.size() - 1).time() / 1_000_000_000L + 1;
        XYChart chart = chart("rate", "completions per second");
        double max = byType.values().stream().flatMap(m -> m.values().stream()).mapToDouble(d -> d).max().orElse(1);
        shade(chart, faults, max);
        byType.forEach((type, counts) -> {
            List<double[]> points = new ArrayList<>();
            for (long s = 0; s < seconds; s++) {
                points.add(new double[] {s + 0.5, counts.getOrDefault(s, 0.0)});
            }
            XYSeries series = chart.addSeries(type, xs(points, 0), xs(points, 1));
            series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            series.setMarker(SeriesMarkers.NONE);
        });
        save(chart, png);
    }

    private static XYChart chart(String title, String yTitle) {
        XYChart chart = new XYChartBuilder().width(900).height(400).title(title).xAxisTitle("time (s)").yAxisTitle(yTitle).build();
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setYAxisMin(0.0);
        return chart;
    }

    /**
     * A filled rectangle per fault: an area series going up at its start and down at its end, in its
     * kind's colour; the legend names each kind once.
     */
    private static void shade(XYChart chart, List<Nemesis.Interval> faults, double top) {
        java.util.Set<Nemesis.Fault> named = new java.util.HashSet<>();
        int i = 0;
        for (Nemesis.Interval f : faults) {
            double a = f.startNanos() / 1e9;
            double b = f.endNanos() / 1e9;
            boolean first = named.add(f.fault());
            // XChart needs unique series names; only a kind's first fault shows in the legend
            XYSeries s = chart.addSeries(first ? f.fault().keyword() : f.fault().keyword() + " #" + i,
                    new double[] {a, a, b, b}, new double[] {0, top, top, 0});
            i++;
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
            s.setFillColor(FaultColors.shade(f.fault()));
            s.setLineColor(FaultColors.shade(f.fault()));
            s.setMarker(SeriesMarkers.NONE);
            s.setShowInLegend(first);
        }
    }

    private static double[] xs(List<double[]> points, int column) {
        double[] out = new double[Math.max(1, points.size())];
        for (int i = 0; i < points.size(); i++) {
            out[i] = points.get(i)[column];
        }
        return out;
    }

    private static void save(XYChart chart, Path png) throws IOException {
        String file = png.toString();
        BitmapEncoder.saveBitmap(chart, file.substring(0, file.length() - ".png".length()), BitmapEncoder.BitmapFormat.PNG);
    }
}
