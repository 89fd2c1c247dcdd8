package io.tempokv.check;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits a multi-key history written with Jepsen's {@code independent} tuples, where every
 * client op's {@code :value} is a {@code [key value]} vector, into one history per key.
 */
public final class Independent {

    private Independent() {
    }

    /**
     * One sub-history per key, keys in order of first appearance, each op's value replaced by
     * the second element of its tuple. Nemesis ops belong to no key and are left out.
     *
     * @throws IllegalArgumentException naming the op's :index if a client op's value is not a
     *         two-element vector
     */
    public static Map<Object, List<Op>> split(List<Op> history) {
        Map<Object, List<Op>> byKey = new LinkedHashMap<>();
        for (Op op : history) {
            if (op.isNemesis()) {
                continue;
            }
            if (!isTuple(op.value())) {
                throw new IllegalArgumentException("op :index " + op.index() + " (process "
                        + op.process() + ", :f :" + op.f() + ") has :value "
                        + EdnText.print(op.value()) + ", which is not a [key value] tuple");
            }
            List<?> tuple = (List<?>) op.value();
            byKey.computeIfAbsent(tuple.get(0), k -> new ArrayList<>()).add(op.withValue(tuple.get(1)));
        }
        return byKey;
    }

    /** True for a two-element vector, the way {@code independent/tuple} prints. */
    public static boolean isTuple(Object value) {
        return value instanceof List<?> list && list.size() == 2;
    }
}
