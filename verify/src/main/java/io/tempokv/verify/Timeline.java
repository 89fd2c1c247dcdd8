package io.tempokv.verify;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Nemesis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * timeline.html as Jepsen draws it: one column per process, one box per operation from its
 * invocation to its completion (colored by :type), and fault intervals as bands across all columns,
 * each in its kind's colour and labelled with the kind and what it did (e.g. which node was cut off).
 * Plain positioned divs, so it opens anywhere without scripts.
 */
final class Timeline {
    private static final double PX_PER_SECOND = 100;
    private static final int COLUMN = 90;

    private Timeline() {
    }

    static void write(List<Op> history, List<Nemesis.Interval> faults, String title, Path html) throws IOException {
        TreeSet<Long> processes = new TreeSet<>();
        history.stream().filter(op -> !op.isNemesis()).forEach(op -> processes.add(op.process()));
        Map<Long, Integer> column = new HashMap<>();
        processes.forEach(p -> column.put(p, column.size()));
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(esc(title)).append("</title><style>")
                .append("body{font:11px sans-serif} .op{position:absolute;width:").append(COLUMN - 6)
                .append("px;overflow:hidden;border:1px solid #555;border-radius:2px;box-sizing:border-box}")
                .append(".ok{background:#6DB6FE}.fail{background:#FEB5DA}.info{background:#FFAA26}.invoke{background:#eee}")
                .append(".fault{position:absolute;left:0;overflow:hidden;white-space:nowrap}")
                .append(".head{position:absolute;top:0;font-weight:bold}</style></head><body><h1>").append(esc(title))
                .append("</h1><div style=\"position:relative;width:").append(COLUMN * processes.size() + 60).append("px;height:")
                .append(y(history.isEmpty() ? 0 : history.get(history.size() - 1).time()) + 40).append("px\">");
        processes.forEach(p -> b.append("<div class=\"head\" style=\"left:").append(column.get(p) * COLUMN)
                .append("px\">process ").append(p).append("</div>"));
        for (Nemesis.Interval f : faults) {
            b.append("<div class=\"fault\" style=\"top:").append(y(f.startNanos())).append("px;height:")
                    .append(Math.max(1, y(f.endNanos()) - y(f.startNanos()))).append("px;width:").append(COLUMN * processes.size())
                    .append("px;background:").append(FaultColors.css(f.fault(), 0.15)).append(";border-top:1px solid ")
                    .append(FaultColors.css(f.fault(), 1)).append("\" title=\"").append(esc(f.fault().keyword() + ": " + f.detail()))
                    .append("\"><b>").append(esc(f.fault().keyword())).append("</b> ").append(esc(f.detail())).append("</div>");
        }
        boxes(history, column, b);
        b.append("</div></body></html>\n");
        Files.writeString(html, b);
    }

    private static void boxes(List<Op> history, Map<Long, Integer> column, StringBuilder b) {
        for (Calls.Call c : Calls.of(history)) {
            // an invocation that never completed (the run ended first) is drawn as a thin box
            Op done = c.completion() != null ? c.completion() : c.invoke();
            box(b, column.get(c.invoke().process()), c.invoke(), done);
        }
    }

    private static void box(StringBuilder b, int col, Op inv, Op done) {
        b.append("<div class=\"op ").append(done.type().keywordName()).append("\" style=\"left:").append(col * COLUMN)
                .append("px;top:").append(y(inv.time())).append("px;height:").append(Math.max(2, y(done.time()) - y(inv.time())))
                .append("px\" title=\"").append(esc(":" + inv.f() + " " + String.valueOf(inv.value()) + " → :"
                        + done.type().keywordName() + " " + String.valueOf(done.value()) + " ("
                        + (done.time() - inv.time()) / 1_000_000 + " ms)"))
                .append("\"></div>");
    }

    private static int y(long nanos) {
        return 20 + (int) (nanos / 1e9 * PX_PER_SECOND);
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
