package io.tempokv.check;

import java.io.IOException;

/**
 * A history file that cannot be read as Jepsen operations. The message has the form
 * {@code source:line: problem}, e.g.
 * {@code history.edn:12: :type must be one of :invoke :ok :fail :info, got :okay}.
 *
 * <p>It is an {@link IOException} because callers reading a file already handle those, and a
 * malformed file is, to them, just another reason the file could not be read.
 */
public class HistoryFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final long line;
    private final String problem;

    public HistoryFormatException(String source, long line, String problem) {
        this(source, line, problem, null);
    }

    public HistoryFormatException(String source, long line, String problem, Throwable cause) {
        super(source + ":" + line + ": " + problem, cause);
        this.source = source;
        this.line = line;
        this.problem = problem;
    }

    /** The file (or other source) name given to the reader. */
    public String source() {
        return source;
    }

    /** The 1-based line number of the offending entry. */
    public long line() {
        return line;
    }

    /** What is wrong, without the location prefix. */
    public String problem() {
        return problem;
    }
}
