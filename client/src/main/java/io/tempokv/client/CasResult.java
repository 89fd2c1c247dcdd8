package io.tempokv.client;

/** Outcome of a compare-and-set: whether it applied, and the value the key held when it was evaluated. */
public record CasResult(boolean applied, String current) {
}
