package io.tempokv.sim;

import io.tempokv.core.message.MConsensusAck;
import io.tempokv.core.message.MPromises;
import io.tempokv.core.message.MProposeAck;
import io.tempokv.core.message.MRecAck;
import io.tempokv.core.message.Message;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.InMemoryStore;

/**
 * Checks, for every message a replica sends, that what it reveals was handed to the store first:
 * proposals before MProposeAck, joined ballots before MRecAck, accepted values before
 * MConsensusAck, clocks before MPromises (docs/protocol.md, "Crash-restart").
 */
final class Durability {
    private Durability() {
    }

    static String revealedButNotStored(InMemoryStore store, Message m) {
        if (m instanceof MProposeAck a) {
            CommandRecord r = store.command(a.id());
            return r != null && r.proposal() == a.ts() ? null : "proposal " + a.ts() + " for " + a.id() + " not stored (" + r + ")";
        } else if (m instanceof MRecAck a) {
            CommandRecord r = store.command(a.id());
            return r != null && r.bal().equals(a.ballot()) && r.abal().equals(a.abal())
                    ? null : "ballot " + a.ballot() + " for " + a.id() + " not stored (" + r + ")";
        } else if (m instanceof MConsensusAck a) {
            CommandRecord r = store.command(a.id());
            return r != null && r.abal().compareTo(a.ballot()) >= 0 ? null : "accepted ballot " + a.ballot() + " for " + a.id() + " not stored";
        } else if (m instanceof MPromises p) {
            for (MPromises.BucketPromises bp : p.buckets()) {
                if (store.clock(bp.bucket()) < bp.clock()) {
                    return "clock " + bp.clock() + " of bucket " + bp.bucket() + " not stored (" + store.clock(bp.bucket()) + ")";
                }
            }
            for (MPromises.Collected c : p.collected()) {
                if (store.collected(c.origin()) < c.watermark()) {
                    return "collection horizon " + c.watermark() + " of origin " + c.origin() + " not stored";
                }
            }
        }
        return null;
    }
}
