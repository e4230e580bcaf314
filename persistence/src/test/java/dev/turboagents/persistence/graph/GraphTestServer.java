package dev.turboagents.persistence.graph;

import dev.turboagents.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.driver.AuthTokens;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/**
 * neo4j-harness with the settings the daemon's in-process server uses (loopback Bolt, small page
 * cache, no preallocated logs, quick netty shutdown), and a {@link GraphConnection} to it through the
 * driver. Start one per test class: a start costs ~10 s.
 */
public final class GraphTestServer implements AutoCloseable {
  private final Neo4j neo4j;
  private final GraphConnection connection;

  private GraphTestServer(Neo4j neo4j) {
    this.neo4j = neo4j;
    this.connection = GraphConnection.to(neo4j.boltURI(), AuthTokens.none(), Settings.load(Map.of()).graph());
  }

  public static GraphTestServer start(Path workDir) {
    Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(workDir)
        .withDisabledServer()
        .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", 0))
        .withConfig(GraphDatabaseSettings.udc_enabled, false)
        .withConfig(BoltConnector.enable_discovery, false)
        .withConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
        .withConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
        .withConfig(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024)
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, Duration.ofMillis(100))
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(2))
        .build();
    return new GraphTestServer(neo4j);
  }

  public GraphConnection connection() {
    return connection;
  }

  public String boltUri() {
    return neo4j.boltURI().toString();
  }

  @Override
  public void close() {
    connection.close();
    neo4j.close();
  }
}
