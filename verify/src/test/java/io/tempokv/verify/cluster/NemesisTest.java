package io.tempokv.verify.cluster;

import static io.tempokv.verify.cluster.Nemesis.Fault.CLOCK_JUMP;
import static io.tempokv.verify.cluster.Nemesis.Fault.CLOCK_SKEW;
import static io.tempokv.verify.cluster.Nemesis.Fault.CLOCK_STROBE;
import static io.tempokv.verify.cluster.Nemesis.Fault.KILL;
import static io.tempokv.verify.cluster.Nemesis.Fault.PARTITION_BRIDGE;
import static io.tempokv.verify.cluster.Nemesis.Fault.PARTITION_MAJORITY;
import static io.tempokv.verify.cluster.Nemesis.Fault.PARTITION_ONE;
import static io.tempokv.verify.cluster.Nemesis.Fault.PARTITION_RING;
import static io.tempokv.verify.cluster.Nemesis.Fault.PAUSE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.check.Op;
import io.tempokv.verify.cluster.Cluster.Capability;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import us.bpsm.edn.Keyword;

class NemesisTest {
    @TempDir
    Path tmp;

    /** A cluster that only records what was done to it, and tracks which faults are in force. */
    static final class FakeCluster implements Cluster {
        final int n;
        final Set<Capability> caps;
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        final Set<Integer> down = new HashSet<>();
        final Set<Integer> paused = new HashSet<>();
        Grudge partition;
        boolean clocksOff;

        FakeCluster(int n, Set<Capability> caps) {
            this.n = n;
            this.caps = caps;
        }

        /** Throws if a fault is already in force: the nemesis must heal one before making the next. */
        private synchronized void requireWhole(String what) {
            if (!down.isEmpty() || !paused.isEmpty() || partition != null || clocksOff) {
                throw new AssertionError(what + " while another fault is in force: " + calls);
            }
        }

        @Override
        public Set<Capability> capabilities() {
            return caps;
        }

        @Override
        public List<Integer> nodeIds() {
            return IntStream.rangeClosed(1, n).boxed().toList();
        }

        @Override
        public List<InetSocketAddress> clientEndpoints() {
            return List.of();
        }

        @Override
        public void startAll() {
        }

        @Override
        public synchronized void start(int id) {
            calls.add("start " + id);
            down.remove(id);
        }

        @Override
        public synchronized void kill(int id) {
            if (down.isEmpty()) {
                requireWhole("kill");
            }
            calls.add("kill " + id);
            down.add(id);
        }

        @Override
        public synchronized void pause(int id) {
            if (paused.isEmpty()) {
                requireWhole("pause");
            }
            calls.add("pause " + id);
            paused.add(id);
        }

        @Override
        public synchronized void resume(int id) {
            calls.add("resume " + id);
            paused.remove(id);
        }

        @Override
        public synchronized void partition(Grudge grudge) {
            requireWhole("partition");
            calls.add("partition " + grudge.describe());
            partition = grudge;
        }

        @Override
        public synchronized void healPartition() {
            calls.add("heal");
            partition = null;
        }

        @Override
        public synchronized void setClockOffsets(Map<Integer, Long> offsetSeconds) {
            requireWhole("skew");
            calls.add("offsets " + offsetSeconds);
            clocksOff = true;
        }

        @Override
        public synchronized void strobeClocks(List<Integer> nodes, long deltaSeconds, long periodMillis) {
            requireWhole("strobe");
            calls.add("strobe " + nodes + " " + deltaSeconds + " " + periodMillis);
            clocksOff = true;
        }

        @Override
        public synchronized void resetClocks() {
            calls.add("reset clocks");
            clocksOff = false;
        }

        @Override
        public void awaitReady() {
        }

        @Override
        public void collectLogs(Path dir) {
        }

        @Override
        public void close() {
        }
    }

    private final PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void familiesStandForTheirKindsThatFitTheClusterSize() {
        Set<Capability> all = EnumSet.allOf(Capability.class);
        assertEquals(List.of(PARTITION_ONE, PARTITION_MAJORITY, PARTITION_BRIDGE), Nemesis.parseFaults("partition", 3, all));
        assertEquals(List.of(PARTITION_ONE, PARTITION_MAJORITY, PARTITION_BRIDGE, PARTITION_RING), Nemesis.parseFaults("partition", 5, all));
        assertEquals(List.of(CLOCK_SKEW, CLOCK_JUMP, CLOCK_STROBE), Nemesis.parseFaults("clock", 3, all));
        assertEquals(List.of(KILL, PAUSE, PARTITION_ONE, PARTITION_MAJORITY, PARTITION_BRIDGE, CLOCK_SKEW, CLOCK_JUMP, CLOCK_STROBE),
                Nemesis.parseFaults("all", 3, all));
        assertEquals(List.of(KILL, PAUSE), Nemesis.parseFaults("all", 5, EnumSet.of(Capability.PROCESS)));
        assertEquals(List.of(PARTITION_BRIDGE, KILL), Nemesis.parseFaults("partition-bridge, kill,partition-bridge", 3, all));
        assertEquals(List.of(), Nemesis.parseFaults("none", 3, all));
        // a family named on its own is taken whatever the capabilities: the caller reports what is missing
        assertEquals(List.of(PARTITION_ONE, PARTITION_MAJORITY, PARTITION_BRIDGE),
                Nemesis.parseFaults("partition", 3, EnumSet.of(Capability.PROCESS)));
    }

    @Test
    void badFaultNamesAreRefusedByName() {
        Set<Capability> all = EnumSet.allOf(Capability.class);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Nemesis.parseFaults("kill,partiton", 3, all));
        assertTrue(e.getMessage().startsWith("unknown fault 'partiton'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Nemesis.parseFaults("partition-ring", 3, all));
        assertTrue(e.getMessage().startsWith("partition-ring needs at least 4 nodes, the cluster has 3"), e.getMessage());
    }

    @Test
    void testNamesUseTheFamilyForSeveralKinds() {
        assertEquals("kill+pause", Nemesis.describe(List.of(KILL, PAUSE)));
        assertEquals("partition-one", Nemesis.describe(List.of(PARTITION_ONE)));
        assertEquals("partition+clock", Nemesis.describe(List.of(PARTITION_ONE, PARTITION_RING, CLOCK_SKEW, CLOCK_STROBE)));
        assertEquals("none", Nemesis.describe(List.of()));
        assertEquals("bridge", PARTITION_BRIDGE.kind());
        assertEquals("kill", KILL.kind());
        assertEquals("clock", CLOCK_JUMP.family());
    }

    @Test
    void aLocalClusterRefusesPartitionsAndClocksClearly() throws Exception {
        try (LocalCluster local = LocalCluster.create(tmp, 3)) {
            assertEquals(Set.of(Capability.PROCESS), local.capabilities());
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> local.partition(Grudge.isolate(List.of(1, 2, 3), 1)));
            assertTrue(e.getMessage().contains("partition needs --cluster testbed or ssh"), e.getMessage());
            e = assertThrows(UnsupportedOperationException.class, () -> local.setClockOffsets(Map.of(1, 10L)));
            assertTrue(e.getMessage().contains("clock needs --cluster testbed or ssh"), e.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> local.strobeClocks(List.of(1), 10, 1000));
            e = assertThrows(UnsupportedOperationException.class,
                    () -> new Nemesis(local, new History(), List.of(KILL, PARTITION_MAJORITY), 1000, 1, log));
            assertTrue(e.getMessage().startsWith("partition-majority needs a cluster that can cut its nodes' network "
                    + "(--cluster testbed or ssh); LocalCluster can [PROCESS]"), e.getMessage());
        }
    }

    @Test
    void theCombinedNemesisRunsEveryKindOneAtATimeAndRecordsEachInTheHistory() throws Exception {
        FakeCluster c = new FakeCluster(5, EnumSet.allOf(Capability.class));
        History h = new History();
        List<Nemesis.Fault> kinds = List.of(Nemesis.Fault.values());
        Nemesis nemesis = new Nemesis(c, h, kinds, 5, 42, log);
        nemesis.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() < deadline && !Set.copyOf(nemesis.intervals().stream().map(Nemesis.Interval::fault).toList())
                .containsAll(kinds)) {
            Thread.sleep(20);
        }
        nemesis.stopAndHeal();
        List<Nemesis.Interval> intervals = nemesis.intervals();
        assertEquals(Set.copyOf(kinds), Set.copyOf(intervals.stream().map(Nemesis.Interval::fault).toList()), "every kind ran");
        assertTrue(c.down.isEmpty() && c.paused.isEmpty() && c.partition == null && !c.clocksOff, "all healed: " + c.calls);

        List<Op> ops = h.ops().stream().filter(Op::isNemesis).toList();
        assertTrue(ops.stream().allMatch(op -> op.type() == Op.Type.INFO));
        // starts and stops alternate, each stop of the same family as the start before it
        for (int i = 0; i + 1 < ops.size(); i += 2) {
            assertTrue(ops.get(i).f().startsWith("start-"), ops.get(i).toString());
            assertEquals("stop-" + ops.get(i).f().substring("start-".length()), ops.get(i + 1).f());
        }
        assertEquals(intervals.size() * 2, ops.size(), "one start and one stop per fault");
        for (int i = 0; i < intervals.size(); i++) {
            Nemesis.Interval iv = intervals.get(i);
            Op start = ops.get(2 * i);
            assertEquals("start-" + iv.fault().family(), start.f());
            assertTrue(iv.startNanos() <= start.time() && start.time() <= iv.endNanos());
            assertFalse(iv.nodes().isEmpty(), iv.toString());
            assertFalse(iv.detail().isBlank(), iv.toString());
            if (iv.fault().family().equals("partition")) {
                Map<?, ?> v = (Map<?, ?>) start.value();
                assertEquals(Keyword.newKeyword(iv.fault().kind()), v.get(Keyword.newKeyword("kind")));
                Map<?, ?> grudge = (Map<?, ?>) v.get(Keyword.newKeyword("grudge"));
                assertEquals(5, grudge.size(), "the grudge names every node: " + grudge);
            }
            if (iv.fault() == CLOCK_SKEW || iv.fault() == CLOCK_JUMP) {
                Map<?, ?> offsets = (Map<?, ?>) ((Map<?, ?>) start.value()).get(Keyword.newKeyword("offsets"));
                long min = iv.fault() == CLOCK_SKEW ? 1 : 600;
                long max = iv.fault() == CLOCK_SKEW ? 120 : 7200;
                for (Object o : offsets.values()) {
                    long s = Math.abs((Long) o);
                    assertTrue(s >= min && s <= max, iv.fault() + " offset " + o);
                }
            }
            if (iv.fault() == KILL || iv.fault() == PAUSE) {
                assertTrue(iv.nodes().size() <= 2, "never more than f = 2 of 5 nodes: " + iv);
            }
        }
    }
}
