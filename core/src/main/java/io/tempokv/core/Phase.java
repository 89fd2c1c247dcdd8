package io.tempokv.core;

/** Per-command phase at one replica (docs/protocol.md). Never moves backwards. */
public enum Phase {
    START, PAYLOAD, PROPOSE, RECOVER_R, RECOVER_P, COMMIT, EXECUTE;

    public boolean committed() {
        return this == COMMIT || this == EXECUTE;
    }
}
