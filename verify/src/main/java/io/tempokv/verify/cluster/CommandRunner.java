package io.tempokv.verify.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs a command on the control machine (for {@link SshCluster}: ssh and scp) and returns what it
 * printed. The default runs real processes; tests pass one that records the commands instead.
 */
@FunctionalInterface
public interface CommandRunner {
    /**
     * One command: its argument vector (no shell on the control machine), text for its standard
     * input (null: none, the input is closed at once), a file for its standard output (null: it is
     * captured into {@link Result#stdout()}), and how long it may take.
     */
    record Command(List<String> argv, String stdin, Path stdoutFile, Duration timeout) {
        public Command {
            argv = List.copyOf(argv);
        }
    }

    /** How a command ended; stdout is empty when it went to a file. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs the command to its end.
     *
     * @throws IOException when it cannot be started or does not end within its timeout (it is then
     *                     killed); a non-zero exit code is a {@link Result}, not an exception
     */
    Result run(Command command) throws IOException, InterruptedException;

    /** Real processes through {@link ProcessBuilder}. */
    static CommandRunner processes() {
        return new ProcessCommandRunner();
    }
}
