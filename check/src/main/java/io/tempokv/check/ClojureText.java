package io.tempokv.check;

import java.math.BigInteger;

/**
 * Rewrites the few things Clojure's printer emits that are not EDN into EDN that edn-java reads,
 * so that a Jepsen history line whose {@code :exception} or {@code :error} holds them still reads.
 *
 * <p>Jepsen writes history.edn with {@code prn}, i.e. Clojure's printer, not an EDN writer. Plain
 * op fields are EDN, but the {@code :exception} map of a crashed client op ({@code datafy} of the
 * Throwable) and the data of an {@code ex-info} can hold:
 * <ul>
 *   <li>{@code #object[java.lang.Object 0x595f4da5 "..."]}: a hex number, which EDN lacks; it
 *       becomes decimal and the form stays a tagged value;</li>
 *   <li>stack frames of JDK hidden classes, {@code Foo$$Lambda/0x0000000800c0b000}: a symbol whose
 *       name starts with a digit; such symbols become strings;</li>
 *   <li>regular expressions {@code #"x+"}, ratios {@code 1/3}, {@code ##Inf}, {@code ##-Inf},
 *       {@code ##NaN} and vars {@code #'ns/name}: they become the tagged values
 *       {@code #clojure/regex "x+"}, {@code #clojure/ratio "1/3"}, {@code #clojure/double "Inf"}
 *       and {@code #clojure/var ns/name}.</li>
 * </ul>
 * Strings and character literals are copied unchanged. {@link HistoryIO} only calls this for a
 * line edn-java rejected, so well-formed lines pay nothing.
 */
final class ClojureText {

    private ClojureText() {
    }

    /** The line with Clojure-only syntax replaced by EDN (see the class comment). */
    static String toEdn(CharSequence in) {
        StringBuilder out = new StringBuilder(in.length() + 16);
        int n = in.length();
        int i = 0;
        while (i < n) {
            char c = in.charAt(i);
            if (c == '"') {
                i = copyString(in, i, out);
            } else if (c == ';') {
                out.append(in, i, n);
                i = n;
            } else if (c == '\\') {
                i = copyCharacter(in, i, out);
            } else if (c == '#') {
                i = dispatch(in, i, out);
            } else if (isDelimiter(c)) {
                out.append(c);
                i++;
            } else {
                int end = tokenEnd(in, i);
                appendToken(in.subSequence(i, end).toString(), out);
                i = end;
            }
        }
        return out.toString();
    }

    private static boolean isDelimiter(char c) {
        return Character.isWhitespace(c) || c == ',' || c == '(' || c == ')' || c == '['
                || c == ']' || c == '{' || c == '}' || c == '"' || c == ';';
    }

    private static int tokenEnd(CharSequence in, int from) {
        int i = from;
        while (i < in.length() && !isDelimiter(in.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Copies a string literal starting at the quote at {@code from}; returns the index after it. */
    private static int copyString(CharSequence in, int from, StringBuilder out) {
        int i = from + 1;
        out.append('"');
        while (i < in.length()) {
            char c = in.charAt(i);
            out.append(c);
            i++;
            if (c == '\\' && i < in.length()) {
                out.append(in.charAt(i));
                i++;
            } else if (c == '"') {
                return i;
            }
        }
        return i;
    }

    /** Copies a character literal: {@code \a}, {@code \"}, {@code \newline}, {@code \u00e9}. */
    private static int copyCharacter(CharSequence in, int from, StringBuilder out) {
        int i = from + 1;
        out.append('\\');
        if (i < in.length()) {
            char first = in.charAt(i);
            out.append(first);
            i++;
            if (Character.isLetter(first)) {
                while (i < in.length() && Character.isLetterOrDigit(in.charAt(i))) {
                    out.append(in.charAt(i));
                    i++;
                }
            }
        }
        return i;
    }

    /** Handles the form starting with {@code #} at {@code from}. */
    private static int dispatch(CharSequence in, int from, StringBuilder out) {
        int i = from + 1;
        char next = i < in.length() ? in.charAt(i) : ' ';
        if (next == '"') {
            return regex(in, i, out);
        }
        if (next == '#') {
            int end = tokenEnd(in, i + 1);
            out.append("#clojure/double \"").append(in, i + 1, end).append('"');
            return end;
        }
        if (next == '\'') {
            out.append("#clojure/var ");
            return i + 1;
        }
        // A set, a discard, or a tag: the tag symbol that follows is an ordinary token.
        out.append('#');
        return i;
    }

    /** {@code #"..."} to {@code #clojure/regex "..."}: backslashes in a regex are not escapes. */
    private static int regex(CharSequence in, int quote, StringBuilder out) {
        out.append("#clojure/regex \"");
        int i = quote + 1;
        while (i < in.length()) {
            char c = in.charAt(i);
            i++;
            if (c == '"') {
                break;
            }
            if (c == '\\' && i < in.length()) {
                char escaped = in.charAt(i);
                i++;
                out.append("\\\\");
                out.append(escaped == '"' ? "\\\"" : escaped == '\\' ? "\\\\" : String.valueOf(escaped));
            } else {
                out.append(c);
            }
        }
        out.append('"');
        return i;
    }

    private static void appendToken(String token, StringBuilder out) {
        char first = token.charAt(0);
        boolean numeric = Character.isDigit(first)
                || ((first == '-' || first == '+') && token.length() > 1 && Character.isDigit(token.charAt(1)));
        if (numeric) {
            appendNumber(token, out);
        } else if (first != ':' && symbolNameStartsWithDigit(token)) {
            out.append('"').append(token.replace("\\", "\\\\")).append('"');
        } else {
            out.append(token);
        }
    }

    private static boolean symbolNameStartsWithDigit(String token) {
        int slash = token.indexOf('/');
        return slash >= 0 && slash + 1 < token.length() && Character.isDigit(token.charAt(slash + 1));
    }

    private static void appendNumber(String token, StringBuilder out) {
        boolean negative = token.charAt(0) == '-';
        String unsigned = token.charAt(0) == '-' || token.charAt(0) == '+' ? token.substring(1) : token;
        if (unsigned.startsWith("0x") || unsigned.startsWith("0X")) {
            try {
                BigInteger v = new BigInteger(unsigned.substring(2), 16);
                if (negative) {
                    v = v.negate();
                }
                out.append(v).append(v.bitLength() < 64 ? "" : "N");
                return;
            } catch (NumberFormatException notHex) {
                // fall through: left as it was, edn-java reports it
            }
        } else if (unsigned.matches("[0-9]+/[0-9]+")) {
            out.append("#clojure/ratio \"").append(token).append('"');
            return;
        }
        out.append(token);
    }
}
