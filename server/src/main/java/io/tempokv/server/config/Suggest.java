package io.tempokv.server.config;

import java.util.List;
import java.util.Locale;

/** "Did you mean" for misspelt setting names: the closest known name by edit distance, if close enough. */
final class Suggest {
    private Suggest() {
    }

    /** The fix for an unknown key: the nearest known key, or the list of known keys when none is near. */
    static String fix(String unknown, List<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(unknown.toLowerCase(Locale.ROOT), k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        // Two edits catch plurals, dropped dashes and swapped letters; a name must also keep at least one
        // of its letters, or 'x' would be "corrected" to 'f'.
        if (best != null && bestDistance <= 2 && bestDistance < best.length()) {
            return "did you mean '" + best + "'?";
        }
        return "the settings here are " + String.join(", ", known);
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
