package io.tempokv.check;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import us.bpsm.edn.EdnException;
import us.bpsm.edn.Keyword;
import us.bpsm.edn.Tag;
import us.bpsm.edn.TaggedValue;
import us.bpsm.edn.parser.Parseable;
import us.bpsm.edn.parser.Parser;
import us.bpsm.edn.parser.Parsers;

/**
 * Reads and writes histories in Jepsen's {@code history.edn} layout: one operation map per
 * line, e.g. {@code {:index 0, :type :invoke, :process 3, :f :cas, :value [1 2], :time 1234}}.
 *
 * <p>Jepsen 0.3.x writes each op with {@code prn}; its {@code jepsen.history.Op} records print as
 * plain maps, keys in the order :index :time :type :process :f :value then any others
 * (:error, :exception, ...), or in hash order once an op has more than eight keys. Reading
 * therefore accepts the keys in any order and ignores keys other than :index :type :process :f
 * :value :time. It also accepts an op written as a tagged record,
 * {@code #jepsen.history.Op{...}} or any other {@code #tag{...}} around the op map, reading it
 * as the map; tags it does not know inside values are kept as edn-java
 * {@link us.bpsm.edn.TaggedValue}s (e.g. {@code #object[...]} in an {@code :exception}). A line
 * edn-java rejects is read again after {@link ClojureText} rewrote the Clojure-only syntax of
 * exception data (hex numbers, hidden-class frame names, regexes, ratios, {@code ##Inf}).
 * Blank and comment-only lines are skipped, entries without :index are numbered by their
 * position among the entries read, and a missing :time is 0. {@code :process :nemesis} becomes
 * {@link Op#NEMESIS}.
 */
public final class HistoryIO {

    private static final Keyword INDEX = Keyword.newKeyword("index");
    private static final Keyword TYPE = Keyword.newKeyword("type");
    private static final Keyword PROCESS = Keyword.newKeyword("process");
    private static final Keyword F = Keyword.newKeyword("f");
    private static final Keyword VALUE = Keyword.newKeyword("value");
    private static final Keyword TIME = Keyword.newKeyword("time");
    private static final Keyword NEMESIS = Keyword.newKeyword("nemesis");

    /** How {@code jepsen.history.Op} records print when printed as records (tag prefix-less). */
    static final Tag JEPSEN_OP = Tag.newTag("jepsen.history.Op");

    // Tagged values ClojureText produces for Clojure's symbolic doubles.
    private static final Tag CLOJURE_DOUBLE = Tag.newTag("clojure", "double");

    private static final Parser.Config CONFIG = Parsers.newParserConfigBuilder()
            .putTagHandler(JEPSEN_OP, (tag, value) -> value)
            .putTagHandler(CLOJURE_DOUBLE, HistoryIO::symbolicDouble)
            .build();

    private HistoryIO() {
    }

    /** Reads a history file; errors name the file by its file name. */
    public static List<Op> read(Path file) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Path name = file.getFileName();
            return read(in, name == null ? file.toString() : name.toString());
        }
    }

    /** Reads a history; {@code sourceName} prefixes error messages. */
    public static List<Op> read(Reader reader, String sourceName) throws IOException {
        BufferedReader lines = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        Parser parser = Parsers.newParser(CONFIG);
        List<Op> ops = new ArrayList<>();
        long lineNo = 0;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            lineNo++;
            Object form = parseLine(parser, line, sourceName, lineNo);
            if (form != null) {
                ops.add(toOp(form, ops.size(), sourceName, lineNo));
            }
        }
        return ops;
    }

    /** Writes ops one per line in Jepsen's layout. */
    public static void write(Writer out, List<Op> ops) throws IOException {
        for (Op op : ops) {
            out.write(format(op));
            out.write('\n');
        }
        out.flush();
    }

    /** One op as Jepsen prints it: {@code {:index 0, :type :ok, :process 1, :f :read, :value nil, :time 5}}. */
    public static String format(Op op) {
        StringBuilder out = new StringBuilder(64);
        out.append("{:index ").append(op.index())
           .append(", :type :").append(op.type().keywordName())
           .append(", :process ").append(op.isNemesis() ? ":nemesis" : Long.toString(op.process()))
           .append(", :f :").append(op.f())
           .append(", :value ");
        EdnText.append(out, op.value());
        out.append(", :time ").append(op.time()).append('}');
        return out.toString();
    }

    /** The single form on a line, or null for a line holding no form (blank or comment). */
    private static Object parseLine(Parser parser, String line, String source, long lineNo)
            throws HistoryFormatException {
        if (line.isBlank()) {
            return null;
        }
        try {
            return parseForm(parser, line, source, lineNo);
        } catch (EdnException e) {
            // Maybe Clojure printer output that is not EDN (in :exception data); try it rewritten.
            try {
                return parseForm(parser, ClojureText.toEdn(line), source, lineNo);
            } catch (EdnException | HistoryFormatException stillBad) {
                throw new HistoryFormatException(source, lineNo, "malformed EDN: " + e.getMessage(), e);
            }
        }
    }

    private static Object parseForm(Parser parser, String text, String source, long lineNo)
            throws HistoryFormatException {
        Parseable in = Parsers.newParseable(text);
        Object form = parser.nextValue(in);
        if (form == Parser.END_OF_INPUT) {
            return null;
        }
        if (parser.nextValue(in) != Parser.END_OF_INPUT) {
            throw new HistoryFormatException(source, lineNo,
                    "expected one operation map on the line, found more after it");
        }
        // A record printed as a record, #some.ns.Rec{...}: its fields are the op map.
        if (form instanceof TaggedValue tagged && tagged.getValue() instanceof Map<?, ?> fields) {
            return fields;
        }
        return form;
    }

    private static Object symbolicDouble(Tag tag, Object name) {
        switch (String.valueOf(name)) {
            case "Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                return TaggedValue.newTaggedValue(tag, name);
        }
    }

    private static Op toOp(Object form, long position, String source, long lineNo)
            throws HistoryFormatException {
        if (!(form instanceof Map<?, ?> map)) {
            throw new HistoryFormatException(source, lineNo,
                    "expected an operation map, got " + EdnText.print(form));
        }
        Fields fields = new Fields(map, source, lineNo);
        long index = fields.integer(INDEX, position);
        Op.Type type = fields.type();
        long process = fields.process();
        String f = fields.keywordName(F);
        long time = fields.integer(TIME, 0);
        return new Op(index, type, process, f, map.get(VALUE), time);
    }

    /** Field access on one op map, turning every mismatch into a located error. */
    private record Fields(Map<?, ?> map, String source, long lineNo) {

        HistoryFormatException error(String problem) {
            return new HistoryFormatException(source, lineNo, problem);
        }

        Object required(Keyword key) throws HistoryFormatException {
            if (!map.containsKey(key)) {
                throw error(key + " is missing");
            }
            return map.get(key);
        }

        long integer(Keyword key, long absent) throws HistoryFormatException {
            if (!map.containsKey(key)) {
                return absent;
            }
            Long v = asLong(map.get(key));
            if (v == null) {
                throw error(key + " must be an integer, got " + EdnText.print(map.get(key)));
            }
            return v;
        }

        Op.Type type() throws HistoryFormatException {
            Object v = required(TYPE);
            Op.Type t = v instanceof Keyword k ? Op.Type.fromKeywordName(k.toString().substring(1)) : null;
            if (t == null) {
                throw error(":type must be one of :invoke :ok :fail :info, got " + EdnText.print(v));
            }
            return t;
        }

        long process() throws HistoryFormatException {
            Object v = required(PROCESS);
            if (NEMESIS.equals(v)) {
                return Op.NEMESIS;
            }
            Long p = asLong(v);
            if (p == null || p < 0) {
                throw error(":process must be a non-negative integer or :nemesis, got " + EdnText.print(v));
            }
            return p;
        }

        String keywordName(Keyword key) throws HistoryFormatException {
            Object v = required(key);
            if (!(v instanceof Keyword k)) {
                throw error(key + " must be a keyword, got " + EdnText.print(v));
            }
            return k.toString().substring(1);
        }

        private static Long asLong(Object v) {
            if (v instanceof Long l) {
                return l;
            }
            if (v instanceof BigInteger b && b.bitLength() < 64) {
                return b.longValue();
            }
            return null;
        }
    }
}
