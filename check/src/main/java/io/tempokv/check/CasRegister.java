package io.tempokv.check;

import java.util.List;
import java.util.Objects;

/**
 * A single register supporting {@code :read}, {@code :write} and {@code :cas}; the state is
 * the register's value, {@code null} while nothing has been written.
 *
 * <ul>
 *   <li>{@code :write v} sets the value to v.</li>
 *   <li>{@code :cas [e n]} sets it to n if it equals e (a {@code nil} e matches only the
 *       absent register), and is inconsistent otherwise: an :ok cas is one that applied.</li>
 *   <li>{@code :read v} must see the current value. On a completed (:ok) read a {@code nil}
 *       value means the register was absent; on an invocation or :info read {@code nil} means
 *       the value is unknown and any state matches. (Knossos treats every {@code nil} read as
 *       unknown; this model is stricter because tempokv reports absence as {@code nil}.)</li>
 * </ul>
 */
public final class CasRegister implements Model {

    @Override
    public String name() {
        return "cas-register";
    }

    @Override
    public Object init() {
        return null;
    }

    @Override
    public boolean readOnly(Op op) {
        return op.f().equals("read");
    }

    @Override
    public void validate(Op op) {
        switch (op.f()) {
            case "read":
            case "write":
                return;
            case "cas":
                if (!(op.value() instanceof List<?> l && l.size() == 2)) {
                    throw new IllegalArgumentException("cas-register: op :index " + op.index()
                            + " is a :cas whose :value " + EdnText.print(op.value())
                            + " is not an [expected new] pair");
                }
                return;
            default:
                throw new IllegalArgumentException("cas-register: op :index " + op.index()
                        + " has :f :" + op.f() + "; expected :read, :write or :cas");
        }
    }

    @Override
    public Object step(Object state, Op op) {
        switch (op.f()) {
            case "write":
                return op.value();
            case "cas":
                return cas(state, (List<?>) op.value());
            case "read":
                return read(state, op);
            default:
                return Model.inconsistent("cas-register has no operation :" + op.f());
        }
    }

    private static Object cas(Object state, List<?> expectedNew) {
        Object expected = expectedNew.get(0);
        if (!Objects.equals(state, expected)) {
            return Model.inconsistent(() -> "cas expected " + EdnText.print(expected)
                    + " but the register held " + EdnText.print(state));
        }
        return expectedNew.get(1);
    }

    private static Object read(Object state, Op op) {
        boolean unknown = op.value() == null && op.type() != Op.Type.OK;
        if (unknown || Objects.equals(state, op.value())) {
            return state;
        }
        return Model.inconsistent(() -> "read " + EdnText.print(op.value())
                + " but the register held " + EdnText.print(state));
    }
}
