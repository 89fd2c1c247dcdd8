package io.tempokv.verify.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** {@link CommandRunner#processes()}: real processes, each ended by its own handle on timeout. */
final class ProcessCommandRunner implements CommandRunner {
    @Override
    public Result run(Command c) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(c.argv());
        if (c.stdoutFile() != null) {
            pb.redirectOutput(c.stdoutFile().toFile());
        }
        Process p = pb.start();
        try {
            Gobbler out = new Gobbler(p.getInputStream());
            Gobbler err = new Gobbler(p.getErrorStream());
            try (OutputStream in = p.getOutputStream()) {
                if (c.stdin() != null) {
                    in.write(c.stdin().getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // the command exited without reading its input; its exit code and stderr say why
            }
            if (!p.waitFor(c.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                String so = err.text().strip();
                throw new IOException("timed out after " + c.timeout().toSeconds() + " s" + (so.isEmpty() ? "" : "; stderr so far: " + so));
            }
            return new Result(p.exitValue(), out.text(), err.text());
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** Reads a stream to its end on its own thread, so neither pipe can fill up and block the command. */
    private static final class Gobbler {
        private final Thread thread;
        private volatile byte[] bytes = new byte[0];

        Gobbler(InputStream in) {
            thread = new Thread(() -> {
                try (in) {
                    bytes = in.readAllBytes();
                } catch (IOException e) {
                    // the process was killed; the timeout message says so
                }
            }, "command-output");
            thread.setDaemon(true);
            thread.start();
        }

        String text() throws InterruptedException {
            thread.join(5000);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
