package io.tempokv.check;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import us.bpsm.edn.EdnException;
import us.bpsm.edn.Keyword;
import us.bpsm.edn.printer.Printer;
import us.bpsm.edn.printer.Printers;
import us.bpsm.edn.protocols.Protocol;

/**
 * Writes values as EDN text the way Clojure's {@code pr-str} lays them out: vectors and sets
 * with single spaces, maps with {@code ", "} between entries.
 *
 * <p>Collections are laid out here because edn-java's printer leaves out the commas Jepsen
 * puts between map entries; scalars (strings, characters, numbers, tagged values) go through
 * edn-java so that escaping is edn-java's and its reader is guaranteed to accept them.
 */
final class EdnText {

    // Building edn-java's default protocol is costly; one instance serves every call.
    private static final Protocol<Printer.Fn<?>> SCALARS = Printers.defaultPrinterProtocol();

    private EdnText() {
    }

    static String print(Object value) {
        StringBuilder out = new StringBuilder();
        append(out, value);
        return out.toString();
    }

    static void append(StringBuilder out, Object value) {
        if (value == null) {
            out.append("nil");
        } else if (value instanceof Keyword k) {
            out.append(k);
        } else if (value instanceof Op op) {
            out.append(HistoryIO.format(op));
        } else if (value instanceof Map<?, ?> map) {
            appendMap(out, map);
        } else if (value instanceof List<?> list) {
            appendAll(out, "[", list, " ", "]");
        } else if (value instanceof Set<?> set) {
            appendAll(out, "#{", set, " ", "}");
        } else {
            appendScalar(out, value);
        }
    }

    /** A keyword literal for {@code name}, e.g. {@code :read}. */
    static String keyword(String name) {
        return ":" + name;
    }

    private static void appendAll(StringBuilder out, String open, Iterable<?> items,
                                  String separator, String close) {
        out.append(open);
        Iterator<?> it = items.iterator();
        while (it.hasNext()) {
            append(out, it.next());
            if (it.hasNext()) {
                out.append(separator);
            }
        }
        out.append(close);
    }

    private static void appendMap(StringBuilder out, Map<?, ?> map) {
        out.append('{');
        Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<?, ?> e = it.next();
            append(out, e.getKey());
            out.append(' ');
            append(out, e.getValue());
            if (it.hasNext()) {
                out.append(", ");
            }
        }
        out.append('}');
    }

    private static void appendScalar(StringBuilder out, Object value) {
        if (value instanceof Long l) {
            out.append(l.longValue());
            return;
        }
        try {
            out.append(Printers.printString(SCALARS, value));
        } catch (EdnException unknownType) {
            // Model states or values of types edn-java cannot print still need to show up in
            // explanations; a string keeps the output readable EDN.
            out.append(Printers.printString(SCALARS, String.valueOf(value)));
        }
    }
}
