package io.tempokv.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Nemesis;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stats (availability and recovery per fault), and the fault kinds in the plots and the timeline. */
class ReportTest {
    private static final long MS = 1_000_000L;

    @TempDir
    Path dir;

    private final List<Op> history = new ArrayList<>();

    private void call(long process, long invokeMs, long completeMs, Op.Type type) {
        history.add(new Op(history.size(), Op.Type.INVOKE, process, "read", List.of(1L, 0L), invokeMs * MS));
        history.add(new Op(history.size(), type, process, "read", List.of(1L, 0L), completeMs * MS));
    }

    private static Nemesis.Interval interval(Nemesis.Fault f, long startMs, long endMs, String detail) {
        return new Nemesis.Interval(f, List.of(2), startMs * MS, endMs * MS, detail);
    }

    /** ok at 100; partition 1000-3000 with an info at 1500 and an ok at 2500; heal; next ok at 3400; skew 5000-6000 healed after the workload (5500). */
    private List<Nemesis.Interval> scenario() {
        call(0, 50, 100, Op.Type.OK);
        call(1, 1200, 1500, Op.Type.INFO);
        call(0, 2400, 2500, Op.Type.OK);
        call(0, 3300, 3400, Op.Type.OK);
        call(2, 3500, 3600, Op.Type.FAIL);
        call(0, 5100, 5200, Op.Type.OK);
        call(0, 6200, 6300, Op.Type.OK);
        return List.of(interval(Nemesis.Fault.PARTITION_ONE, 1000, 3000, "node 2 cut off from the others"),
                interval(Nemesis.Fault.CLOCK_SKEW, 5000, 6000, "offsets (s) {2: +37}"));
    }

    @Test
    void recoveryIsTheTimeFromEachHealToTheNextOkWhileTheWorkloadRan() {
        List<Nemesis.Interval> faults = scenario();
        Stats s = Stats.of(history, faults, 5500 * MS);
        assertEquals(5, s.ok());
        assertEquals(1, s.fail());
        assertEquals(1, s.info());
        Stats.FaultStats partition = s.faults().get(0);
        assertEquals(0.5, partition.availability(), 1e-9, "one ok and one info during the partition");
        assertEquals(400.0, partition.recoveryMillis(), 1e-9, "heal at 3000 ms, next ok at 3400 ms");
        Stats.FaultStats skew = s.faults().get(1);
        assertEquals(1.0, skew.availability(), 1e-9);
        assertFalse(skew.healedDuringWorkload());
        assertFalse(skew.recovered(), "healed after the workload: no recovery time");
        assertEquals(List.of(400.0), s.recoveries());
        assertEquals(0, s.unrecovered());
        assertEquals(Map.of("partition-one", 0.5, "clock-skew", 1.0), s.availabilityByKind());
        String edn = s.toEdn();
        assertTrue(edn.contains(":recovery {:measured 1, :unrecovered 0, :max-ms 400.0000, :mean-ms 400.0000}"), edn);
        assertTrue(edn.contains("{:fault :partition-one, :nodes [2], :detail \"node 2 cut off from the others\", :start-s 1.000, "
                + ":end-s 3.000, :availability 0.5000, :onset-ms 1500.0000, :recovery-ms 400.0000}"), edn);
        assertEquals(1500.0, partition.onsetMillis(), 1e-9, "cut at 1000 ms, next ok at 2500 ms");
        assertEquals(200.0, skew.onsetMillis(), 1e-9, "skewed at 5000 ms, next ok at 5200 ms (before the workload's end)");
        assertEquals(List.of(1500.0, 400.0, 200.0), s.gaps(), "onset and recovery of the partition, onset of the skew");
        assertEquals(2400.0, s.longestGapMillis(), 1e-9, "no ok between 100 ms and 2500 ms");
        assertEquals(0.1, s.longestGapStartSeconds(), 1e-9);
        assertTrue(edn.contains(":gaps {:longest-ms 2400.0000, :longest-at-s 0.100, :fault-gaps 3, :fault-gap-p50-ms 400.0000, "
                + ":fault-gap-p99-ms 1500.0000, :fault-gap-max-ms 1500.0000}"), edn);
        assertTrue(edn.contains(":recovery-ms nil}]"), "the skew has none: " + edn);
    }

    @Test
    void aFaultNoOkFollowedIsCountedUnrecovered() {
        call(0, 0, 100, Op.Type.OK);
        call(0, 300, 900, Op.Type.INFO);
        Stats s = Stats.of(history, List.of(interval(Nemesis.Fault.KILL, 200, 500, "nodes [2]")), 1000 * MS);
        assertEquals(1, s.unrecovered());
        assertTrue(s.recoveries().isEmpty());
        assertTrue(s.toEdn().contains(":recovery {:measured 0, :unrecovered 1, :max-ms nil, :mean-ms nil}"), s.toEdn());
        assertTrue(Double.isNaN(s.faults().get(0).onsetMillis()), "no ok after the kill");
        assertEquals(800.0, s.longestGapMillis(), 1e-9, "the only ok at 100 ms, the last completion at 900 ms");
    }

    @Test
    void aStallAtTheEndOfTheWorkloadCountsUpToItsEnd() {
        call(0, 0, 100, Op.Type.OK);
        call(0, 100, 300, Op.Type.OK);
        call(1, 400, 4000, Op.Type.INFO);
        call(0, 4100, 4200, Op.Type.OK);
        Stats s = Stats.of(history, List.of(), 3000 * MS);
        assertEquals(2700.0, s.longestGapMillis(), 1e-9, "last ok at 300 ms, workload stopped at 3000 ms");
        assertEquals(0.3, s.longestGapStartSeconds(), 1e-9);
        assertTrue(s.gaps().isEmpty());
        assertTrue(Double.isNaN(Stats.quantile(s.gaps(), 0.99)));
        assertEquals(3.0, Stats.quantile(List.of(1.0, 2.0, 3.0), 0.99), 0);
        assertEquals(2.0, Stats.quantile(List.of(3.0, 1.0, 2.0), 0.5), 0);
    }

    @Test
    void aValidHistoryWhoseFinalReadsFailedIsUnknownNotValid() {
        var allOk = new io.tempokv.verify.cluster.KeyedWorkload.FinalReads(12, 12);
        var someLost = new io.tempokv.verify.cluster.KeyedWorkload.FinalReads(12, 11);
        var noneOk = new io.tempokv.verify.cluster.KeyedWorkload.FinalReads(12, 0);
        assertEquals(io.tempokv.check.Verdict.VALID, Verify.verdict(io.tempokv.check.Verdict.VALID, allOk));
        assertEquals(io.tempokv.check.Verdict.UNKNOWN, Verify.verdict(io.tempokv.check.Verdict.VALID, someLost),
                "one final read not ok: nothing shows the cluster recovered");
        assertEquals(io.tempokv.check.Verdict.UNKNOWN, Verify.verdict(io.tempokv.check.Verdict.VALID, noneOk));
        assertEquals(io.tempokv.check.Verdict.INVALID, Verify.verdict(io.tempokv.check.Verdict.INVALID, noneOk),
                "a violation stays a violation");
        assertEquals("{:attempted 12, :ok 11}", Verify.finalReadsEdn(someLost));
    }

    @Test
    void theTimelineLabelsEachFaultWithItsKindInItsColour() throws Exception {
        List<Nemesis.Interval> faults = scenario();
        Path html = dir.resolve("timeline.html");
        Timeline.write(history, faults, "register-partition+clock-n3", html);
        String t = Files.readString(html);
        assertTrue(t.contains("<b>partition-one</b> node 2 cut off from the others</div>"), t);
        assertTrue(t.contains("<b>clock-skew</b> offsets (s) {2: +37}</div>"), t);
        assertTrue(t.contains("background:" + FaultColors.css(Nemesis.Fault.PARTITION_ONE, 0.15)), t);
        assertTrue(t.contains("background:" + FaultColors.css(Nemesis.Fault.CLOCK_SKEW, 0.15)), t);
    }

    @Test
    void thePlotsShadeEachFaultInItsKindsColour() throws Exception {
        System.setProperty("java.awt.headless", "true");
        List<Nemesis.Interval> faults = scenario();
        Path both = dir.resolve("rate.png");
        Plots.rate(history, faults, both);
        assertEquals(List.of(true, true), tints(both), "an orange partition-one and a blue clock-skew shade");
        Path partitionOnly = dir.resolve("rate-partition.png");
        Plots.rate(history, faults.subList(0, 1), partitionOnly);
        assertEquals(List.of(true, false), tints(partitionOnly), "no blue without the clock fault");
        Plots.latency(history, faults, dir.resolve("latency-raw.png"));
        assertTrue(Files.size(dir.resolve("latency-raw.png")) > 0);
    }

    /**
     * Whether the picture has a sizeable area (over a thousand pixels) of the partition-one shade
     * and of the clock-skew shade, each composed over white as drawn.
     */
    private static List<Boolean> tints(Path png) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        return List.of(area(img, Nemesis.Fault.PARTITION_ONE) > 1000, area(img, Nemesis.Fault.CLOCK_SKEW) > 1000);
    }

    private static int area(BufferedImage img, Nemesis.Fault f) {
        java.awt.Color c = FaultColors.shade(f);
        double a = c.getAlpha() / 255.0;
        int[] want = {over(c.getRed(), a), over(c.getGreen(), a), over(c.getBlue(), a)};
        int count = 0;
        for (int x = 0; x < img.getWidth(); x++) {
            for (int y = 0; y < img.getHeight(); y++) {
                int rgb = img.getRGB(x, y);
                if (Math.abs((rgb >> 16 & 0xff) - want[0]) <= 3 && Math.abs((rgb >> 8 & 0xff) - want[1]) <= 3
                        && Math.abs((rgb & 0xff) - want[2]) <= 3) {
                    count++;
                }
            }
        }
        return count;
    }

    private static int over(int channel, double alpha) {
        return (int) Math.round(255 - alpha * (255 - channel));
    }
}
