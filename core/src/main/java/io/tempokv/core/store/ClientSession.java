package io.tempokv.core.store;

import io.tempokv.core.OpResult;
import java.util.List;

/** The last request a client had applied, and its results, so that a retry applies at most once. */
public record ClientSession(long seq, List<OpResult> results) {
    public ClientSession {
        results = List.copyOf(results);
    }
}
