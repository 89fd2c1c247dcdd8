package io.tempokv.core.message;

import io.tempokv.core.CommandId;

/** Sent by a replica that lacks the commit or the payload of id (stability blocked on it). */
public record MCommitRequest(CommandId id) implements Message {
}
