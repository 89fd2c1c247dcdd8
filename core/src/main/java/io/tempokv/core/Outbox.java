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

    /**
     * A restarted replica caught up (docs/protocol.md, D10), with where the time went, in ticks
     * since the restart: when the f-th peer's executed report arrived ({@code -1}: never, the wait
     * ran out), when it first asked for a snapshot and when it last finished installing one
     * ({@code -1}: not at all), how many it asked for and installed, and how many commands it
     * executed meanwhile. Hosts log it, so an operator sees why a node took long to serve again.
     */
    public record CaughtUp(int replica, long ticks, long reportsTick, long firstSnapshotRequestTick, long installedTick,
                           long snapshotRequests, long snapshotInstalls, long executedCommands, boolean timedOut) {
        public String describe() {
            return "caught up " + ticks + " ticks after the restart" + (timedOut ? " (stopped waiting: " + Replica.CATCH_UP_MAX_TICKS
                    + " ticks)" : "") + ": executed reports from f peers " + at(reportsTick) + "; snapshot first asked for "
                    + at(firstSnapshotRequestTick) + ", " + snapshotRequests + " requests, " + snapshotInstalls + " installed"
                    + (installedTick >= 0 ? " (the last done at tick " + installedTick + ")" : "") + "; " + executedCommands
                    + " commands executed meanwhile";
        }

        private static String at(long tick) {
            return tick < 0 ? "never" : "at tick " + tick;
        }
    }

    /** A message that was rejected, with the reason; hosts log these. */
    public record Rejection(int from, String messageType, Outcome outcome, String reason) {
    }

    final List<Envelope> sends = new ArrayList<>();
    final List<Reply> replies = new ArrayList<>();
    final List<Executed> executed = new ArrayList<>();
    final List<Rejection> rejections = new ArrayList<>();
    final List<Installed> installed = new ArrayList<>();
    final List<CaughtUp> caughtUp = new ArrayList<>();

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

    public List<CaughtUp> drainCaughtUp() {
        return drain(caughtUp);
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
