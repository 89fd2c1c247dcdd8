package io.tempokv.check;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import us.bpsm.edn.parser.Parseable;
import us.bpsm.edn.parser.Parser;
import us.bpsm.edn.parser.Parsers;

/** Builds small histories in tests; each appended op gets the next :index and time. */
final class Hist {

    private final List<Op> ops = new ArrayList<>();

    Hist invoke(long process, String f, Object value) {
        return add(Op.Type.INVOKE, process, f, value);
    }

    Hist ok(long process, String f, Object value) {
        return add(Op.Type.OK, process, f, value);
    }

    Hist fail(long process, String f, Object value) {
        return add(Op.Type.FAIL, process, f, value);
    }

    Hist info(long process, String f, Object value) {
        return add(Op.Type.INFO, process, f, value);
    }

    /** An invocation immediately followed by its :ok completion. */
    Hist call(long process, String f, Object invokeValue, Object okValue) {
        return invoke(process, f, invokeValue).ok(process, f, okValue);
    }

    Hist nemesis(String f, Object value) {
        return add(Op.Type.INFO, Op.NEMESIS, f, value);
    }

    private Hist add(Op.Type type, long process, String f, Object value) {
        ops.add(new Op(ops.size(), type, process, f, value, ops.size() * 10L));
        return this;
    }

    List<Op> ops() {
        return new ArrayList<>(ops);
    }

    Op get(int index) {
        return ops.get(index);
    }

    /** A vector value; unlike List.of it allows nil elements. */
    static List<Object> vec(Object... elements) {
        return Arrays.asList(elements);
    }

    /** Parses one EDN form with edn-java, the way any EDN consumer of our output would. */
    static Object parseEdn(String text) {
        Parser parser = Parsers.newParser(Parsers.defaultConfiguration());
        Parseable in = Parsers.newParseable(text);
        Object form = parser.nextValue(in);
        if (parser.nextValue(in) != Parser.END_OF_INPUT) {
            throw new AssertionError("more than one form in: " + text);
        }
        return form;
    }

    @SuppressWarnings("unchecked")
    static Map<Object, Object> parseEdnMap(String text) {
        Object form = parseEdn(text);
        if (!(form instanceof Map)) {
            throw new AssertionError("not a map: " + text);
        }
        return (Map<Object, Object>) form;
    }
}
