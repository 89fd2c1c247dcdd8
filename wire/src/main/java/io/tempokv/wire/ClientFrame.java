package io.tempokv.wire;

import io.tempokv.core.Request;
import java.util.Objects;

/** What a client sends: a request to execute, or a status query answered with {@link StatusInfo}. */
public sealed interface ClientFrame permits ClientFrame.RequestFrame, ClientFrame.StatusRequestFrame {

    /** Operations to execute; the ops list may be empty (the replica rejects it with a reason). */
    record RequestFrame(Request request) implements ClientFrame {
        public RequestFrame {
            Objects.requireNonNull(request, "request");
        }
    }

    /** A status query; the reply echoes the tag so that a client can match it. */
    record StatusRequestFrame(long tag) implements ClientFrame {
    }
}
