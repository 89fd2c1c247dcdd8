package io.tempokv.core;

import io.tempokv.core.message.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * What a replica produced in its steps, for the host to drain: messages to send (only after the
 * host made the step's store writes durable), client replies, execution events and rejections.
 */
public final class Outbox {
    /** A message for one peer. */
    public record Envelope(int to, Message message) {
    }

    /** A command executed here, in order; the simulator checks orders and results with these. */
    public record Executed(int replica, CommandId id, long ts, ClientRequestId request, List<String> keys,
                           List<OpResult> results, boolean duplicate) {
    }

    /**
     * This replica installed a donor's snapshot (docs/protocol.md, D8) instead of executing the
     * commands it covers; the simulator checks it against what the donor had executed when it sent
     * snapshot {@code id}. {@code keys} and {@code sessions}: how many it installed.
     */
    public record Installed(int replica, int donor, long id, long keys, long sessions) {
    }

    /** A message that was rejected, with the reason; hosts log these. */
    public record Rejection(int from, String messageType, Outcome outcome, String reason) {
    }

    final List<Envelope> sends = new ArrayList<>();
    final List<Reply> replies = new ArrayList<>();
    final List<Executed> executed = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    final List<Installed> installed = new ArrayList<>();

    public List<Envelope> drainSends() {
        return drain(sends);
    }

    public List<Reply> drainReplies() {
        return drain(replies);
    }

    public List<Executed> drainExecuted() {
        return drain(executed);
    }

    public List<Installed> drainInstalled() {
        return drain(installed);
    }

    public List<Rejection> drainRejections() {
        return drain(rejections);
    }

    private static <T> List<T> drain(List<T> list) {
        List<T> out = new ArrayList<>(list);
        list.clear();
        return out;
    }
}
