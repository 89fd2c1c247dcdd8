package io.tempokv.wire;

import io.tempokv.core.message.Message;
import java.util.Objects;

/** A decoded peer frame: the shard group it belongs to, the sending process and the protocol message. */
public record PeerFrame(int shard, int from, Message message) {
    public PeerFrame {
        Objects.requireNonNull(message, "message");
    }
}
