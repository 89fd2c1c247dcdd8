package io.tempokv.systest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tempokv.client.ClientOptions;
import io.tempokv.client.TempoClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 5: the .deb on three test nodes, driven through its init script as an operator would
 * (install, configure, start, SIGKILL and restart, purge), and the tarball run from where it is
 * unpacked. Leaves every node clean for the next class.
 */
@Order(1)
@ExtendWith(TestbedExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageOnTestNodesTest {
    static final ClientOptions CLIENT = new ClientOptions(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(30), 4);
    private static final int[] THREE = {1, 2, 3};

    /** The tempokv.yaml of member `id` of a cluster over the first n test nodes. */
    static String config(Testbed tb, int id, int n) {
        StringBuilder sb = new StringBuilder();
        sb.append("node-id: ").append(id).append("\ncluster-id: systest\ndata-dir: /var/lib/tempokv\nlisten: 0.0.0.0\nshards: 2\nmembers:\n");
        for (int m = 1; m <= n; m++) {
            sb.append("  - {id: ").append(m).append(", host: ").append(tb.ip(m)).append("}\n");
        }
        return sb.toString();
    }

    static void writeFile(Testbed tb, int node, String path, String content) {
        tb.ssh(node, "cat > " + path + " <<'TEMPOKV_EOF'\n" + content + "TEMPOKV_EOF\n").orThrow("writing " + path + " on " + tb.name(node));
    }

    /**
     * The Jepsen suite's data-directory steps (jepsen/resources/tempokv/fresh-dirs.sh, which
     * tempokv.db runs at teardown and set-up), copied to the node and run there as the suite does.
     */
    static Testbed.Result freshDirs(Testbed tb, int node, String owner) throws java.io.IOException {
        writeFile(tb, node, "/tmp/fresh-dirs.sh", java.nio.file.Files.readString(Path.of("..", "jepsen", "resources", "tempokv", "fresh-dirs.sh")));
        return tb.ssh(node, "sh /tmp/fresh-dirs.sh /var/lib/tempokv /var/log/tempokv " + owner);
    }

    @Test
    @Order(1)
    void theDebInstallsOfflineWithoutStartingTheService(Testbed tb) throws Exception {
        Path deb = Testbed.packageFile("tempokv_" + Testbed.packageVersion() + "_all.deb");
        for (int i : THREE) {
            // Jepsen's first teardown on a fresh node, before the package made its user
            assertNotEquals(0, tb.ssh(i, "id -u tempokv").exit(), "fresh test nodes: no user tempokv before the install on " + tb.name(i));
            freshDirs(tb, i, "tempokv").orThrow("the suite's fresh-dirs.sh before the package's user exists, on " + tb.name(i));
            assertEquals("root:root", tb.ssh(i, "stat -c '%U:%G' /var/lib/tempokv").out().strip(), "left to root without the user");
            tb.copyTo(i, deb, "/tmp/tempokv.deb");
            tb.ssh(i, "DEBIAN_FRONTEND=noninteractive apt-get install -y -q /tmp/tempokv.deb", Duration.ofMinutes(5))
                    .orThrow("apt-get install of " + deb.getFileName() + " on " + tb.name(i));
            assertEquals(3, tb.ssh(i, "/etc/init.d/tempokv status").exit(), "installed, not started (LSB status 3) on " + tb.name(i));
            assertEquals("tempokv:tempokv 750", tb.ssh(i, "stat -c '%U:%G %a' /var/lib/tempokv").out().strip(), "data dir owner and mode");
            assertEquals(0, tb.ssh(i, "test -x /usr/bin/tempokv && test -f /etc/tempokv/tempokv.yaml && test -f /etc/default/tempokv").exit());
        }
    }

    @Test
    @Order(2)
    void aThreeNodeClusterStartsThroughTheInitScriptAndServes(Testbed tb) throws Exception {
        for (int i : THREE) {
            // What the Jepsen suite's set-up does after installing: a log file and a shard
            // directory root made (an older teardown's) must not keep the service from starting.
            tb.ssh(i, "mkdir -p /var/lib/tempokv/shard-0 && touch /var/log/tempokv/tempokv.log && chown root:root /var/lib/tempokv"
                    + " /var/lib/tempokv/shard-0 /var/log/tempokv/tempokv.log").orThrow("planting root's files on " + tb.name(i));
            freshDirs(tb, i, "tempokv").orThrow("the suite's fresh-dirs.sh on " + tb.name(i));
            assertEquals("tempokv:tempokv 750|tempokv:tempokv 750|tempokv|",
                    tb.ssh(i, "printf '%s|%s|%s|%s' \"$(stat -c '%U:%G %a' /var/lib/tempokv)\" \"$(stat -c '%U:%G %a' /var/log/tempokv)\""
                            + " \"$(stat -c %U /var/log/tempokv/tempokv.log)\" \"$(ls -A /var/lib/tempokv)\"").out(),
                    "data dir, log dir, log file owner, data dir contents after fresh-dirs.sh on " + tb.name(i));
            writeFile(tb, i, "/etc/tempokv/tempokv.yaml", config(tb, i, 3));
            tb.ssh(i, "/etc/init.d/tempokv start").orThrow("/etc/init.d/tempokv start on " + tb.name(i));
        }
        tb.awaitHealthy(Duration.ofSeconds(90), THREE);
        try (TempoClient one = TempoClient.connect(List.of(tb.client(1)), CLIENT);
             TempoClient two = TempoClient.connect(List.of(tb.client(2)), CLIENT)) {
            one.put("installed", "by-apt").get(30, TimeUnit.SECONDS);
            assertEquals(Optional.of("by-apt"), two.get("installed").get(30, TimeUnit.SECONDS), "written through n1, read through n2");
        }
    }

    @Test
    @Order(3)
    void aNodeKilledWithSigkillRestartsThroughTheServiceWithItsData(Testbed tb) throws Exception {
        String pid = tb.ssh(3, "cat /run/tempokv.pid").orThrow("reading the pid file on n3").out().strip();
        tb.ssh(3, "kill -9 " + pid).orThrow("kill -9 " + pid + " on n3");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (tb.ssh(3, "kill -0 " + pid).exit() == 0) {
            assertTrue(System.nanoTime() < deadline, "pid " + pid + " still alive 30 s after SIGKILL");
            Thread.sleep(200);
        }
        assertNotEquals(0, tb.ssh(3, "/etc/init.d/tempokv status").exit(), "status after SIGKILL says not running");
        try (TempoClient one = TempoClient.connect(List.of(tb.client(1)), CLIENT)) {
            one.put("while-n3-down", "yes").get(30, TimeUnit.SECONDS);
        }
        tb.ssh(3, "/etc/init.d/tempokv start").orThrow("restarting n3 through the init script");
        tb.awaitHealthy(Duration.ofSeconds(90), 3);
        assertNotEquals(pid, tb.ssh(3, "cat /run/tempokv.pid").out().strip(), "a new process");
        try (TempoClient three = TempoClient.connect(List.of(tb.client(3)), CLIENT)) {
            assertEquals(Optional.of("by-apt"), three.get("installed").get(30, TimeUnit.SECONDS), "data written before the kill");
            assertEquals(Optional.of("yes"), three.get("while-n3-down").get(30, TimeUnit.SECONDS), "data written while n3 was down");
        }
    }

    @Test
    @Order(4)
    void purgingStopsTheNodeAndLeavesItClean(Testbed tb) {
        for (int i : THREE) {
            tb.ssh(i, "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q tempokv", Duration.ofMinutes(3)).orThrow("apt-get purge on " + tb.name(i));
            assertNotEquals(0, tb.ssh(i, "dpkg -s tempokv").exit(), "dpkg no longer knows tempokv on " + tb.name(i));
            for (String path : List.of("/var/lib/tempokv", "/var/log/tempokv", "/etc/tempokv", "/etc/default/tempokv", "/etc/init.d/tempokv",
                    "/usr/share/tempokv", "/usr/bin/tempokv")) {
                assertNotEquals(0, tb.ssh(i, "test -e " + path).exit(), path + " is gone from " + tb.name(i));
            }
            // inside the node's own PID namespace: only this node's processes are visible
            assertEquals("", tb.ssh(i, "pgrep -f '[i]o.tempokv.server' || true").out().strip(), "no tempokv process left on " + tb.name(i));
            assertEquals(-1, tb.httpStatus(i, 7600, "/health"), "nothing listens on the HTTP port of " + tb.name(i));
        }
    }

    @Test
    @Order(5)
    void theTarballRunsFromWhereItIsUnpacked(Testbed tb) throws Exception {
        Path tarball = Testbed.packageFile("tempokv-" + Testbed.packageVersion() + ".tar.gz");
        tb.copyTo(1, tarball, "/tmp/tempokv.tar.gz");
        String top = tb.ssh(1, "tar -tzf /tmp/tempokv.tar.gz | cut -d/ -f1 | sort -u").orThrow("listing the tarball").out().strip();
        assertEquals(tarball.getFileName().toString().replace(".tar.gz", ""), top, "exactly one top-level directory");
        tb.ssh(1, "rm -rf /opt/tk && mkdir -p /opt/tk && tar -xzf /tmp/tempokv.tar.gz -C /opt/tk").orThrow("unpacking");
        String dir = "/opt/tk/" + top;
        String pid = tb.ssh(1, "cd " + dir + " && (nohup bin/tempokv server --config conf/tempokv.yaml > /opt/tk/server.log 2>&1 & echo $!)")
                .orThrow("starting the unpacked server").out().strip();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!tb.ssh(1, "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:7600/health").out().strip().equals("200")) {
                assertTrue(System.nanoTime() < deadline, "the tarball's node was not healthy within 90 s: "
                        + tb.ssh(1, "tail -n 20 /opt/tk/server.log").out());
                Thread.sleep(250);
            }
            tb.ssh(1, dir + "/bin/tempokv put from tarball").orThrow("tempokv put through the tarball's CLI");
            assertEquals("tarball", tb.ssh(1, dir + "/bin/tempokv get from").orThrow("tempokv get").out().strip());
            assertTrue(tb.ssh(1, "test -d " + dir + "/data").exit() == 0, "data in ./data beside where it ran");
        } finally {
            tb.ssh(1, "kill -9 " + pid + "; rm -rf /opt/tk /tmp/tempokv.tar.gz /tmp/tempokv.deb");
        }
    }
}
