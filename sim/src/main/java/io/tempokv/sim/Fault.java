package io.tempokv.sim;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** Fault types the randomized simulation can inject during its safety phase. */
public enum Fault {
    /** Messages are lost. */
    DROP,
    /** Messages are delivered twice. */
    DUPLICATE,
    /** Messages get random delays, so they overtake each other. */
    REORDER,
    /** One node is cut off from all others. */
    ISOLATE,
    /** The nodes split into a minority and a majority side. */
    MINORITY,
    /** Two halves that only one bridge node connects (Jepsen's bridge). */
    BRIDGE,
    /** Nodes crash (at any point, also in the middle of sending a step's messages) and restart from their store. */
    CRASH,
    /**
     * One node is slow for a while, as a loaded or just restarted (cold) process is: every message
     * to or from it takes 30 to 300 ticks more. With CRASH, a restarted node is also slow at first.
     */
    SLOW;

    public static Set<Fault> parse(String list) {
        if (list == null || list.isBlank() || list.trim().equalsIgnoreCase("all")) {
            return EnumSet.allOf(Fault.class);
        }
        if (list.trim().equalsIgnoreCase("none")) {
            return EnumSet.noneOf(Fault.class);
        }
        Set<Fault> out = EnumSet.noneOf(Fault.class);
        for (String part : list.split(",")) {
            String name = part.trim().toUpperCase(Locale.ROOT);
            try {
                out.add(Fault.valueOf(name));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown fault '" + part.trim() + "'; known faults: "
                        + String.join(",", names()) + ", or all / none");
            }
        }
        return out;
    }

    public static String[] names() {
        Fault[] all = values();
        String[] names = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            names[i] = all[i].name().toLowerCase(Locale.ROOT);
        }
        return names;
    }
}
