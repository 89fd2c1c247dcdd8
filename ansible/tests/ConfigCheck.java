import io.tempokv.server.config.ConfigException;
import io.tempokv.server.config.ConfigLoader;
import io.tempokv.server.config.NodeConfig;
import java.nio.file.Path;

/**
 * Loads each rendered tempokv.yaml with the node's own ConfigLoader (the code that `tempokv server`
 * runs) and prints what the node would see, one line per file; exit 1 if any file is rejected.
 * Run in source-file mode: java -cp "server/target/tempokv-server.jar:server/target/lib/*" ConfigCheck.java FILE...
 */
public final class ConfigCheck {
    public static void main(String[] args) {
        int bad = 0;
        for (String file : args) {
            try {
                NodeConfig c = ConfigLoader.load(Path.of(file));
                StringBuilder members = new StringBuilder();
                for (NodeConfig.Member m : c.members()) {
                    members.append(members.length() == 0 ? "" : ",").append(m.id()).append('@').append(m.host())
                            .append(':').append(m.client()).append('/').append(m.peer()).append('/').append(m.http());
                }
                System.out.println("ok " + file + " node-id=" + c.nodeId() + " cluster-id=" + c.clusterId()
                        + " f=" + c.f() + " shards=" + c.shards() + " listen=" + c.listen() + " data-dir=" + c.dataDir()
                        + " members=" + members);
            } catch (ConfigException e) {
                bad++;
                System.out.println("REJECTED " + file + ": " + e.getMessage());
            }
        }
        System.exit(bad == 0 ? 0 : 1);
    }
}
