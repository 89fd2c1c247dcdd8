package io.tempokv.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tempokv.core.store.ClientSession;
import io.tempokv.core.store.CommandRecord;
import io.tempokv.core.store.DurableState;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Any bytes given to any decoder produce a well-formed object or a WireFormatException, nothing else.
 * An accepted input is also re-encoded and decoded again: it must come back equal, which catches
 * decoders that accept something they cannot represent faithfully.
 */
class FuzzTest {
    private static final int RANDOM_INPUTS = 20_000;
    private static final int MUTATED_INPUTS = 20_000;

    private interface Decoder {
        Object decode(byte[] bytes) throws WireFormatException;
    }

    private interface Encoder {
        byte[] encode(Object decoded);
    }

    private interface Sampler {
        byte[] sample(Gen g);
    }

    /** One frame or record kind: how to produce a valid encoding, decode it and write it again. */
    private record Kind(String name, Sampler sampler, Decoder decoder, Encoder encoder) {
    }

    private static final List<Kind> KINDS = List.of(
            new Kind("peer", g -> Codec.encodePeer(g.natural(), g.process(), g.message()), Codec::decodePeer, o -> {
                PeerFrame f = (PeerFrame) o;
                return Codec.encodePeer(f.shard(), f.from(), f.message());
            }),
            new Kind("hello", g -> Codec.encodeHello(g.process(), g.string(), g.string()), Codec::decodeHello,
                    o -> Codec.encodeHello((Hello) o)),
            new Kind("client", FuzzTest::clientSample, Codec::decodeClient, FuzzTest::encodeClient),
            new Kind("server", FuzzTest::serverSample, Codec::decodeServer, FuzzTest::encodeServer),
            new Kind("command record", g -> RecordCodec.encode(g.commandRecord()), RecordCodec::decodeCommand,
                    o -> RecordCodec.encode((CommandRecord) o)),
            new Kind("client session", g -> RecordCodec.encode(g.session()), RecordCodec::decodeSession,
                    o -> RecordCodec.encode((ClientSession) o)),
            new Kind("executed snapshot", g -> RecordCodec.encode(g.snapshot()), RecordCodec::decodeExecuted,
                    o -> RecordCodec.encode((DurableState.ExecutedSnapshot) o)));

    private static byte[] clientSample(Gen g) {
        return g.chance(0.8) ? Codec.encodeClient(g.request()) : Codec.encodeStatusRequest(g.anyLong());
    }

    private static byte[] encodeClient(Object o) {
        if (o instanceof ClientFrame.RequestFrame r) {
            return Codec.encodeClient(r.request());
        }
        return Codec.encodeStatusRequest(((ClientFrame.StatusRequestFrame) o).tag());
    }

    private static byte[] serverSample(Gen g) {
        switch (g.random().nextInt(3)) {
            case 0: return Codec.encodeReply(g.reply());
            case 1: return Codec.encodeStatus(g.status());
            default: return Codec.encodeError(g.chance(0.5) ? g.requestId() : null, g.string());
        }
    }

    private static byte[] encodeServer(Object o) {
        if (o instanceof ServerFrame.ReplyFrame r) {
            return Codec.encodeReply(r.reply());
        } else if (o instanceof ServerFrame.StatusFrame s) {
            return Codec.encodeStatus(s.status());
        }
        ServerFrame.ErrorFrame e = (ServerFrame.ErrorFrame) o;
        return Codec.encodeError(e.request(), e.detail());
    }

    /** Decodes; returns whether the input was accepted. Fails the test on anything but the two outcomes. */
    private static boolean check(Kind k, byte[] input) {
        Object decoded;
        try {
            decoded = k.decoder().decode(input);
        } catch (WireFormatException e) {
            assertFalse(e.getMessage().contains(Convert.DECODER_BUG), () -> k.name() + " on " + hex(input) + ": " + e.getMessage());
            return false;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            return fail(k.name() + " decoder threw " + e + " on " + hex(input), e);
        }
        assertNotNull(decoded);
        try {
            assertEquals(decoded, k.decoder().decode(k.encoder().encode(decoded)), () -> k.name() + " on " + hex(input));
        } catch (WireFormatException e) {
            fail(k.name() + " accepted " + hex(input) + " but refused its own re-encoding: " + e.getMessage(), e);
        }
        return true;
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b, 0, Math.min(b.length, 512));
    }

    @Test
    void randomBytesNeverEscapeAsAnythingButFormatErrors() {
        SplittableRandom r = new SplittableRandom(31337);
        int accepted = 0;
        for (int i = 0; i < RANDOM_INPUTS; i++) {
            byte[] input = new byte[r.nextInt(4) == 0 ? r.nextInt(8) : r.nextInt(300)];
            r.nextBytes(input);
            for (Kind k : KINDS) {
                accepted += check(k, input) ? 1 : 0;
            }
        }
        System.out.println("fuzz: random inputs accepted " + accepted + " of " + RANDOM_INPUTS * KINDS.size() + " decodes");
    }

    @Test
    void mutatedValidEncodingsNeverEscapeAsAnythingButFormatErrors() {
        Gen g = new Gen(4242);
        SplittableRandom r = g.random();
        int[] accepted = new int[KINDS.size()];
        int[] total = new int[KINDS.size()];
        for (int i = 0; i < MUTATED_INPUTS; i++) {
            int kind = i % KINDS.size();
            Kind k = KINDS.get(kind);
            byte[] input = mutate(r, k.sampler().sample(g));
            total[kind]++;
            accepted[kind] += check(k, input) ? 1 : 0;
            // The same bytes at a decoder of another kind: a frame on the wrong connection.
            check(KINDS.get(r.nextInt(KINDS.size())), input);
        }
        for (int i = 0; i < KINDS.size(); i++) {
            System.out.println("fuzz: mutated " + KINDS.get(i).name() + " accepted " + accepted[i] + " of " + total[i]);
            // Both outcomes must occur, or the mutations are not testing the decoder's checks.
            assertTrue(accepted[i] > 0 && accepted[i] < total[i], KINDS.get(i).name() + ": " + accepted[i] + "/" + total[i]);
        }
    }

    /** One to three of: bit flips, truncation, appended garbage, overwritten, inserted or deleted bytes. */
    private static byte[] mutate(SplittableRandom r, byte[] valid) {
        byte[] b = valid;
        int rounds = 1 + r.nextInt(3);
        for (int i = 0; i < rounds; i++) {
            b = mutateOnce(r, b);
        }
        return b;
    }

    private static byte[] mutateOnce(SplittableRandom r, byte[] b) {
        int op = b.length == 0 ? 2 : r.nextInt(6);
        switch (op) {
            case 0: {
                byte[] c = b.clone();
                int flips = 1 + r.nextInt(8);
                for (int i = 0; i < flips; i++) {
                    int bit = r.nextInt(c.length * 8);
                    c[bit / 8] ^= (byte) (1 << (bit % 8));
                }
                return c;
            }
            case 1: return Arrays.copyOf(b, r.nextInt(b.length));
            case 2: {
                byte[] garbage = new byte[1 + r.nextInt(20)];
                r.nextBytes(garbage);
                byte[] c = Arrays.copyOf(b, b.length + garbage.length);
                System.arraycopy(garbage, 0, c, b.length, garbage.length);
                return c;
            }
            case 3: {
                byte[] c = b.clone();
                c[r.nextInt(c.length)] = (byte) r.nextInt(256);
                return c;
            }
            case 4: {
                int at = r.nextInt(b.length + 1);
                byte[] c = new byte[b.length + 1];
                System.arraycopy(b, 0, c, 0, at);
                c[at] = (byte) r.nextInt(256);
                System.arraycopy(b, at, c, at + 1, b.length - at);
                return c;
            }
            default: {
                int from = r.nextInt(b.length);
                int to = from + 1 + r.nextInt(Math.min(8, b.length - from));
                byte[] c = new byte[b.length - (to - from)];
                System.arraycopy(b, 0, c, 0, from);
                System.arraycopy(b, to, c, from, b.length - to);
                return c;
            }
        }
    }
}
