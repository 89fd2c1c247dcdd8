package io.tempokv.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tempokv.verify.cluster.SshCluster;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The tempokv.yaml the robustness suite writes on SSH hosts is one the node accepts, for 3 and 5 members. */
class SshClusterConfigTest {
    @Test
    void everyNodesRenderedConfigLoads() {
        for (int n : new int[] {3, 5}) {
            List<SshCluster.Host> hosts = IntStream.rangeClosed(1, n).mapToObj(i -> new SshCluster.Host("n" + i, "10.77.5." + (10 + i)))
                    .toList();
            SshCluster c = SshCluster.create(hosts, SshCluster.Options.defaults(), cmd -> {
                throw new AssertionError("rendering runs no command: " + cmd);
            }, new PrintStream(new ByteArrayOutputStream()));
            for (int id = 1; id <= n; id++) {
                NodeConfig cfg = ConfigLoader.parse(c.renderConfig(id), "n" + id + ":/etc/tempokv/tempokv.yaml");
                assertEquals(id, cfg.nodeId());
                assertEquals("0.0.0.0", cfg.listen());
                assertEquals(Path.of("/var/lib/tempokv"), cfg.dataDir());
                assertEquals(IntStream.rangeClosed(1, n).boxed().toList(), cfg.memberIds());
                assertEquals((n - 1) / 2, cfg.f());
                assertEquals("10.77.5." + (10 + id), cfg.self().host());
                assertEquals(new NodeConfig.Ports(7400, 7500, 7600), cfg.self().ports());
            }
        }
    }
}
