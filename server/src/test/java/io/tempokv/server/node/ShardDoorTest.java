package io.tempokv.server.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tempokv.core.CommandId;
import io.tempokv.core.message.MCommitRequest;
import io.tempokv.core.message.Message;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Peer messages that arrive while a shard's store opens reach its loop afterwards, in order, within a bound. */
class ShardDoorTest {
    private static Message m(long seq) {
        return new MCommitRequest(new CommandId(2, seq));
    }

    @Test
    void messagesBeforeTheShardOpensAreHeldAndHandedOverInOrder() {
        ShardDoor door = new ShardDoor();
        door.deliver(2, m(1));
        door.deliver(3, m(2));
        List<String> got = new ArrayList<>();
        ShardDoor.Target target = (from, msg) -> got.add(from + ":" + ((MCommitRequest) msg).id().seq());
        assertEquals(List.of(), got);
        door.open(target);
        assertEquals(List.of("2:1", "3:2"), got, "held messages first, in arrival order");
        door.deliver(4, m(3));
        assertEquals(List.of("2:1", "3:2", "4:3"), got, "after opening, straight through");
        assertEquals(0, door.dropped());
    }

    @Test
    void beyondTheBoundMessagesAreDroppedAndCounted() {
        ShardDoor door = new ShardDoor();
        for (int i = 1; i <= ShardDoor.HELD_MAX + 5; i++) {
            door.deliver(2, m(i));
        }
        assertEquals(5, door.dropped());
        List<Long> got = new ArrayList<>();
        door.open((from, msg) -> got.add(((MCommitRequest) msg).id().seq()));
        assertEquals(ShardDoor.HELD_MAX, got.size());
        assertEquals(1L, got.get(0));
        assertEquals((long) ShardDoor.HELD_MAX, got.get(got.size() - 1), "the first HELD_MAX are kept, the later ones dropped");
    }
}
