package io.tempokv.server.config;

import java.math.BigInteger;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns the YAML tree (maps, lists, scalars as snakeyaml-engine builds them) into a {@link Draft},
 * reporting every unknown key and every value of the wrong type, and going on after each so the
 * operator sees all of them in one run.
 */
final class DraftReader {
    static final List<String> TOP_KEYS = List.of("node-id", "cluster-id", "data-dir", "listen", "ports", "members",
            "shards", "f", "buckets", "tick-ms", "fsync", "limits");
    static final List<String> MEMBER_KEYS = List.of("id", "host", "client", "peer", "http");
    static final List<String> LIMIT_KEYS = List.of("key-bytes", "value-bytes", "pending-commands", "frame-bytes");

    private final List<Problem> problems;
    private final Draft draft = new Draft();

    DraftReader(List<Problem> problems) {
        this.problems = problems;
    }

    Draft read(Object root) {
        if (root == null) {
            return draft; // an empty file: every setting takes its default
        }
        Map<?, ?> top = mapping(root, "", TOP_KEYS);
        if (top == null) {
            return draft;
        }
        draft.nodeId = integer(top, "node-id", "node-id");
        draft.clusterId = text(top, "cluster-id", "cluster-id");
        draft.dataDir = path(top, "data-dir");
        draft.listen = text(top, "listen", "listen");
        readPorts(top);
        readMembers(top);
        draft.shards = integer(top, "shards", "shards");
        draft.f = integer(top, "f", "f");
        draft.buckets = integer(top, "buckets", "buckets");
        draft.tickMs = integer(top, "tick-ms", "tick-ms");
        draft.fsync = bool(top, "fsync", "fsync");
        readLimits(top);
        return draft;
    }

    private void readPorts(Map<?, ?> top) {
        if (!presentAt(top, "ports", "ports")) {
            return;
        }
        Map<?, ?> m = mapping(top.get("ports"), "ports", Draft.PORT_NAMES);
        for (int k = 0; m != null && k < 3; k++) {
            String name = Draft.PORT_NAMES.get(k);
            draft.ports[k] = integer(m, name, "ports." + name);
        }
    }

    private void readMembers(Map<?, ?> top) {
        if (!presentAt(top, "members", "members")) {
            return;
        }
        Object value = top.get("members");
        if (!(value instanceof List<?> list)) {
            fail("members", "expected a list of members (- {id: 1, host: ..., client: ..., peer: ..., http: ...}), "
                    + "found " + describe(value));
            return;
        }
        draft.members = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            draft.members.add(readMember(list.get(i), Draft.memberPath(i)));
        }
    }

    private Draft.DraftMember readMember(Object value, String path) {
        Draft.DraftMember dm = new Draft.DraftMember();
        Map<?, ?> m = mapping(value, path, MEMBER_KEYS);
        if (m == null) {
            return dm;
        }
        if (!m.containsKey("id")) {
            fail(path + ".id", "missing; give every member a distinct id >= 1");
        }
        if (!m.containsKey("host")) {
            fail(path + ".host", "missing; give the host name or IP address other nodes and clients reach it at");
        }
        dm.id = integer(m, "id", path + ".id");
        dm.host = text(m, "host", path + ".host");
        for (int k = 0; k < 3; k++) {
            String name = Draft.PORT_NAMES.get(k);
            dm.ports[k] = integer(m, name, path + "." + name);
        }
        return dm;
    }

    private void readLimits(Map<?, ?> top) {
        if (!presentAt(top, "limits", "limits")) {
            return;
        }
        Map<?, ?> m = mapping(top.get("limits"), "limits", LIMIT_KEYS);
        if (m == null) {
            return;
        }
        draft.keyBytesMax = integer(m, "key-bytes", "limits.key-bytes");
        draft.valueBytesMax = integer(m, "value-bytes", "limits.value-bytes");
        draft.pendingCommandsMax = integer(m, "pending-commands", "limits.pending-commands");
        draft.frameBytesMax = integer(m, "frame-bytes", "limits.frame-bytes");
    }

    /** The value as a mapping whose keys are all known, or null (reported) when it is not a mapping. */
    private Map<?, ?> mapping(Object value, String path, List<String> known) {
        if (!(value instanceof Map<?, ?> m)) {
            String what = "a mapping of settings (key: value), found " + describe(value);
            fail(path, path.isEmpty() ? "the top level must be " + what : "expected " + what);
            return null;
        }
        for (Object key : m.keySet()) {
            if (!(key instanceof String s) || !known.contains(s)) {
                String fix = Suggest.fix(String.valueOf(key), known);
                problems.add(new Problem(path, "unknown setting '" + key + "'; " + fix));
            }
        }
        return m;
    }

    private Integer integer(Map<?, ?> m, String key, String path) {
        if (!presentAt(m, key, path)) {
            return null;
        }
        Object v = m.get(key);
        if (v instanceof Integer || v instanceof Long || v instanceof BigInteger) {
            BigInteger b = new BigInteger(v.toString());
            if (b.bitLength() < 32) {
                return b.intValue();
            }
            fail(path, v + " is out of range; give a whole number up to " + Integer.MAX_VALUE);
            return null;
        }
        fail(path, "expected a whole number, found " + describe(v) + hintUnquote(v));
        return null;
    }

    private String text(Map<?, ?> m, String key, String path) {
        if (!presentAt(m, key, path)) {
            return null;
        }
        Object v = m.get(key);
        if (v instanceof String s) {
            return s;
        }
        fail(path, "expected text, found " + describe(v) + "; quote it if it is meant as text");
        return null;
    }

    private Boolean bool(Map<?, ?> m, String key, String path) {
        if (!presentAt(m, key, path)) {
            return null;
        }
        Object v = m.get(key);
        if (v instanceof Boolean b) {
            return b;
        }
        fail(path, "expected true or false, found " + describe(v));
        return null;
    }

    private Path path(Map<?, ?> m, String key) {
        String s = text(m, key, key);
        if (s == null) {
            return null;
        }
        try {
            return Path.of(s);
        } catch (InvalidPathException e) {
            fail(key, "'" + s + "' is not a valid path (" + e.getReason() + "); give a directory such as ./data");
            return null;
        }
    }

    /** Whether the key is there with a value; a key with no value is reported and marked broken. */
    private boolean presentAt(Map<?, ?> m, String key, String path) {
        if (!m.containsKey(key)) {
            return false;
        }
        if (m.get(key) == null) {
            fail(path, "has no value; give one or remove the line to use the default");
            return false;
        }
        return true;
    }

    private void fail(String path, String text) {
        problems.add(new Problem(path, text));
        draft.broken.add(path);
    }

    private static String hintUnquote(Object v) {
        return v instanceof String s && s.trim().matches("-?\\d+") ? "; write it without quotes" : "";
    }

    static String describe(Object v) {
        if (v == null) {
            return "nothing";
        } else if (v instanceof String s) {
            return "text '" + s + "'";
        } else if (v instanceof Boolean b) {
            return b.toString();
        } else if (v instanceof Number n) {
            return "the number " + n;
        } else if (v instanceof List<?>) {
            return "a list";
        } else if (v instanceof Map<?, ?>) {
            return "a mapping";
        }
        return v.getClass().getSimpleName();
    }
}
