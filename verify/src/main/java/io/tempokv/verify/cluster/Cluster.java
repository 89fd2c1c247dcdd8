package io.tempokv.verify.cluster;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The nodes a robustness run talks to and breaks. Node ids are 1..n. Faults address one node's own
 * process (never a process name), so a cluster on shared hosts only ever touches its own nodes.
 * Implementations: {@link LocalCluster} (processes on loopback); the testbed and SSH clusters come
 * with the distribution issue.
 */
public interface Cluster extends AutoCloseable {
    List<Integer> nodeIds();

    /** Client endpoints, in node-id order. */
    List<InetSocketAddress> clientEndpoints();

    void startAll() throws IOException;

    /** Starts the node if it is down (from its existing data directory). */
    void start(int id) throws IOException;

    /** SIGKILL: no shutdown hook, no flush. */
    void kill(int id) throws InterruptedException;

    /** SIGSTOP: the process keeps its sockets but answers nothing. */
    void pause(int id) throws IOException, InterruptedException;

    /** SIGCONT for a paused node; no effect otherwise. */
    void resume(int id) throws IOException, InterruptedException;

    /** Waits until every running node is ready; throws IllegalStateException naming the others. */
    void awaitReady() throws InterruptedException;

    /** Copies each node's log to {@code dir/n<id>/node.log}, as Jepsen stores node logs. */
    void collectLogs(Path dir) throws IOException;

    /** Stops every node this cluster started, paused ones included. */
    @Override
    void close();
}
