package io.tempokv.check;

import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A grow-only set with {@code :add x} and {@code :read s}, where s is the whole set as an EDN
 * set or vector. The state is an unmodifiable {@link Set}, initially empty; a read must equal
 * it exactly. An invocation or :info read with a {@code nil} value matches any state.
 */
public final class SetModel implements Model {

    private static final Set<Object> EMPTY = Collections.emptySet();

    @Override
    public String name() {
        return "set";
    }

    @Override
    public Object init() {
        return EMPTY;
    }

    @Override
    public boolean readOnly(Op op) {
        return op.f().equals("read");
    }

    @Override
    public void validate(Op op) {
        switch (op.f()) {
            case "add":
                return;
            case "read":
                boolean unknownOk = op.type() != Op.Type.OK && op.value() == null;
                if (!unknownOk && !(op.value() instanceof Collection)) {
                    throw new IllegalArgumentException("set: op :index " + op.index()
                            + " is a :read whose :value " + EdnText.print(op.value())
                            + " is not a set or vector");
                }
                return;
            default:
                throw new IllegalArgumentException("set: op :index " + op.index()
                        + " has :f :" + op.f() + "; expected :add or :read");
        }
    }

    @Override
    public Object step(Object state, Op op) {
        Set<?> elements = (Set<?>) state;
        switch (op.f()) {
            case "add":
                return add(elements, op.value());
            case "read":
                return read(elements, op);
            default:
                return Model.inconsistent("set has no operation :" + op.f());
        }
    }

    private static Object add(Set<?> elements, Object x) {
        if (elements.contains(x)) {
            return elements;
        }
        // Copy-on-write keeps every state ever memoised unchanged.
        Set<Object> next = new HashSet<>(elements);
        next.add(x);
        return Collections.unmodifiableSet(next);
    }

    private static String mismatch(Set<?> elements, Set<Object> read, Object shown) {
        Set<Object> missing = new LinkedHashSet<>(elements);
        missing.removeAll(read);
        Set<Object> unexpected = new LinkedHashSet<>(read);
        unexpected.removeAll(elements);
        return "read " + EdnText.print(shown) + " but the set held " + EdnText.print(elements)
                + " (missing " + EdnText.print(missing) + ", unexpected " + EdnText.print(unexpected) + ")";
    }

    private static Object read(Set<?> elements, Op op) {
        if (op.value() == null && op.type() != Op.Type.OK) {
            return elements;
        }
        if (!(op.value() instanceof Collection<?> seen)) {
            return Model.inconsistent("read " + EdnText.print(op.value()) + " is not a set");
        }
        Set<Object> read = new HashSet<>(seen);
        if (read.equals(elements)) {
            return elements;
        }
        return Model.inconsistent(() -> mismatch(elements, read, op.value()));
    }
}
