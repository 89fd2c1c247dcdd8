package io.tempokv.server.cli;

import io.tempokv.check.Verdict;
import io.tempokv.verify.Verify;
import io.tempokv.verify.cluster.Cluster.Capability;
import io.tempokv.verify.cluster.CommandRunner;
import io.tempokv.verify.cluster.LocalCluster;
import io.tempokv.verify.cluster.Nemesis;
import io.tempokv.verify.cluster.SshCluster;
import io.tempokv.verify.cluster.TestbedCluster;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;

/**
 * {@code tempokv verify}: the robustness suite. Runs a workload against a cluster under a nemesis
 * schedule, heals, reads every key, checks the history and writes a Jepsen-style report into the
 * store. Exit code follows the verdict. The cluster is local processes on loopback, the test nodes
 * of testbed/ (TESTBED_ID), or hosts over SSH; partitions and clock faults need the latter two.
 */
final class VerifyCommand implements Main.Command {
    private static final String USAGE = "tempokv verify --workload register|set --nemesis FAULTS --time-limit S --nodes 3|5 "
            + "[--cluster local | --cluster testbed --testbed-id K [--deb FILE] | --cluster ssh --hosts H1,H2,H3 "
            + "[--ssh-config FILE] [--deb FILE]] [--rate R] [--concurrency C] [--store DIR]";

    @Override
    public String summary() {
        return "robustness run (workload + nemesis) against a cluster; writes a report to the store, prints the verdict";
    }

    static Options options() {
        Options o = new Options();
        o.addOption(opt("workload", "register|set", "register (read/write/cas on independent keys) or set (add/read); default register"));
        o.addOption(opt("nemesis", "FAULTS", "comma-separated faults, one at a time, each kind picked at random per period: "
                + "kill (SIGKILL + restart), pause (SIGSTOP/SIGCONT), partition (iptables: partition-one, partition-majority, "
                + "partition-bridge, partition-ring [5 nodes]), clock (libfaketime: clock-skew, clock-jump, clock-strobe), "
                + "all (every kind the cluster can do), or none. Partition and clock need --cluster testbed or ssh. "
                + "Default kill,pause"));
        o.addOption(opt("time-limit", "SECONDS", "how long the workload runs (default 60)"));
        o.addOption(opt("nodes", "3|5", "cluster size (default 3; with --cluster ssh, the number of --hosts)"));
        o.addOption(opt("cluster", "local|testbed|ssh", "where the nodes run: local (processes on loopback), testbed (the test nodes "
                + "n1..nN of TESTBED_ID=K testbed/up, which must be up), ssh (hosts with the Debian package, or --deb). Default local"));
        o.addOption(opt("testbed-id", "K", "with --cluster testbed: the TESTBED_ID the testbed was brought up with (default: $TESTBED_ID)"));
        o.addOption(opt("hosts", "H1,H2,..", "with --cluster ssh: 3 or 5 hosts as ssh names them, each NAME or NAME=ADDRESS "
                + "(default address: ssh -G's hostname); node i is the i-th"));
        o.addOption(opt("ssh-config", "FILE", "with --cluster ssh: ssh's -F file (the testbed's is used with --cluster testbed)"));
        o.addOption(opt("ssh-user", "USER", "with --cluster ssh: remote user, who may run apt-get, iptables and the service (default: ssh's)"));
        o.addOption(opt("ssh-identity", "FILE", "with --cluster ssh: ssh's -i key"));
        o.addOption(opt("deb", "FILE", "with --cluster testbed or ssh: install this tempokv_<v>_all.deb on every node first "
                + "(default: use the installed package)"));
        o.addOption(opt("node-java-opts", "OPTS", "with --cluster testbed or ssh: the nodes' TEMPOKV_JAVA_OPTS (testbed default: "
                + TestbedCluster.NODE_JAVA_OPTIONS + "; ssh default: the package's)"));
        o.addOption(opt("rate", "OPS", "operations per second across all clients, 0 = unlimited (default 0)"));
        o.addOption(opt("concurrency", "C", "client threads (default 9)"));
        o.addOption(opt("store", "DIR", "report store (default ./store)"));
        o.addOption(opt("nemesis-interval", "SECONDS", "length of each quiet and each fault period (default 5)"));
        o.addOption(opt("recovery", "SECONDS", "wait after the final heal, before the final reads (default 5)"));
        o.addOption(opt("ops-per-key", "N", "operations a key gets before its clients move to a fresh key (default 200)"));
        o.addOption(Option.builder("h").longOpt("help").desc("show this help").build());
        return o;
    }

    private static Option opt(String name, String arg, String desc) {
        return Option.builder().longOpt(name).hasArg().argName(arg).desc(desc).build();
    }

    /** Where the run goes: the cluster kind and what it needs. */
    record Target(String cluster, int testbedId, List<String> hosts, SshCluster.Options ssh) {
    }

    /** The parsed command line. */
    record Plan(Verify.Config config, Target target) {
    }

    @Override
    public int run(String[] args, PrintStream out, PrintStream err) {
        Options o = options();
        Plan plan;
        try {
            CommandLine cl = new DefaultParser().parse(o, args);
            if (cl.hasOption("help")) {
                Main.printHelp(out, USAGE, summary(), o, "Exit codes: 0 valid, 1 invalid, 2 unknown, 64 bad usage, "
                        + "69 the cluster did not start (or a fault could not be applied). The report goes to "
                        + "<store>/<test>/<time>/; <store>/latest points at it. With --cluster testbed or ssh every node is "
                        + "stopped, its data and log deleted, its /etc/tempokv/tempokv.yaml rewritten; partitions are iptables "
                        + "rules in the nodes' own TEMPOKV-NEMESIS chain, clock faults an offset file read by libfaketime, "
                        + "preloaded into the node's JVM only (never the host's clock); both are undone when the run ends.");
                return Main.EXIT_OK;
            }
            plan = plan(cl, System.getenv("TESTBED_ID"));
        } catch (ParseException | IllegalArgumentException e) {
            err.println("tempokv verify: " + e.getMessage() + " (see tempokv verify --help)");
            return Main.EXIT_USAGE;
        }
        return verify(plan, out, err);
    }

    static Plan plan(CommandLine cl, String testbedEnv) throws ParseException {
        String cluster = cl.getOptionValue("cluster", "local");
        if (!List.of("local", "testbed", "ssh").contains(cluster)) {
            throw new ParseException("--cluster must be local, testbed or ssh, got '" + cluster + "'");
        }
        onlyWith(cl, cluster, List.of("testbed"), "testbed-id");
        onlyWith(cl, cluster, List.of("ssh"), "hosts", "ssh-config", "ssh-user", "ssh-identity");
        onlyWith(cl, cluster, List.of("testbed", "ssh"), "deb", "node-java-opts");
        String workload = cl.getOptionValue("workload", "register");
        if (!workload.equals("register") && !workload.equals("set")) {
            throw new ParseException("--workload must be register or set, got '" + workload + "'");
        }
        int nodes = integer(cl, "nodes", 3, 3);
        List<String> hosts = List.of();
        if (cluster.equals("ssh")) {
            if (!cl.hasOption("hosts")) {
                throw new ParseException("--cluster ssh needs --hosts H1,H2,H3 (3 or 5 hosts as ssh names them, NAME or NAME=ADDRESS)");
            }
            hosts = Arrays.stream(cl.getOptionValue("hosts").split(",")).map(String::trim).filter(h -> !h.isEmpty()).toList();
            if (hosts.size() != 3 && hosts.size() != 5) {
                throw new ParseException("--hosts must name 3 or 5 hosts, got " + hosts.size() + ": " + hosts);
            }
            if (cl.hasOption("nodes") && nodes != hosts.size()) {
                throw new ParseException("--nodes " + nodes + " but --hosts names " + hosts.size() + " hosts");
            }
            nodes = hosts.size();
        }
        if (nodes != 3 && nodes != 5) {
            throw new ParseException("--nodes must be 3 or 5, got " + nodes);
        }
        int testbedId = -1;
        if (cluster.equals("testbed")) {
            String id = cl.getOptionValue("testbed-id", testbedEnv);
            if (id == null || !id.matches("[0-9]")) {
                throw new ParseException("--cluster testbed needs --testbed-id K (0..9: the TESTBED_ID the testbed was brought up "
                        + "with" + (id == null ? "" : "; got '" + id + "'") + ")");
            }
            testbedId = Integer.parseInt(id);
        }
        Set<Capability> can = cluster.equals("local") ? EnumSet.of(Capability.PROCESS) : EnumSet.allOf(Capability.class);
        List<Nemesis.Fault> faults;
        try {
            // "all" is what this cluster can do; a kind or family named on its own is checked below
            faults = Nemesis.parseFaults(cl.getOptionValue("nemesis", "kill,pause"), nodes, can);
        } catch (IllegalArgumentException e) {
            throw new ParseException("--nemesis: " + e.getMessage());
        }
        for (Nemesis.Fault f : faults) {
            if (!can.contains(f.capability())) {
                throw new ParseException(f.family() + " needs --cluster testbed or ssh (the nodes of --cluster local share one "
                        + "loopback network and the host's clock, which the suite never changes)");
            }
        }
        double rate = Double.parseDouble(cl.getOptionValue("rate", "0"));
        if (rate < 0 || Double.isNaN(rate)) {
            throw new ParseException("--rate must be >= 0, got " + rate);
        }
        SshCluster.Options ssh = SshCluster.Options.defaults()
                .withClockFaults(faults.stream().anyMatch(f -> f.capability() == Capability.CLOCK))
                .withDeb(file(cl, "deb"))
                .withSshConfig(file(cl, "ssh-config"))
                .withIdentity(file(cl, "ssh-identity"))
                .withUser(cl.getOptionValue("ssh-user"))
                .withNodeJavaOptions(cl.getOptionValue("node-java-opts"));
        Verify.Config cfg = new Verify.Config(workload, faults, integer(cl, "time-limit", 60, 1), nodes, rate,
                integer(cl, "concurrency", 9, 1), Path.of(cl.getOptionValue("store", "store")),
                integer(cl, "nemesis-interval", 5, 1), integer(cl, "recovery", 5, 0), integer(cl, "ops-per-key", 200, 1));
        return new Plan(cfg, new Target(cluster, testbedId, hosts, ssh));
    }

    private static void onlyWith(CommandLine cl, String cluster, List<String> clusters, String... names) throws ParseException {
        for (String name : names) {
            if (cl.hasOption(name) && !clusters.contains(cluster)) {
                throw new ParseException("--" + name + " is for --cluster " + String.join(" or ", clusters) + ", not " + cluster);
            }
        }
    }

    private static Path file(CommandLine cl, String name) throws ParseException {
        if (!cl.hasOption(name)) {
            return null;
        }
        Path p = Path.of(cl.getOptionValue(name));
        if (!Files.isRegularFile(p)) {
            throw new ParseException("--" + name + " " + p + ": no such file");
        }
        return p.toAbsolutePath();
    }

    private static int integer(CommandLine cl, String name, int dflt, int min) throws ParseException {
        String v = cl.getOptionValue(name, Integer.toString(dflt));
        try {
            int i = Integer.parseInt(v);
            if (i >= min) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below with the same message as a too-small value
        }
        throw new ParseException("--" + name + " must be an integer >= " + min + ", got '" + v + "'");
    }

    private static int verify(Plan plan, PrintStream out, PrintStream err) {
        Verify.Config cfg = plan.config();
        Target t = plan.target();
        try {
            Verify.ClusterFactory factory = switch (t.cluster()) {
                case "testbed" -> TestbedCluster.factory(t.testbedId(), t.ssh(), out);
                case "ssh" -> SshCluster.factory(SshCluster.resolveHosts(t.hosts(), t.ssh(), CommandRunner.processes()), t.ssh(), out);
                default -> LocalCluster::create;
            };
            Verify.Outcome o = Verify.run(cfg, factory, out);
            out.println("verify: report in " + o.runDir().toAbsolutePath());
            out.println("verify: verdict " + o.verdict() + (o.verdict() == Verdict.VALID
                    ? " (every key's history is linearizable)" : "\n" + o.explanation()));
            return o.verdict() == Verdict.VALID ? Main.EXIT_OK
                    : o.verdict() == Verdict.INVALID ? Main.EXIT_VIOLATION : Main.EXIT_UNKNOWN;
        } catch (IOException | IllegalStateException e) {
            err.println("tempokv verify: " + e.getMessage());
            return Main.EXIT_START;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            err.println("tempokv verify: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.EXIT_UNKNOWN;
        }
    }
}
