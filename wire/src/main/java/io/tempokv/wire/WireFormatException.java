package io.tempokv.wire;

/**
 * Bytes that do not decode to a well-formed core object. The message names the protobuf message
 * type and field at fault and why, e.g. {@code "MPropose.quorum: member id 0 is not a process id
 * (ids start at 1)"}. Checked on purpose: every caller that reads bytes from a peer, a client or the
 * disk must decide what a bad frame means for it (close the connection, refuse to start).
 */
public final class WireFormatException extends Exception {
    public WireFormatException(String message) {
        super(message);
    }

    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
