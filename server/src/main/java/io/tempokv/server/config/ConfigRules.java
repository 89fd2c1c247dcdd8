package io.tempokv.server.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules a resolved {@link Draft} must satisfy: ranges and the relations between settings. Shared by
 * the loader (which reports with the file name) and {@link NodeConfig}'s constructor (which throws),
 * so a config built in code obeys the same rules as one read from a file. Null values were already
 * reported as unreadable; every check that needs one is skipped.
 */
final class ConfigRules {
    private static final Pattern CLUSTER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._:\\[\\]%-]+");

    private ConfigRules() {
    }

    static List<Problem> check(Draft d) {
        List<Problem> out = new ArrayList<>();
        checkScalars(d, out);
        checkLimits(d, out);
        if (d.members != null) {
            checkMembers(d, out);
            checkSelf(d, out);
            checkF(d, out);
        }
        return out;
    }

    private static void checkScalars(Draft d, List<Problem> out) {
        atLeast(out, "node-id", d.nodeId, 1, "this node's id in members");
        if (d.clusterId != null && !CLUSTER_ID.matcher(d.clusterId).matches()) {
            out.add(new Problem("cluster-id", "'" + d.clusterId + "' is not a usable cluster id; "
                    + "use 1 to 64 letters, digits, '.', '_' or '-'"));
        }
        if (d.dataDir != null && d.dataDir.toString().isBlank()) {
            out.add(new Problem("data-dir", "is empty; give a directory such as ./data or /var/lib/tempokv"));
        }
        host(out, "listen", d.listen);
        for (int k = 0; k < 3; k++) {
            port(out, "ports." + Draft.PORT_NAMES.get(k), d.ports[k]);
        }
        atLeast(out, "shards", d.shards, 1, "the number of independent Tempo groups");
        atLeast(out, "buckets", d.buckets, 1, "clock buckets per shard");
        atLeast(out, "tick-ms", d.tickMs, 1, "one core tick in milliseconds");
    }

    private static void checkLimits(Draft d, List<Problem> out) {
        atLeast(out, "limits.key-bytes", d.keyBytesMax, 1, "the largest key in bytes");
        atLeast(out, "limits.value-bytes", d.valueBytesMax, 1, "the largest value in bytes");
        atLeast(out, "limits.pending-commands", d.pendingCommandsMax, 1, "commands a shard holds before refusing");
        atLeast(out, "limits.frame-bytes", d.frameBytesMax, 1, "the largest message on the wire in bytes");
        if (d.keyBytesMax != null && d.valueBytesMax != null && d.frameBytesMax != null
                && d.keyBytesMax > 0 && d.valueBytesMax > 0 && d.frameBytesMax > 0
                && (long) d.frameBytesMax <= (long) d.keyBytesMax + d.valueBytesMax) {
            // A put carries one key and one value in one frame; a smaller frame makes the largest allowed
            // value impossible to send.
            out.add(new Problem("limits.frame-bytes", d.frameBytesMax + " cannot carry a key of limits.key-bytes "
                    + d.keyBytesMax + " and a value of limits.value-bytes " + d.valueBytesMax
                    + "; raise frame-bytes above their sum or lower value-bytes"));
        }
    }

    private static void checkMembers(Draft d, List<Problem> out) {
        if (d.members.isEmpty()) {
            out.add(new Problem("members", "is empty; list every node of the cluster, this one included, "
                    + "or leave members out for a single-node cluster"));
            return;
        }
        Map<Integer, Integer> firstById = new HashMap<>();
        Map<String, String> firstByAddress = new HashMap<>();
        for (int i = 0; i < d.members.size(); i++) {
            Draft.DraftMember m = d.members.get(i);
            String path = Draft.memberPath(i);
            if (!d.membersDerived) {
                atLeast(out, path + ".id", m.id, 1, "the member's id"); // a derived id is node-id, checked as such
            }
            if (m.id != null && m.id >= 1) {
                Integer first = firstById.putIfAbsent(m.id, i);
                if (first != null) {
                    out.add(new Problem(path + ".id", m.id + " appears twice (also " + Draft.memberPath(first)
                            + "); give every member a distinct id >= 1"));
                }
            }
            if (!d.membersDerived) {
                host(out, path + ".host", m.host); // a derived host is listen, checked as such
            }
            checkMemberPorts(d, i, out, firstByAddress);
        }
    }

    private static void checkMemberPorts(Draft d, int i, List<Problem> out, Map<String, String> firstByAddress) {
        Draft.DraftMember m = d.members.get(i);
        for (int k = 0; k < 3; k++) {
            Integer port = m.ports[k];
            String name = Draft.PORT_NAMES.get(k);
            // A derived entry's ports are this node's ports, already range-checked as ports.*: name
            // them that way, since members[0] is not in the file.
            String path = d.membersDerived ? "ports." + name : Draft.memberPath(i) + "." + name;
            boolean valid = d.membersDerived ? port != null && port >= 1 && port <= 65535 : port(out, path, port);
            if (valid && m.host != null) {
                distinctAddress(out, firstByAddress, path, m.host, port);
            }
        }
    }

    /** Two listeners on one host:port cannot both bind; catch it here rather than at startup of the second. */
    private static void distinctAddress(List<Problem> out, Map<String, String> firstByAddress, String path,
                                        String host, int port) {
        String address = host.toLowerCase(Locale.ROOT) + ":" + port;
        String first = firstByAddress.putIfAbsent(address, path);
        if (first != null) {
            out.add(new Problem(path, host + ":" + port + " is already used by " + first
                    + "; give every member its own host:port for each of client, peer and http"));
        }
    }

    private static void checkSelf(Draft d, List<Problem> out) {
        boolean idsKnown = d.members.stream().allMatch(m -> m.id != null);
        int own = d.ownEntry();
        if (d.nodeId != null && idsKnown && own < 0 && !d.members.isEmpty()) {
            TreeSet<Integer> ids = new TreeSet<>();
            d.members.forEach(m -> ids.add(m.id));
            out.add(new Problem("node-id", d.nodeId + " is not one of the members' ids " + ids
                    + "; set node-id to this node's entry or add an entry for it to members"));
        }
        if (own < 0) {
            return;
        }
        Integer[] mine = d.members.get(own).ports;
        for (int k = 0; k < 3; k++) {
            if (d.ports[k] != null && mine[k] != null && !d.ports[k].equals(mine[k])) {
                String name = Draft.PORT_NAMES.get(k);
                out.add(new Problem("ports." + name, d.ports[k] + " differs from this node's own entry "
                        + Draft.memberPath(own) + "." + name + " = " + mine[k]
                        + "; make them equal or give the port in one place only"));
            }
        }
    }

    private static void checkF(Draft d, List<Problem> out) {
        int n = d.members.size();
        if (d.f == null || n == 0) {
            return;
        }
        if (d.f < 0) {
            out.add(new Problem("f", d.f + " is negative; give the failures each shard tolerates, 0 or more"));
        } else if (n == 2) {
            // Tempo with more than one member needs f >= 1 and so 2f+1 >= 3 members: two can never work.
            out.add(new Problem("members", "2 members cannot replicate a shard (more than one member needs "
                    + "f >= 1, so 2f+1 >= 3 members); use 1 member, or 3 or more"));
        } else if (2 * (long) d.f + 1 > n) {
            out.add(new Problem("f", d.f + " needs at least " + (2 * d.f + 1) + " members (2f+1), found " + n
                    + "; lower f or add members"));
        } else if (n > 1 && d.f == 0) {
            out.add(new Problem("f", "0 with " + n + " members: a replicated shard tolerates at least one "
                    + "failure; set f between 1 and " + (n - 1) / 2 + " or leave f out"));
        }
    }

    private static void atLeast(List<Problem> out, String path, Integer value, int min, String what) {
        if (value != null && value < min) {
            out.add(new Problem(path, value + " is too small; give " + what + ", at least " + min));
        }
    }

    /** Returns whether the port is present and valid. */
    private static boolean port(List<Problem> out, String path, Integer value) {
        if (value == null) {
            return false;
        }
        if (value < 1 || value > 65535) {
            out.add(new Problem(path, value + " is not a port; use a number from 1 to 65535"));
            return false;
        }
        return true;
    }

    private static void host(List<Problem> out, String path, String host) {
        if (host == null) {
            return;
        }
        if (host.isBlank()) {
            out.add(new Problem(path, "is empty; give a host name or IP address such as 127.0.0.1"));
        } else if (host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':')) {
            // One colon is host:port; IPv6 literals have at least two.
            out.add(new Problem(path, "'" + host + "' looks like host:port; give the host alone "
                    + "and the port as client, peer or http"));
        } else if (!HOST.matcher(host).matches()) {
            out.add(new Problem(path, "'" + host + "' is not a host name or IP address; "
                    + "give one such as 127.0.0.1 or node1.example.com"));
        }
    }
}
