package io.tempokv.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tempokv_&lt;version&gt;_all.deb as dpkg-deb reads it: control fields, conffiles, the data list, and its scripts. */
class DebIT {
    @TempDir
    static Path work;

    /** the data archive, unpacked with dpkg-deb -x */
    static Path root;
    /** the control archive, unpacked with dpkg-deb -e */
    static Path control;
    /** path (without the leading "."; directories without the trailing "/") to its dpkg-deb -c line */
    static Map<String, Listed> listing;

    record Listed(String perms, String owner, String path) {
        boolean isDirectory() {
            return perms.startsWith("d");
        }
    }

    @BeforeAll
    static void unpack() throws Exception {
        Path deb = Packages.deb();
        root = work.resolve("root");
        control = work.resolve("control");
        Packages.ok(work, "dpkg-deb", "-x", deb.toString(), root.toString());
        Packages.ok(work, "dpkg-deb", "-e", deb.toString(), control.toString());
        listing = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^(\\S{10})\\s+(\\S+)\\s+\\d+\\s+\\S+\\s+\\S+\\s+\\.(/.*?)/?$");
        for (String l : Packages.lines(Packages.ok(work, "dpkg-deb", "-c", deb.toString()).out())) {
            Matcher m = line.matcher(l);
            if (!m.matches()) {
                fail("unexpected dpkg-deb -c line: " + l);
            }
            String path = m.group(3).isEmpty() ? "/" : m.group(3);
            listing.put(path, new Listed(m.group(1), m.group(2), path));
        }
    }

    private static String field(String name) throws Exception {
        return Packages.ok(work, "dpkg-deb", "-f", Packages.deb().toString(), name).out().trim();
    }

    @Test
    void controlFieldsNameTheVersionAndTheExactDependencies() throws Exception {
        assertEquals("tempokv", field("Package"));
        assertEquals(Packages.version(), field("Version"));
        assertEquals("all", field("Architecture"));
        assertEquals("openjdk-17-jre-headless | java17-runtime-headless, adduser", field("Depends"));
        assertFalse(field("Maintainer").isEmpty(), "Maintainer is set");
        assertTrue(Packages.deb().getFileName().toString().equals("tempokv_" + Packages.version() + "_all.deb"));
    }

    @Test
    void conffilesListsTheConfigurationTheDefaultsTheInitScriptAndTheLogRotation() throws IOException {
        List<String> conffiles = Packages.lines(Files.readString(control.resolve("conffiles")));
        assertEquals(Set.of("/etc/tempokv/tempokv.yaml", "/etc/default/tempokv", "/etc/init.d/tempokv", "/etc/logrotate.d/tempokv"),
                Set.copyOf(conffiles));
        assertEquals(4, conffiles.size(), "no duplicates: " + conffiles);
        for (String c : conffiles) {
            assertTrue(listing.containsKey(c) && !listing.get(c).isDirectory(), c + " is shipped as a file");
        }
    }

    @Test
    void dataHasEveryRequiredPathWithItsMode() {
        Map<String, String> want = new LinkedHashMap<>();
        want.put("/usr/bin/tempokv", "-rwxr-xr-x");
        want.put("/usr/share/tempokv/bin/tempokv", "-rwxr-xr-x");
        want.put("/usr/share/tempokv/lib", "drwxr-xr-x");
        want.put("/etc/tempokv/tempokv.yaml", "-rw-r--r--");
        want.put("/etc/default/tempokv", "-rw-r--r--");
        want.put("/etc/init.d/tempokv", "-rwxr-xr-x");
        want.put("/etc/logrotate.d/tempokv", "-rw-r--r--");
        want.put("/lib/systemd/system/tempokv.service", "-rw-r--r--");
        want.put("/var/lib/tempokv", "drwxr-xr-x");
        want.put("/var/log/tempokv", "drwxr-xr-x");
        want.put("/usr/share/doc/tempokv/copyright", "-rw-r--r--");
        want.put("/usr/share/doc/tempokv/changelog.gz", "-rw-r--r--");
        want.put("/usr/share/doc/tempokv/README.Debian", "-rw-r--r--");
        want.put("/usr/share/doc/tempokv/examples/tempokv-example.yaml", "-rw-r--r--");
        want.put("/usr/share/man/man1/tempokv.1.gz", "-rw-r--r--");
        want.put("/usr/share/tempokv/monitoring/tempokv-alerts.yml", "-rw-r--r--");
        want.put("/usr/share/tempokv/monitoring/tempokv-dashboard.json", "-rw-r--r--");
        List<String> problems = new ArrayList<>();
        want.forEach((path, perms) -> {
            Listed l = listing.get(path);
            if (l == null) {
                problems.add(path + " is missing");
            } else if (!l.perms().equals(perms)) {
                problems.add(path + " is " + l.perms() + ", expected " + perms);
            }
        });
        listing.values().stream().filter(l -> !l.owner().equals("root/root")).forEach(l -> problems.add(l.path() + " is owned by " + l.owner()));
        assertEquals(List.of(), problems, "data of the .deb:\n" + String.join("\n", listing.keySet()));
    }

    @Test
    void libHoldsExactlyTheRuntimeClassPath() throws IOException {
        List<String> jars = listing.keySet().stream().filter(p -> p.startsWith("/usr/share/tempokv/lib/"))
                .map(p -> p.substring("/usr/share/tempokv/lib/".length())).sorted().toList();
        assertEquals(Packages.stagedJars(), jars);
        for (String jar : jars) {
            assertEquals("-rw-r--r--", listing.get("/usr/share/tempokv/lib/" + jar).perms(), jar);
        }
    }

    @Test
    void theCopyrightFileNamesALicenseForEveryJar() throws IOException {
        String copyright = Files.readString(root.resolve("usr/share/doc/tempokv/copyright"));
        assertTrue(copyright.startsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"));
        // Files: paragraphs (continuation lines included) other than the catch-all "*"
        List<PathMatcher> patterns = new ArrayList<>();
        Matcher files = Pattern.compile("(?m)^Files:((?:.*\\n)(?: .*\\n)*)").matcher(copyright);
        while (files.find()) {
            for (String p : files.group(1).trim().split("\\s+")) {
                if (!p.equals("*")) {
                    patterns.add(FileSystems.getDefault().getPathMatcher("glob:" + p));
                }
            }
        }
        List<String> unlisted = new ArrayList<>();
        for (String jar : Packages.stagedJars()) {
            Path inPackage = Path.of("usr/share/tempokv/lib", jar);
            if (patterns.stream().noneMatch(m -> m.matches(inPackage))) {
                unlisted.add(jar);
            }
        }
        assertEquals(List.of(), unlisted, "jars without a Files: paragraph in the copyright file (a new dependency? add its license)");
    }

    @Test
    void theChangelogCarriesThePackageVersion() throws Exception {
        String changelog = Packages.ok(work, "gzip", "-dc", root.resolve("usr/share/doc/tempokv/changelog.gz").toString()).out();
        assertTrue(changelog.startsWith("tempokv (" + Packages.version() + ") unstable; urgency=medium\n"), changelog);
        assertTrue(Pattern.compile("(?m)^ -- .+ <.+@.+>  \\w{3}, \\d{2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2} \\+0000$").matcher(changelog).find(), changelog);
    }

    // ---- scripts ----

    private static final List<String> MAINTAINER_SCRIPTS = List.of("postinst", "prerm", "postrm");

    @Test
    void maintainerScriptsAreStrictPosixShell() throws Exception {
        for (String name : MAINTAINER_SCRIPTS) {
            Path script = control.resolve(name);
            assertTrue(Files.isExecutable(script), name + " is executable");
            List<String> lines = Files.readAllLines(script);
            assertEquals("#!/bin/sh", lines.get(0), name + " interpreter");
            assertTrue(lines.contains("set -e"), name + " runs with set -e");
            Packages.Result r = Packages.run(work, "sh", "-n", script.toString());
            assertEquals(0, r.exit(), r.describe());
        }
        for (String shipped : List.of("etc/init.d/tempokv", "usr/bin/tempokv", "usr/share/tempokv/bin/tempokv", "etc/default/tempokv")) {
            Packages.Result r = Packages.run(work, "sh", "-n", root.resolve(shipped).toString());
            assertEquals(0, r.exit(), r.describe());
        }
    }

    /**
     * Commands that would start (or restart) the service, whatever the init system. Each is matched
     * against every command line of a script, comments excluded.
     */
    static final List<Pattern> STARTS_THE_SERVICE = List.of(
            Pattern.compile("\\bdeb-systemd-invoke\\b.*\\b(start|restart|try-restart|reload-or-restart|try-reload-or-restart)\\b"),
            Pattern.compile("\\binvoke-rc\\.d\\b.*\\btempokv\\s+(start|restart|try-restart|force-reload|reload)\\b"),
            Pattern.compile("\\bsystemctl\\b.*\\b(start|restart|try-restart|reload-or-restart|try-reload-or-restart|isolate)\\b"),
            Pattern.compile("\\bsystemctl\\b.*\\s--now\\b"),
            Pattern.compile("\\bservice\\s+tempokv\\s+(start|restart|try-restart|force-reload)\\b"),
            Pattern.compile("/etc/init\\.d/tempokv\\s+(start|restart|try-restart|force-reload)\\b"),
            Pattern.compile("\\bstart-stop-daemon\\b.*(\\s--start\\b|\\s-S\\b)"),
            Pattern.compile("\\btempokv\\s+server\\b"));

    /** The command lines of a shell script: comments and blank lines dropped, continuation lines joined. */
    static List<String> commandLines(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : Packages.lines(script)) {
            String t = line.strip();
            if (pending.length() == 0 && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (t.endsWith("\\")) {
                pending.append(t.substring(0, t.length() - 1).strip()).append(' ');
                continue;
            }
            pending.append(t);
            out.add(pending.toString());
            pending.setLength(0);
        }
        return out;
    }

    static List<String> startingCommands(String script) {
        return commandLines(script).stream().filter(l -> STARTS_THE_SERVICE.stream().anyMatch(p -> p.matcher(l).find())).toList();
    }

    @Test
    void theStartDetectorRecognisesEveryWayOfStarting() {
        // the grep below is only as good as its patterns: each of these must be caught
        for (String starts : List.of("deb-systemd-invoke start 'tempokv.service' >/dev/null || true",
                "deb-systemd-invoke restart tempokv.service", "invoke-rc.d tempokv start || exit 1",
                "invoke-rc.d --skip-systemd-native tempokv restart", "systemctl start tempokv", "systemctl --system restart tempokv.service",
                "systemctl enable --now tempokv.service", "service tempokv start", "/etc/init.d/tempokv start",
                "start-stop-daemon --start --background --exec /usr/bin/tempokv", "su tempokv -c '/usr/bin/tempokv server --config x'")) {
            assertEquals(List.of(starts), startingCommands(starts + "\n"), "not recognised as starting: " + starts);
        }
        for (String harmless : List.of("# invoke-rc.d tempokv start", "invoke-rc.d tempokv stop", "deb-systemd-helper enable tempokv.service",
                "update-rc.d tempokv defaults >/dev/null", "systemctl --system daemon-reload >/dev/null || true")) {
            assertEquals(List.of(), startingCommands(harmless + "\n"), "wrongly taken as starting: " + harmless);
        }
    }

    @Test
    void noMaintainerScriptStartsTheService() throws IOException {
        for (String name : MAINTAINER_SCRIPTS) {
            assertEquals(List.of(), startingCommands(Files.readString(control.resolve(name))), name + " must not start tempokv");
        }
        List<String> postinst = commandLines(Files.readString(control.resolve("postinst")));
        // what it does instead: boot-time registration only
        assertTrue(postinst.contains("update-rc.d tempokv defaults >/dev/null"), "postinst registers the init script: " + postinst);
        assertTrue(postinst.stream().anyMatch(l -> l.startsWith("deb-systemd-helper enable tempokv.service")), "postinst enables the unit");
    }

    @Test
    void theInitScriptStartsTheNodeOnlyForStartRestartAndTryRestart() throws IOException {
        List<String> lines = commandLines(Files.readString(root.resolve("etc/init.d/tempokv")));
        int begin = lines.indexOf("do_start() {");
        assertTrue(begin >= 0, "the init script defines do_start");
        int end = begin + lines.subList(begin, lines.size()).indexOf("}");
        for (int i = 0; i < lines.size(); i++) {
            if (!startingCommands(lines.get(i) + "\n").isEmpty()) {
                assertTrue(i > begin && i < end, "a starting command outside do_start: " + lines.get(i));
            }
        }
        // do_start is called only from the case arms that start the node
        Pattern arm = Pattern.compile("^([a-z|-]+|\\*)\\)$");
        String current = null;
        Set<String> callers = new TreeSet<>();
        for (int i = end + 1; i < lines.size(); i++) {
            Matcher m = arm.matcher(lines.get(i));
            if (m.matches()) {
                current = m.group(1);
            } else if (lines.get(i).matches(".*\\bdo_start\\b.*")) {
                callers.add(String.valueOf(current));
            }
        }
        assertEquals(Set.of("start", "restart|force-reload", "try-restart"), callers);
        for (int i = 0; i < begin; i++) {
            assertFalse(lines.get(i).matches(".*\\bdo_start\\b.*"), "do_start used before its definition: " + lines.get(i));
        }
    }

    @Test
    void theInitScriptRunsTheNodeAsTempokvWithAPidFileAndAppendsItsOutputToTheLog() throws IOException {
        String script = Files.readString(root.resolve("etc/init.d/tempokv"));
        Map<String, String> vars = assignments(script);
        assertEquals("/usr/bin/tempokv", vars.get("DAEMON"));
        assertEquals("/etc/tempokv/tempokv.yaml", vars.get("CONFIG"));
        assertEquals("tempokv", vars.get("RUN_AS"));
        assertEquals("/run/tempokv.pid", vars.get("PIDFILE"));
        assertEquals("/var/log/tempokv", vars.get("LOG_DIR"));
        assertEquals("$LOG_DIR/tempokv.log", vars.get("LOG_FILE"));
        String start = commandLines(script).stream().filter(l -> l.startsWith("start-stop-daemon --start")).findFirst().orElseThrow();
        for (String option : List.of("--background", "--make-pidfile", "--pidfile \"$PIDFILE\"", "--chuid \"$RUN_AS\"",
                "--startas /bin/sh -- -c 'exec \"$0\" server --config \"$1\" >>\"$2\" 2>&1' \"$DAEMON\" \"$CONFIG\" \"$LOG_FILE\"")) {
            assertTrue(start.contains(option), "start lacks " + option + ": " + start);
        }
        String stop = commandLines(script).stream().filter(l -> l.startsWith("start-stop-daemon --stop")).findFirst().orElseThrow();
        assertTrue(stop.contains("--retry \"TERM/$STOP_TIMEOUT/KILL/5\""), "stop sends TERM, waits, then KILL: " + stop);
        assertTrue(script.contains("### BEGIN INIT INFO") && script.contains("# Default-Start:     2 3 4 5"), "LSB header");
    }

    /**
     * The init script, pointed at a stand-in daemon, really starts (waiting for the node's "started"
     * line), reports, appends, and stops with TERM then KILL; a node that exits at start-up, also
     * after a few seconds, is a failed start.
     */
    @Test
    void theInitScriptManagesAStandInDaemon() throws Exception {
        Packages.assumeOrSkip("root".equals(System.getProperty("user.name")),
                "start-stop-daemon --chuid needs root; CI runs the tests as root");
        Path dir = Files.createDirectories(work.resolve("initd"));
        Path daemon = dir.resolve("daemon");
        Files.writeString(daemon, "#!/bin/sh\necho \"stand-in node $*\"\necho 'node=1 started: shards=1 (stand-in)'\n"
                + "if [ -n \"${IGNORE_TERM:-}\" ]; then trap '' TERM; while :; do sleep 1; done; fi\nexec sleep 300\n");
        daemon.toFile().setExecutable(true);
        Path config = Files.writeString(dir.resolve("tempokv.yaml"), "# empty\n");
        Files.createDirectories(dir.resolve("data"));
        Path script = dir.resolve("tempokv-under-test");
        String original = Files.readString(root.resolve("etc/init.d/tempokv"));
        Map<String, String> replace = new LinkedHashMap<>();
        replace.put("DAEMON", daemon.toString());
        replace.put("CONFIG", config.toString());
        replace.put("RUN_AS", "root");
        replace.put("DATA_DIR", dir.resolve("data").toString());
        replace.put("LOG_DIR", dir.resolve("log").toString());
        replace.put("PIDFILE", dir.resolve("tempokv.pid").toString());
        replace.put("STOP_TIMEOUT", "2");
        replace.put("START_TIMEOUT", "6");
        String rewritten = original;
        for (Map.Entry<String, String> e : replace.entrySet()) {
            String before = rewritten;
            rewritten = rewritten.replaceFirst("(?m)^" + e.getKey() + "=.*$", Matcher.quoteReplacement(e.getKey() + "=" + e.getValue()));
            assertFalse(before.equals(rewritten), "the init script has no " + e.getKey() + "= line to point at the stand-in");
        }
        Files.writeString(script, rewritten);
        Path pidfile = dir.resolve("tempokv.pid");
        Path log = dir.resolve("log/tempokv.log");
        try {
            assertEquals(3, initd(script, Map.of(), "status").exit(), "status before start");
            Packages.Result start = initd(script, Map.of(), "start");
            assertEquals(0, start.exit(), start.describe());
            long pid = Long.parseLong(Files.readString(pidfile).trim());
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "the pid file names a live process");
            Packages.Result status = initd(script, Map.of(), "status");
            assertEquals(0, status.exit(), status.describe());
            assertTrue(status.out().contains("is running (pid " + pid + ")"), status.describe());
            assertEquals(0, initd(script, Map.of(), "start").exit(), "start when running is a success");
            assertEquals(pid, Long.parseLong(Files.readString(pidfile).trim()), "a second start does not start a second node");
            Packages.Result stop = initd(script, Map.of(), "stop");
            assertEquals(0, stop.exit(), stop.describe());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "stop ended the node");
            assertFalse(Files.exists(pidfile), "stop removed the pid file");
            assertEquals(3, initd(script, Map.of(), "status").exit(), "status after stop");
            assertEquals(0, initd(script, Map.of(), "stop").exit(), "stop when stopped is a success");

            // a node that ignores SIGTERM is killed after STOP_TIMEOUT
            assertEquals(0, initd(script, Map.of("IGNORE_TERM", "yes"), "start").exit());
            long stubborn = Long.parseLong(Files.readString(pidfile).trim());
            long t0 = System.nanoTime();
            Packages.Result kill = initd(script, Map.of(), "stop");
            assertEquals(0, kill.exit(), kill.describe());
            assertTrue(System.nanoTime() - t0 >= 2_000_000_000L, "stop waited STOP_TIMEOUT before SIGKILL");
            assertFalse(ProcessHandle.of(stubborn).map(ProcessHandle::isAlive).orElse(false), "SIGKILL ended it");

            List<String> logged = Packages.lines(Files.readString(log));
            String started = "node=1 started: shards=1 (stand-in)";
            assertEquals(List.of("stand-in node server --config " + config, started, "stand-in node server --config " + config, started),
                    logged, "both starts appended the daemon's output to the log");

            // a node that exits at once is reported as a failed start
            Files.writeString(daemon, "#!/bin/sh\necho 'bad configuration' >&2\nexit 78\n");
            Packages.Result failed = initd(script, Map.of(), "start");
            assertEquals(1, failed.exit(), failed.describe());
            String said = failed.out() + failed.err();
            assertEquals(1, said.split("exited at start-up; see " + log, -1).length - 1, "the problem is named once: " + failed.describe());
            assertTrue(failed.err().contains("tempokv: exited at start-up; see " + log), "on a line of its own: " + failed.describe());
            assertFalse(said.contains("tempokvtempokv"), "no words run together: " + failed.describe());
            assertEquals(1, said.split("failed", -1).length - 1, "one \"failed\": " + failed.describe());
            assertEquals(3, initd(script, Map.of(), "status").exit());
            assertTrue(Files.readString(log).endsWith("bad configuration\n"), "stderr goes to the log too");

            // a node refused after its JVM ran its checks, later than a first second (a loaded host)
            Files.writeString(daemon, "#!/bin/sh\nsleep 3\necho 'f: 1 in the config, 2 in the data directory' >&2\nexit 78\n");
            long t1 = System.nanoTime();
            Packages.Result late = initd(script, Map.of(), "start");
            assertEquals(1, late.exit(), "a node that exits 3 s after it was started did not start: " + late.describe());
            assertTrue(System.nanoTime() - t1 >= 3_000_000_000L, "start waited for it");
            assertEquals(3, initd(script, Map.of(), "status").exit());

            // a node that runs but never says it started: start gives up waiting, says so, and leaves it running
            Files.writeString(daemon, "#!/bin/sh\necho 'stand-in that never starts'\nexec sleep 300\n");
            Packages.Result slow = initd(script, Map.of(), "start");
            assertEquals(0, slow.exit(), slow.describe());
            assertTrue(slow.err().contains("no \"started\" line in " + log + " after 6 s"), slow.describe());
            assertEquals(0, initd(script, Map.of(), "status").exit(), "still running");
            assertEquals(0, initd(script, Map.of(), "stop").exit());

            Packages.Result usage = initd(script, Map.of(), "frobnicate");
            assertEquals(2, usage.exit(), usage.describe());
            assertTrue(usage.err().contains("Usage: /etc/init.d/tempokv {start|stop|restart|force-reload|try-restart|status}"));
        } finally {
            if (Files.exists(pidfile)) {
                long pid = Long.parseLong(Files.readString(pidfile).trim());
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
        }
    }

    private static Packages.Result initd(Path script, Map<String, String> env, String action) throws Exception {
        return Packages.run(work, env, 90, "sh", script.toString(), action);
    }

    private static Map<String, String> assignments(String script) {
        Map<String, String> vars = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^([A-Z_]+)=(\\S*)").matcher(script);
        while (m.find()) {
            vars.putIfAbsent(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
        }
        return vars;
    }

    /**
     * The logrotate rule, run for real on a copy that points at a temporary log: a writer that
     * keeps the log open for appending (as the init script's node does) goes on at the start of
     * the truncated file, and what it wrote before is in tempokv.log.1.
     */
    @Test
    void theLogrotateRuleRotatesTheInitScriptsLogInPlace() throws Exception {
        Path logrotate = Stream.of("/usr/sbin/logrotate", "/sbin/logrotate", "/usr/bin/logrotate").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(logrotate != null, "logrotate is not installed (.ci/run installs it): the rotation rule is not exercised");
        Path dir = Files.createDirectories(work.resolve("logrotate"));
        Path logDir = Files.createDirectories(dir.resolve("log"));
        Path log = logDir.resolve("tempokv.log");
        String rule = Files.readString(root.resolve("etc/logrotate.d/tempokv"));
        assertTrue(rule.contains("/var/log/tempokv/tempokv.log {") && rule.contains("su tempokv tempokv") && rule.contains("copytruncate"), rule);
        String user = Packages.run(work, Map.of(), 30, "id", "-un").out().trim();
        String group = Packages.run(work, Map.of(), 30, "id", "-gn").out().trim();
        Path conf = Files.writeString(dir.resolve("tempokv.conf"),
                rule.replace("/var/log/tempokv/tempokv.log", log.toString()).replace("su tempokv tempokv", "su " + user + " " + group));
        try (java.io.OutputStream node = Files.newOutputStream(log, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND)) {
            node.write("before the rotation\n".getBytes(StandardCharsets.UTF_8));
            node.flush();
            Packages.Result r = Packages.run(work, Map.of(), 60, logrotate.toString(), "--force", "--state",
                    dir.resolve("state").toString(), conf.toString());
            assertEquals(0, r.exit(), r.describe());
            node.write("after the rotation\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("before the rotation\n", Files.readString(logDir.resolve("tempokv.log.1")));
        assertEquals("after the rotation\n", Files.readString(log), "appended at the start of the truncated file, no hole");
    }

    @Test
    void theSystemdUnitRunsTheNodeHardenedAsTempokv() throws IOException {
        Map<String, List<String>> service = unitSection(Files.readString(root.resolve("lib/systemd/system/tempokv.service")), "Service");
        Map<String, String> want = new LinkedHashMap<>();
        want.put("User", "tempokv");
        want.put("Group", "tempokv");
        want.put("ExecStart", "/usr/bin/tempokv server --config /etc/tempokv/tempokv.yaml");
        want.put("EnvironmentFile", "-/etc/default/tempokv");
        want.put("NoNewPrivileges", "yes");
        want.put("ProtectSystem", "strict");
        want.put("ProtectHome", "yes");
        want.put("PrivateTmp", "yes");
        want.put("ReadWritePaths", "/var/lib/tempokv /var/log/tempokv");
        want.put("LimitNOFILE", "65536");
        want.put("Restart", "on-failure");
        want.forEach((k, v) -> assertEquals(List.of(v), service.get(k), "[Service] " + k));
        assertEquals(List.of("multi-user.target"), unitSection(Files.readString(root.resolve("lib/systemd/system/tempokv.service")), "Install")
                .get("WantedBy"));
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Packages.assumeOrSkip(Packages.onPath("systemd-analyze"), "systemd-analyze is not installed (Debian package systemd); CI has it");
        Packages.Result r = Packages.run(work, "systemd-analyze", "verify", "--man=no",
                root.resolve("lib/systemd/system/tempokv.service").toString());
        // the only complaint allowed is that the package is not installed on this host
        List<String> complaints = Packages.lines(r.out() + r.err()).stream().filter(l -> !l.isBlank())
                .filter(l -> !(l.contains("Command /usr/bin/tempokv is not executable") && !Files.exists(Path.of("/usr/bin/tempokv"))))
                .toList();
        assertEquals(List.of(), complaints, r.describe());
    }

    private static Map<String, List<String>> unitSection(String unit, String section) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        String current = null;
        for (String l : Packages.lines(unit)) {
            String t = l.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[")) {
                current = t.substring(1, t.length() - 1);
            } else if (section.equals(current)) {
                int eq = t.indexOf('=');
                out.computeIfAbsent(t.substring(0, eq), k -> new ArrayList<>()).add(t.substring(eq + 1));
            }
        }
        return out;
    }

    // ---- configuration ----

    @Test
    void theEtcConfigIsASingleNodeOnEveryInterfaceWithDataInVarLib() {
        NodeConfig c = ConfigLoader.load(root.resolve("etc/tempokv/tempokv.yaml"));
        assertEquals(1, c.nodeId());
        assertEquals("0.0.0.0", c.listen());
        assertEquals(Path.of("/var/lib/tempokv"), c.dataDir());
        assertEquals(1, c.members().size());
        assertTrue(c.fsync());
    }

    @Test
    void theCommentedMembersExampleIsAValidThreeNodeCluster() throws IOException {
        String yaml = Files.readString(root.resolve("etc/tempokv/tempokv.yaml"));
        Matcher block = Pattern.compile("(?m)^# members:\\n(?:#   - .*\\n)+").matcher(yaml);
        assertTrue(block.find(), "the config has a commented members: example");
        String uncommented = yaml.substring(0, block.start()) + block.group().replaceAll("(?m)^# ", "") + yaml.substring(block.end());
        NodeConfig c = ConfigLoader.parse(uncommented, "tempokv.yaml with the members example uncommented");
        assertEquals(3, c.members().size());
        assertEquals(1, c.f());
    }

    @Test
    void theDefaultsFileIsReadableByBothSystemdAndTheShell() throws IOException {
        List<String> settings = new ArrayList<>();
        for (String l : Files.readAllLines(root.resolve("etc/default/tempokv"))) {
            if (l.isBlank() || l.startsWith("#")) {
                continue;
            }
            // systemd's EnvironmentFile does no expansion: plain NAME="value" lines only
            assertTrue(l.matches("[A-Z_][A-Z0-9_]*=\"[^\"$`\\\\]*\""), "not a plain NAME=\"value\" line: " + l);
            settings.add(l.substring(0, l.indexOf('=')));
        }
        assertEquals(List.of("TEMPOKV_JAVA_OPTS"), settings);
    }

    /** /usr/bin/tempokv with its two absolute paths pointed at the unpacked package. */
    @Test
    void theWrapperReadsTheDefaultsFileAndTheEnvironmentWins() throws Exception {
        Path dir = Files.createDirectories(work.resolve("wrapper"));
        Path defaults = Files.writeString(dir.resolve("default-tempokv"),
                "TEMPOKV_JAVA_OPTS=\"-XshowSettings:properties -Dtempokv.probe=from-defaults\"\n");
        String wrapper = Files.readString(root.resolve("usr/bin/tempokv"));
        assertTrue(wrapper.contains("/etc/default/tempokv") && wrapper.contains("exec /usr/share/tempokv/bin/tempokv \"$@\""), wrapper);
        Path copy = dir.resolve("tempokv");
        // The default class archive is a damaged file here: with -Xshare:on the JVM then refuses to
        // start, which shows that the default reaches `tempokv server` (and that empty disables it).
        Path damaged = Files.write(dir.resolve("damaged.jsa"), new byte[4096]);
        assertTrue(wrapper.contains("/var/cache/tempokv/classes.jsa"), wrapper);
        Files.writeString(copy, wrapper.replace("/etc/default/tempokv", defaults.toString())
                .replace("/usr/share/tempokv/bin/tempokv", root.resolve("usr/share/tempokv/bin/tempokv").toString())
                .replace("/var/cache/tempokv/classes.jsa", damaged.toString()));
        Packages.Result fromFile = Packages.run(work, Map.of(), 120, "sh", copy.toString(), "--help");
        assertEquals(0, fromFile.exit(), fromFile.describe());
        assertTrue(fromFile.out().startsWith("usage: tempokv <command>"), fromFile.describe());
        assertTrue(fromFile.err().lines().anyMatch(l -> l.trim().equals("tempokv.probe = from-defaults")), fromFile.describe());
        Packages.Result fromEnv = Packages.run(work, Map.of("TEMPOKV_JAVA_OPTS", "-XshowSettings:properties -Dtempokv.probe=from-env"), 120,
                "sh", copy.toString(), "--help");
        assertEquals(0, fromEnv.exit(), fromEnv.describe());
        assertTrue(fromEnv.err().lines().anyMatch(l -> l.trim().equals("tempokv.probe = from-env")), fromEnv.describe());
        Packages.Result defaultArchive = Packages.run(work, Map.of("JAVA_OPTS", "-Xshare:on"), 120, "sh", copy.toString(), "server", "--help");
        assertTrue(defaultArchive.exit() != 0, "the default archive reaches the node's JVM: " + defaultArchive.describe());
        Packages.Result noArchive = Packages.run(work, Map.of("JAVA_OPTS", "-Xshare:on", "TEMPOKV_CLASS_ARCHIVE", ""), 120,
                "sh", copy.toString(), "server", "--help");
        assertEquals(0, noArchive.exit(), "TEMPOKV_CLASS_ARCHIVE empty in the environment: no archive: " + noArchive.describe());
    }

    // ---- maintainer scripts against stand-in commands ----

    /**
     * Runs a maintainer script with PATH holding only stand-ins that record their arguments, so
     * nothing on this host changes (any command without a stand-in fails, and set -e stops the script).
     */
    private static List<String> runMaintainerScript(String name, Map<String, String> env, String... args) throws Exception {
        return runMaintainerScript(name, env, true, args);
    }

    /** The recorded calls, after a first element "exit N" with the script's exit status. */
    private static List<String> runMaintainerScript(String name, Map<String, String> env, boolean mustSucceed, String... args)
            throws Exception {
        Path bin = Files.createDirectories(work.resolve("stubs-" + name + "-" + System.nanoTime()));
        Path calls = bin.resolve("calls.log");
        Files.writeString(calls, "");
        String record = "#!/bin/sh\necho \"${0##*/} $*\" >> \"$CALLS\"\n";
        for (String tool : List.of("adduser", "chown", "chmod", "update-rc.d", "deb-systemd-helper", "deb-systemd-invoke",
                "invoke-rc.d", "systemctl", "rm", "deluser", "delgroup", "mkdir")) {
            stub(bin.resolve(tool), record + "exit 0\n");
        }
        // was-enabled: true on a first installation (what deb-systemd-helper answers then)
        stub(bin.resolve("deb-systemd-helper"), record + "if [ \"$1\" = --quiet ] && [ \"$2\" = was-enabled ]; then exit ${WAS_ENABLED_EXIT:-0}; fi\nexit 0\n");
        stub(bin.resolve("getent"), record + "if [ \"$1\" = passwd ] && [ -n \"${USER_EXISTS:-}\" ]; then echo 'tempokv:x:100:100::/var/lib/tempokv:/usr/sbin/nologin'; exit 0; fi\n"
                + "if [ \"$1\" = group ] && [ -n \"${GROUP_EXISTS:-}\" ]; then echo 'tempokv:x:100:'; exit 0; fi\nexit 2\n");
        stub(bin.resolve("dpkg-statoverride"), record + "exit 1\n");
        stub(bin.resolve("adduser"), record + "exit ${ADDUSER_EXIT:-0}\n");
        Map<String, String> full = new LinkedHashMap<>(env);
        full.put("PATH", bin.toString());
        full.put("CALLS", calls.toString());
        List<String> command = new ArrayList<>(List.of("/bin/sh", control.resolve(name).toString()));
        command.addAll(List.of(args));
        Packages.Result r = Packages.run(work, full, 60, command.toArray(String[]::new));
        List<String> recorded = Packages.lines(Files.readString(calls));
        List<String> result = new ArrayList<>(recorded);
        result.add(0, "exit " + r.exit());
        if (mustSucceed && r.exit() != 0) {
            fail(r.describe() + "\ncalls:\n" + String.join("\n", recorded));
        }
        return result;
    }

    private static void stub(Path p, String body) throws IOException {
        Files.writeString(p, body);
        p.toFile().setExecutable(true);
    }

    @Test
    void postinstCreatesTheUserOnceAndEnablesWithoutStarting() throws Exception {
        List<String> first = runMaintainerScript("postinst", Map.of(), "configure");
        assertEquals("exit 0", first.get(0));
        assertTrue(first.contains("adduser --system --group --quiet --home /var/lib/tempokv --no-create-home tempokv"), first.toString());
        for (String dir : List.of("/var/lib/tempokv", "/var/log/tempokv")) {
            assertTrue(first.contains("chown tempokv:tempokv " + dir) && first.contains("chmod 0750 " + dir), first.toString());
        }
        assertTrue(first.contains("deb-systemd-helper enable tempokv.service"), first.toString());
        // The class archive goes to /var/cache/tempokv; here /usr/share/tempokv/bin/tempokv is not
        // installed, so making it fails, and that must not fail the installation.
        assertTrue(first.contains("mkdir -p /var/cache/tempokv"), first.toString());
        assertNothingStarts(first);

        List<String> again = runMaintainerScript("postinst", Map.of("USER_EXISTS", "yes", "GROUP_EXISTS", "yes"), "configure", "0.0.1");
        assertEquals("exit 0", again.get(0));
        assertTrue(again.stream().noneMatch(c -> c.startsWith("adduser")), "an existing user is kept: " + again);
        assertNothingStarts(again);

        List<String> disabled = runMaintainerScript("postinst", Map.of("USER_EXISTS", "yes", "WAS_ENABLED_EXIT", "1"), "configure", "0.0.1");
        assertTrue(disabled.contains("deb-systemd-helper update-state tempokv.service")
                && !disabled.contains("deb-systemd-helper enable tempokv.service"), "an administrator's disable survives an upgrade: " + disabled);

        List<String> leftoverGroup = runMaintainerScript("postinst", Map.of("GROUP_EXISTS", "yes"), "configure");
        assertTrue(leftoverGroup.contains("adduser --system --quiet --ingroup tempokv --home /var/lib/tempokv --no-create-home tempokv"),
                leftoverGroup.toString());

        List<String> failing = runMaintainerScript("postinst", Map.of("ADDUSER_EXIT", "1"), false, "configure");
        assertEquals("exit 1", failing.get(0), "set -e: a failed adduser fails the installation: " + failing);
        assertTrue(failing.stream().noneMatch(c -> c.startsWith("chown")), failing.toString());
    }

    @Test
    void postrmKeepsDataOnRemoveAndDeletesItOnPurgeButKeepsTheUser() throws Exception {
        List<String> remove = runMaintainerScript("postrm", Map.of(), "remove");
        assertEquals("exit 0", remove.get(0));
        assertEquals(List.of("rm -rf /var/cache/tempokv"), remove.stream().filter(c -> c.startsWith("rm ")).toList(),
                "remove keeps data and configuration, and deletes only the class archive of the removed jars: " + remove);
        assertTrue(remove.contains("deb-systemd-helper mask tempokv.service"), remove.toString());

        List<String> purge = runMaintainerScript("postrm", Map.of(), "purge");
        assertEquals("exit 0", purge.get(0));
        assertTrue(purge.contains("rm -rf /var/lib/tempokv /var/log/tempokv /etc/tempokv /var/cache/tempokv"), purge.toString());
        assertTrue(purge.stream().anyMatch(c -> c.startsWith("rm -f /etc/default/tempokv ")), purge.toString());
        assertTrue(purge.contains("update-rc.d tempokv remove"), purge.toString());
        assertTrue(purge.contains("deb-systemd-helper purge tempokv.service"), purge.toString());
        assertTrue(purge.stream().noneMatch(c -> c.startsWith("deluser") || c.startsWith("delgroup")), "the user is kept: " + purge);
        assertNothingStarts(purge);

        List<String> twice = runMaintainerScript("postrm", Map.of(), "purge");
        assertEquals("exit 0", twice.get(0), "purge again succeeds (idempotent)");
    }

    @Test
    void prermLeavesARunningNodeAloneOnUpgrade() throws Exception {
        List<String> upgrade = runMaintainerScript("prerm", Map.of(), "upgrade", "0.2.0");
        assertEquals(List.of("exit 0"), upgrade, "upgrade runs nothing");
        for (String script : MAINTAINER_SCRIPTS) {
            List<String> bad = runMaintainerScript(script, Map.of(), false, "nonsense");
            assertEquals("exit 1", bad.get(0), script + " rejects an unknown argument: " + bad);
        }
    }

    private static void assertNothingStarts(List<String> calls) {
        List<String> starting = calls.stream().filter(c -> STARTS_THE_SERVICE.stream().anyMatch(p -> p.matcher(c).find()))
                .collect(Collectors.toList());
        assertEquals(List.of(), starting, "commands that start the service");
    }
}
