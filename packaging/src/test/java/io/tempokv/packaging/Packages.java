package io.tempokv.packaging;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Where the build put the packages, and running the tools that inspect them. */
final class Packages {
    private Packages() {
    }

    /** The output of one finished command. */
    record Result(List<String> command, int exit, String out, String err) {
        String describe() {
            return String.join(" ", command) + " exited " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static String property(String name) {
        String v = System.getProperty(name);
        if (v == null || v.isBlank() || v.contains("${")) {
            fail("system property " + name + " is not set (" + v + "): run these tests through Maven, e.g. mvn -B -pl packaging verify");
        }
        return v;
    }

    /** packaging/target */
    static Path target() {
        return Path.of(property("tempokv.packaging.target"));
    }

    /** packaging/ */
    static Path basedir() {
        return Path.of(property("tempokv.packaging.basedir"));
    }

    /** The Debian-friendly version in the file names, e.g. 0.1.0~SNAPSHOT. */
    static String version() {
        return property("tempokv.packaging.version");
    }

    static Path tarball() {
        return existing(target().resolve("tempokv-" + version() + ".tar.gz"));
    }

    static Path deb() {
        return existing(target().resolve("tempokv_" + version() + "_all.deb"));
    }

    private static Path existing(Path p) {
        assertTrue(Files.isRegularFile(p), p + " was not built (the package phase makes it)");
        return p;
    }

    /** The jar names the build staged in target/lib: the runtime class path both packages must ship. */
    static List<String> stagedJars() throws IOException {
        try (Stream<Path> s = Files.list(target().resolve("lib"))) {
            List<String> jars = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
            assertTrue(jars.stream().anyMatch(n -> n.startsWith("tempokv-server-")), "target/lib lacks tempokv-server: " + jars);
            return jars;
        }
    }

    /** Skips the calling test unless {@code condition}, saying why on the console as well as in the report. */
    static void assumeOrSkip(boolean condition, String why) {
        if (!condition) {
            System.out.println("SKIPPED: " + why);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(condition, why);
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    static Result run(Path cwd, Map<String, String> env, long timeoutSeconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
        pb.environment().putAll(env);
        Path out = Files.createTempFile("tempokv-it-out", ".txt");
        Path err = Files.createTempFile("tempokv-it-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            Process p = pb.start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s; stdout:\n"
                        + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(List.of(command), p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    static Result run(Path cwd, String... command) throws IOException, InterruptedException {
        return run(cwd, Map.of(), 120, command);
    }

    /** Runs the command and fails the test, showing its output, unless it exits 0. */
    static Result ok(Path cwd, String... command) throws IOException, InterruptedException {
        Result r = run(cwd, command);
        if (r.exit() != 0) {
            fail(r.describe());
        }
        return r;
    }

    static List<String> lines(String text) {
        List<String> l = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!l.isEmpty() && l.get(l.size() - 1).isEmpty()) {
            l.remove(l.size() - 1);
        }
        return l;
    }
}
