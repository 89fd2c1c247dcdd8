package io.tempokv.core;

import java.util.Objects;

/**
 * One operation of a command. For CAS, {@code expected == null} means "the key must be absent".
 */
public record Op(Kind kind, String key, String value, String expected) {
    public enum Kind { GET, PUT, DELETE, CAS }

    public Op {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(key, "key");
        if ((kind == Kind.PUT || kind == Kind.CAS) && value == null) {
            throw new IllegalArgumentException(kind + " on key " + key + " needs a value");
        }
    }

    public static Op get(String key) {
        return new Op(Kind.GET, key, null, null);
    }

    public static Op put(String key, String value) {
        return new Op(Kind.PUT, key, value, null);
    }

    public static Op delete(String key) {
        return new Op(Kind.DELETE, key, null, null);
    }

    public static Op cas(String key, String expected, String value) {
        return new Op(Kind.CAS, key, value, expected);
    }

    public boolean writes() {
        return kind != Kind.GET;
    }
}
