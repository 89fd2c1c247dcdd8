package io.tempokv.verify.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The nodes a robustness run talks to and breaks. Node ids are 1..n. Faults address one node's own
 * process (never a process name), so a cluster on shared hosts only ever touches its own nodes.
 * Implementations: {@link LocalCluster} (processes on loopback, which can only kill and pause) and
 * {@link SshCluster} (hosts over SSH, such as the test nodes of {@link TestbedCluster}, which can also
 * cut the network and skew clocks). {@link #capabilities()} says which fault methods work; the others
 * throw {@link UnsupportedOperationException} with a message naming what is needed.
 */
public interface Cluster extends AutoCloseable {
    /** What a cluster can do to its nodes besides starting them. */
    enum Capability {
        /** {@link #kill}, {@link #pause} and {@link #resume}. */
        PROCESS,
        /** {@link #partition} and {@link #healPartition}. */
        NETWORK,
        /** {@link #setClockOffsets}, {@link #strobeClocks} and {@link #resetClocks}. */
        CLOCK
    }

    Set<Capability> capabilities();

    List<Integer> nodeIds();

    /** Client endpoints, in node-id order. */
    List<InetSocketAddress> clientEndpoints();

    /**
     * The base of node id's HTTP endpoint (/health, /metrics) as the control machine reaches it;
     * empty when the cluster has none to offer.
     */
    default Optional<URI> httpUri(int id) {
        return Optional.empty();
    }

    void startAll() throws IOException;

    /** Starts the node if it is down (from its existing data directory). */
    void start(int id) throws IOException;

    /** SIGKILL: no shutdown hook, no flush. */
    void kill(int id) throws IOException, InterruptedException;

    /** SIGSTOP: the process keeps its sockets but answers nothing. */
    void pause(int id) throws IOException, InterruptedException;

    /** SIGCONT for a paused node; no effect otherwise. */
    void resume(int id) throws IOException, InterruptedException;

    /**
     * Makes every node drop the packets of the nodes the grudge names for it, replacing any earlier
     * partition (nodes the grudge gives nothing to drop are cleared). Clients on the control machine
     * still reach every node, as in Jepsen.
     */
    void partition(Grudge grudge) throws IOException, InterruptedException;

    /** Removes every partition this cluster made; no effect when there is none. */
    void healPartition() throws IOException, InterruptedException;

    /**
     * Sets the wall clock the given nodes' tempokv processes see to real time plus the offset in
     * seconds (negative: behind). Nodes not in the map keep their offset. Never touches a real clock.
     */
    void setClockOffsets(Map<Integer, Long> offsetSeconds) throws IOException, InterruptedException;

    /**
     * Until {@link #resetClocks}, flips each given node's clock offset between 0 and
     * {@code deltaSeconds} every {@code periodMillis}.
     */
    void strobeClocks(List<Integer> nodes, long deltaSeconds, long periodMillis) throws IOException, InterruptedException;

    /** Stops every strobe and sets every node's clock offset back to 0. */
    void resetClocks() throws IOException, InterruptedException;

    /**
     * The wall-clock offset, in whole seconds, each running node's tempokv process is seen to have
     * against the control machine's clock, for the record; empty when the cluster cannot tell.
     */
    default Map<Integer, Long> observedClockOffsets() throws InterruptedException {
        return Map.of();
    }

    /** Waits until every running node is ready; throws IllegalStateException naming the others. */
    void awaitReady() throws InterruptedException;

    /** Copies each node's log to {@code dir/n<id>/node.log}, as Jepsen stores node logs. */
    void collectLogs(Path dir) throws IOException;

    /** Stops every node this cluster started, paused ones included. */
    @Override
    void close();
}
