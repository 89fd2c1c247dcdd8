package io.tempokv.core;

/**
 * Result of one operation. GET: ok, value (null when absent). PUT/DELETE: ok. CAS: ok tells
 * whether it applied; value is the value the key held when the CAS was evaluated.
 */
public record OpResult(boolean ok, String value) {
    public static final OpResult OK = new OpResult(true, null);
}
