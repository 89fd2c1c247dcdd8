package io.tempokv.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tempokv.core.Ballot;
import io.tempokv.core.CommandId;
import io.tempokv.core.OpResult;
import io.tempokv.core.Phase;
import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import io.tempokv.wire.proto.RecordsProto;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecordCodecTest {
    private static final int COUNT = 3_000;

    @Test
    void commandRecordsRoundTrip() throws WireFormatException {
        Gen g = new Gen(11);
        for (int i = 0; i < COUNT; i++) {
            CommandRecord r = g.commandRecord();
            assertEquals(r, RecordCodec.decodeCommand(RecordCodec.encode(r)), "iteration " + i);
        }
    }

    @Test
    void recordWithoutPayloadKeepsNullPayloadAndZeroBallots() throws WireFormatException {
        CommandRecord r = new CommandRecord(new CommandId(2, 5), null, List.of(), 0, Phase.START, 0,
                Ballot.ZERO, Ballot.ZERO, 0, 0);
        CommandRecord back = RecordCodec.decodeCommand(RecordCodec.encode(r));
        assertNull(back.payload());
        assertEquals(r, back);
    }

    @Test
    void sessionsRoundTrip() throws WireFormatException {
        Gen g = new Gen(12);
        for (int i = 0; i < COUNT; i++) {
            ClientSession s = g.session();
            assertEquals(s, RecordCodec.decodeSession(RecordCodec.encode(s)), "iteration " + i);
        }
        ClientSession absentAndEmpty = new ClientSession(3, List.of(new OpResult(true, null), new OpResult(false, "")));
        assertEquals(absentAndEmpty, RecordCodec.decodeSession(RecordCodec.encode(absentAndEmpty)));
    }

    @Test
    void executedSnapshotsRoundTrip() throws WireFormatException {
        Gen g = new Gen(13);
        for (int i = 0; i < COUNT; i++) {
            DurableState.ExecutedSnapshot s = g.snapshot();
            assertEquals(s, RecordCodec.decodeExecuted(RecordCodec.encode(s)), "iteration " + i);
        }
    }

    /** The disk holds what this replica wrote: no message-sized bound may make it unreadable. */
    @Test
    void largeExecutedSnapshotIsNotBounded() throws WireFormatException {
        List<Long> above = new ArrayList<>();
        for (long i = 0; i < 3L * Codec.MAX_ABOVE; i++) {
            above.add(i + 10);
        }
        DurableState.ExecutedSnapshot s = new DurableState.ExecutedSnapshot(5, above);
        assertEquals(s, RecordCodec.decodeExecuted(RecordCodec.encode(s)));
    }

    private static String expectedVersionError(String type, int version) {
        return type + ": format_version " + version + " is not supported (this tempokv reads version 1);"
                + " the data directory was written by another tempokv version";
    }

    @Test
    void anotherFormatVersionIsRefused() {
        byte[] cmd = RecordsProto.CommandRecord.newBuilder().setFormatVersion(2).build().toByteArray();
        assertEquals(expectedVersionError("CommandRecord", 2),
                assertThrows(WireFormatException.class, () -> RecordCodec.decodeCommand(cmd)).getMessage());
        byte[] session = RecordsProto.ClientSession.newBuilder().setFormatVersion(7).setSeq(1).build().toByteArray();
        assertEquals(expectedVersionError("ClientSession", 7),
                assertThrows(WireFormatException.class, () -> RecordCodec.decodeSession(session)).getMessage());
        byte[] executed = RecordsProto.ExecutedSnapshot.newBuilder().setFormatVersion(99).build().toByteArray();
        assertEquals(expectedVersionError("ExecutedSnapshot", 99),
                assertThrows(WireFormatException.class, () -> RecordCodec.decodeExecuted(executed)).getMessage());
    }

    /** No format_version at all (e.g. an empty value) reads as version 0, which is not ours either. */
    @Test
    void missingFormatVersionIsRefused() {
        assertEquals(expectedVersionError("ExecutedSnapshot", 0),
                assertThrows(WireFormatException.class, () -> RecordCodec.decodeExecuted(new byte[0])).getMessage());
    }

    @Test
    void recordMissingABallotIsRefused() {
        CommandRecord r = new CommandRecord(new CommandId(1, 1), null, List.of(), 0, Phase.COMMIT, 1,
                Ballot.ZERO, new Ballot(1, 2), 1, 1);
        byte[] bytes;
        try {
            bytes = RecordsProto.CommandRecord.parseFrom(RecordCodec.encode(r)).toBuilder().clearAbal().build().toByteArray();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        assertEquals("CommandRecord.abal: missing (required)",
                assertThrows(WireFormatException.class, () -> RecordCodec.decodeCommand(bytes)).getMessage());
    }
}
