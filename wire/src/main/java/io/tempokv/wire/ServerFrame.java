package io.tempokv.wire;

import io.tempokv.core.ClientRequestId;
import io.tempokv.core.Reply;
import java.util.Objects;

/**
 * What a server sends to a client: a reply to a request (OK or REJECTED), a status answer, or an
 * error. An error (Reply.Status.ERROR on the wire) means the server could not understand a frame and
 * is closing the connection; core's Reply has no such status, hence a separate variant.
 */
public sealed interface ServerFrame permits ServerFrame.ReplyFrame, ServerFrame.StatusFrame, ServerFrame.ErrorFrame {

    record ReplyFrame(Reply reply) implements ServerFrame {
        public ReplyFrame {
            Objects.requireNonNull(reply, "reply");
        }
    }

    record StatusFrame(StatusInfo status) implements ServerFrame {
        public StatusFrame {
            Objects.requireNonNull(status, "status");
        }
    }

    /** request is null when the server could not tell which request the bad frame was. */
    record ErrorFrame(ClientRequestId request, String detail) implements ServerFrame {
        public ErrorFrame {
            Objects.requireNonNull(detail, "detail");
        }
    }
}
