package io.tempokv.server.config;

import java.util.List;

/**
 * A config file that cannot be used. The message lists every problem found, one a line, each naming
 * the file, the setting (a dotted path such as {@code members[2].peer}), what is wrong and the fix,
 * e.g. {@code tempokv.yaml: f: 2 needs at least 5 members (2f+1), found 3; lower f or add members}.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final List<String> problems;

    ConfigException(String source, List<Problem> problems, Throwable cause) {
        super(render(source, problems), cause);
        this.source = source;
        this.problems = problems.stream().map(p -> p.render(source)).toList();
    }

    /** The file (or other source) the problems were found in. */
    public String source() {
        return source;
    }

    /** Each problem as one self-contained line, in the order the file was read. */
    public List<String> problems() {
        return problems;
    }

    private static String render(String source, List<Problem> problems) {
        StringBuilder sb = new StringBuilder();
        for (Problem p : problems) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(p.render(source));
        }
        return sb.toString();
    }
}
