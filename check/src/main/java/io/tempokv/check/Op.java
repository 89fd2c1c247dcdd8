package io.tempokv.check;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One entry of a Jepsen-style history: an invocation or a completion.
 *
 * <p>{@code f} is the keyword name without its colon ({@code "read"}, {@code "cas"},
 * {@code "start-partition"}). {@code process} is the client process id, or {@link #NEMESIS}
 * for entries whose EDN {@code :process} is the keyword {@code :nemesis}.
 *
 * <p>Values use the EDN reader's Java types: integers are {@link Long}, {@code nil} is
 * {@code null}, vectors are {@link List}s, sets are {@link Set}s, keywords are
 * {@link us.bpsm.edn.Keyword}s. The constructor normalises numbers ({@code Integer},
 * {@code Short}, {@code Byte} and {@code BigInteger}s that fit are turned into {@code Long})
 * and copies collections into unmodifiable ones, so ops built in Java and ops read from a
 * file compare equal and cannot change under a running check.
 */
public record Op(long index, Op.Type type, long process, String f, Object value, long time) {

    /** The process id used for {@code :process :nemesis}. */
    public static final long NEMESIS = -1;

    /** The {@code :type} of a history entry. */
    public enum Type {
        INVOKE, OK, FAIL, INFO;

        /** The EDN keyword name, e.g. {@code "invoke"}. */
        public String keywordName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The type whose keyword name is {@code name}, or {@code null} if there is none. */
        public static Type fromKeywordName(String name) {
            for (Type t : values()) {
                if (t.keywordName().equals(name)) {
                    return t;
                }
            }
            return null;
        }
    }

    public Op {
        if (type == null) {
            throw new IllegalArgumentException("op type must not be null");
        }
        if (f == null || f.isEmpty()) {
            throw new IllegalArgumentException("op f must be a non-empty keyword name");
        }
        value = normalize(value);
    }

    /** Shorthand for an op with no meaningful index or time (both 0). */
    public static Op of(Type type, long process, String f, Object value) {
        return new Op(0, type, process, f, value, 0);
    }

    public boolean isNemesis() {
        return process == NEMESIS;
    }

    /** This op with another value; everything else is kept. */
    public Op withValue(Object newValue) {
        return new Op(index, type, process, f, newValue, time);
    }

    /** This op with another index; everything else is kept. */
    public Op withIndex(long newIndex) {
        return new Op(newIndex, type, process, f, value, time);
    }

    /** The op in Jepsen's history.edn style, e.g. {@code {:index 0, :type :invoke, ...}}. */
    @Override
    public String toString() {
        return HistoryIO.format(this);
    }

    // Long is the only integer type edn-java produces for ordinary integers; folding the
    // other integer types into it keeps equals() meaningful across sources.
    static Object normalize(Object v) {
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof BigInteger big && big.bitLength() < 64) {
            return big.longValue();
        }
        if (v instanceof List<?> list) {
            List<Object> copy = new ArrayList<>(list.size());
            list.forEach(e -> copy.add(normalize(e)));
            return Collections.unmodifiableList(copy);
        }
        if (v instanceof Set<?> set) {
            Set<Object> copy = new LinkedHashSet<>();
            set.forEach(e -> copy.add(normalize(e)));
            return Collections.unmodifiableSet(copy);
        }
        if (v instanceof Map<?, ?> map) {
            Map<Object, Object> copy = new LinkedHashMap<>();
            map.forEach((k, e) -> copy.put(normalize(k), normalize(e)));
            return Collections.unmodifiableMap(copy);
        }
        return v;
    }
}
