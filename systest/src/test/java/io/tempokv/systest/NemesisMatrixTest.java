package io.tempokv.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.check.Verdict;
import io.tempokv.verify.Verify;
import io.tempokv.verify.cluster.Cluster;
import io.tempokv.verify.cluster.Nemesis;
import io.tempokv.verify.cluster.SshCluster;
import io.tempokv.verify.cluster.TestbedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 7: the robustness suite on five test nodes with real faults: each nemesis alone (kill,
 * pause, iptables partitions of every shape, libfaketime clock skew/jump/strobe) and all combined,
 * for the register and the set workload. A cell passes only with a VALID verdict: a lost
 * acknowledged write shows up as an invalid final read. Cells are short here (CI); the long
 * matrix and its results are in docs/results.md.
 */
@Order(3)
@ExtendWith(TestbedExtension.class)
class NemesisMatrixTest {
    static final int TIME_LIMIT = Integer.getInteger("tempokv.systest.timeLimit", 15);
    private static boolean installed;

    static Stream<Arguments> cells() {
        List<Arguments> out = new ArrayList<>();
        for (String workload : List.of("register", "set")) {
            for (String nemesis : List.of("kill", "pause", "partition", "clock", "all")) {
                out.add(Arguments.of(workload, nemesis));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} under {1}")
    @MethodSource("cells")
    void everyCellIsValid(String workload, String nemesis, Testbed tb) throws Exception {
        SshCluster.Options opts = SshCluster.Options.defaults().withClockFaults(true);
        if (!installed) {
            // the first cell installs this build's package; later cells reuse it (each wipes the data first)
            opts = opts.withDeb(Testbed.packageFile("tempokv_" + Testbed.packageVersion() + "_all.deb"));
        }
        List<Nemesis.Fault> faults = Nemesis.parseFaults(nemesis, Testbed.NODES, EnumSet.allOf(Cluster.Capability.class));
        Path store = Path.of("target", "store").toAbsolutePath();
        Files.createDirectories(store);
        Verify.Outcome o = Verify.run(new Verify.Config(workload, faults, TIME_LIMIT, Testbed.NODES, 0, 10, store, 3, 5, 200),
                TestbedCluster.factory(Testbed.ID, opts, System.out), System.out);
        installed = true;
        System.out.printf("systest: %s under %s: %s ok=%d fail=%d info=%d report %s%n", workload, nemesis, o.verdict(),
                o.stats().ok(), o.stats().fail(), o.stats().info(), o.runDir());
        assertEquals(Verdict.VALID, o.verdict(), workload + " under " + nemesis + ": " + o.explanation() + " (report " + o.runDir() + ")");
        assertTrue(o.stats().ok() > 0, "the workload made progress");
        if (!nemesis.equals("all")) {
            assertTrue(!o.stats().faults().isEmpty(), "the nemesis injected at least one fault: " + o.stats());
        }
    }
}
