package io.tempokv.server.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.DuplicateKeyException;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * Reads a node's YAML config into a {@link NodeConfig}. The format, with every setting at its default
 * (an empty file, or no file at all, gives a single-node cluster on 127.0.0.1):
 *
 * <pre>{@code
 * node-id: 1                 # this node, one of members
 * cluster-id: tempokv        # nodes refuse peers of another cluster
 * data-dir: ./data           # relative to the server's working directory
 * listen: 127.0.0.1          # address the ports bind to
 * ports: {client: 7400, peer: 7500, http: 7600}   # this node's ports
 * members:                   # every node of the cluster, this one included
 *   - {id: 1, host: 127.0.0.1, client: 7400, peer: 7500, http: 7600}
 * shards: 2                  # independent Tempo groups, each replicated on every member
 * f: 0                       # failures tolerated per shard; default (members-1)/2
 * buckets: 1024              # clock buckets per shard
 * tick-ms: 1                 # one core tick in milliseconds
 * fsync: true
 * limits: {key-bytes: 1024, value-bytes: 1048576, pending-commands: 20000, frame-bytes: 16777216}
 * }</pre>
 *
 * <p>Defaults and derivations:
 * <ul>
 *   <li>Without {@code members} the cluster is this node alone, at {@code listen} (127.0.0.1 when
 *       {@code listen} is a wildcard such as 0.0.0.0) with {@code ports}.</li>
 *   <li>In a {@code members} entry, {@code id} and {@code host} are required; a port left out is
 *       7400 (client), 7500 (peer) or 7600 (http).</li>
 *   <li>{@code ports} and this node's own {@code members} entry describe the same ports: a port given
 *       in only one of them is copied to the other; given in both, they must be equal.</li>
 *   <li>{@code f} defaults to the most the members allow, (members-1)/2: 0 for 1 member, 1 for 3.
 *       Tempo needs 2f+1 members and, with more than one member, f >= 1; so 2 members never work.</li>
 * </ul>
 *
 * <p>Every problem is reported, all together, in one {@link ConfigException}: unknown settings (with a
 * "did you mean"), wrong types, values out of range, duplicate member ids or host:port pairs, a node-id
 * that is not a member, ports that disagree with the node's own entry, and an f the members cannot
 * carry. Values are read with the YAML 1.2 JSON schema, so {@code yes}, {@code on} and {@code 0x10}
 * are text, not booleans or numbers.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /** Reads and checks the file; problems name it as given. */
    public static NodeConfig load(Path file) {
        String source = file.toString();
        String yaml;
        try {
            yaml = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String why = e.getClass().getSimpleName() + ": " + e.getMessage();
            throw new ConfigException(source, List.of(new Problem("", "cannot read the config file (" + why
                    + "); check the path and its permissions")), e);
        }
        return parse(yaml, source);
    }

    /**
     * Parses and checks YAML text; {@code sourceName} (usually the file name) starts every problem line.
     *
     * @throws ConfigException listing every problem found
     */
    public static NodeConfig parse(String yaml, String sourceName) {
        Object root = parseYaml(yaml, sourceName);
        List<Problem> problems = new ArrayList<>();
        Draft draft = new DraftReader(problems).read(root);
        draft.resolve();
        problems.addAll(ConfigRules.check(draft));
        if (!problems.isEmpty()) {
            throw new ConfigException(sourceName, problems, null);
        }
        return draft.toConfig();
    }

    private static Object parseYaml(String yaml, String sourceName) {
        // Duplicate keys are an error rather than "last one wins": a repeated setting is almost always a
        // merge mistake, and silently dropping one half hides it.
        LoadSettings settings = LoadSettings.builder().setLabel(sourceName).setAllowDuplicateKeys(false)
                .setMaxAliasesForCollections(10).build();
        try {
            return new Load(settings).loadFromString(yaml);
        } catch (MarkedYamlEngineException e) {
            throw new ConfigException(sourceName, List.of(syntaxProblem(e)), e);
        } catch (YamlEngineException e) {
            throw new ConfigException(sourceName, List.of(new Problem("", "is not valid YAML ("
                    + e.getMessage() + "); fix the syntax")), e);
        }
    }

    private static Problem syntaxProblem(MarkedYamlEngineException e) {
        String where = e.getProblemMark().or(e::getContextMark)
                .map(m -> "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1) + ": ").orElse("");
        if (e instanceof DuplicateKeyException) {
            return new Problem("", where + e.getProblem() + "; a setting may appear only once, keep one of them");
        }
        String context = e.getContext() == null ? "" : e.getContext() + ", ";
        return new Problem("", where + "not valid YAML: " + context + e.getProblem()
                + "; fix the syntax there (indent with spaces, write key: value)");
    }
}
