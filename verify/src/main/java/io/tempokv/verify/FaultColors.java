package io.tempokv.verify;

import io.tempokv.verify.cluster.Nemesis;
import java.awt.Color;
import java.util.Locale;

/** One colour per fault kind, shared by the plots and the timeline: red process faults, warm partitions, cool clocks. */
final class FaultColors {
    private static final int ALPHA = 60;

    private FaultColors() {
    }

    /** The opaque colour of a kind. */
    static Color of(Nemesis.Fault f) {
        return switch (f) {
            case KILL -> new Color(220, 40, 40);
            case PAUSE -> new Color(150, 80, 200);
            case PARTITION_ONE -> new Color(255, 140, 0);
            case PARTITION_MAJORITY -> new Color(170, 100, 20);
            case PARTITION_BRIDGE -> new Color(225, 195, 0);
            case PARTITION_RING -> new Color(130, 150, 30);
            case CLOCK_SKEW -> new Color(30, 110, 255);
            case CLOCK_JUMP -> new Color(0, 165, 165);
            case CLOCK_STROBE -> new Color(40, 170, 70);
        };
    }

    /** The see-through shade drawn over a fault's interval. */
    static Color shade(Nemesis.Fault f) {
        Color c = of(f);
        return new Color(c.getRed(), c.getGreen(), c.getBlue(), ALPHA);
    }

    /** CSS rgba() for a fault's band, at the given opacity. */
    static String css(Nemesis.Fault f, double alpha) {
        Color c = of(f);
        return String.format(Locale.ROOT, "rgba(%d,%d,%d,%.2f)", c.getRed(), c.getGreen(), c.getBlue(), alpha);
    }
}
