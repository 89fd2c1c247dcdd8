package io.tempokv.check;

/** What every checker result offers: a verdict, a text for people and an EDN map for tools. */
public interface Report {

    Verdict verdict();

    /** Multi-line explanation for a terminal. */
    String render();

    /** An EDN map whose {@code :valid?} is {@code true}, {@code false} or {@code :unknown}. */
    String toEdn();
}
