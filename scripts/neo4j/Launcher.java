// Runs an embedded Neo4j Community DBMS with the Bolt connector, for scripts/neo4j-local.
// Usage: java -cp 'lib/*' Launcher.java HOME_DIR PORT   (env NEO4J_PASSWORD: enable auth)
// Java 17 runs this single source file directly; scripts/neo4j-local compiles it once into
// its cache instead, which saves ~6 s per start. Data lives under HOME_DIR/data, logs under
// HOME_DIR/logs. Stop with SIGTERM (the shutdown hook closes the stores cleanly).

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;

public class Launcher {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: Launcher HOME_DIR PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        String password = System.getenv("NEO4J_PASSWORD");
        boolean auth = password != null && !password.isEmpty();
        Files.createDirectories(home);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                // Local only: no TLS (drivers connect with plain bolt://).
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                // The default page cache takes half the RAM; keep it small.
                .setConfig(GraphDatabaseSettings.pagecache_memory, 128L * 1024 * 1024)
                // dbms.usage_report.enabled: no phoning home (there is no network anyway).
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        // SIGTERM/SIGINT run the hook: a clean shutdown keeps the store consistent.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("neo4j-local: shutting down");
            dbms.shutdown();
            System.out.println("neo4j-local: stopped");
            stopped.countDown();
        }, "neo4j-shutdown"));

        if (auth) {
            setPassword(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), password);
        }
        System.out.println("neo4j-local: bolt listening on 127.0.0.1:" + port
                + (auth ? " (auth: neo4j/$NEO4J_PASSWORD)" : " (auth disabled)"));
        stopped.await();
    }

    // Embedded mode has no set-initial-password step: the built-in user neo4j starts with
    // password "neo4j" and "change required". Embedded transactions run with full rights,
    // so set the wanted password on the system database directly (idempotent).
    private static void setPassword(GraphDatabaseService system, String password) {
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED",
                    java.util.Map.of("pw", password));
        } catch (QueryExecutionException e) {
            // Same password as before is rejected as "old and new password cannot be the same".
            if (!String.valueOf(e.getMessage()).contains("cannot be the same")) {
                throw e;
            }
            System.out.println("neo4j-local: password unchanged");
        }
    }
}
