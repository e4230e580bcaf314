package dev.turboagents.persistence.graph;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.config.Setting;

/**
 * A Neo4j server inside this JVM for the default setup (no NEO4J_URI): Bolt on 127.0.0.1 only, store
 * under {@code <data-dir>/neo4j}, nothing reported anywhere. The daemon talks to it through the
 * driver like to any external server, so there is one code path.
 */
public final class EmbeddedNeo4j implements AutoCloseable {
  private final DatabaseManagementService service;
  private final URI boltUri;

  private EmbeddedNeo4j(DatabaseManagementService service, URI boltUri) {
    this.service = service;
    this.boltUri = boltUri;
  }

  /** Starts the server in {@code home} as {@code settings} say (Bolt port, page cache, shutdown timings). */
  public static EmbeddedNeo4j start(Path home, GraphSettings settings) {
    return start(home, settings.boltPort(), settings.pageCacheBytes(), settings);
  }

  /** For tests and benchmarks: {@code boltPort} (0 picks a free port), the page cache, the rest as reference.conf says. */
  public static EmbeddedNeo4j start(Path home, int boltPort, long pageCacheBytes) {
    return start(home, boltPort, pageCacheBytes, Settings.load(Map.of()).graph());
  }

  /** Starts the server in {@code home} on {@code boltPort} (0 picks a free port), otherwise as {@code settings} say. */
  public static EmbeddedNeo4j start(Path home, int boltPort, long pageCacheBytes, GraphSettings settings) {
    int port = boltPort == 0 ? freePort() : boltPort;
    Map<Setting<?>, Object> config = new HashMap<>();
    config.put(GraphDatabaseSettings.default_listen_address, new SocketAddress("127.0.0.1"));
    config.put(BoltConnector.enabled, true);
    config.put(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port));
    config.put(BoltConnector.server_bolt_telemetry_enabled, false);
    config.put(BoltConnector.enable_discovery, false);
    config.put(HttpConnector.enabled, false);
    config.put(GraphDatabaseSettings.udc_enabled, false);
    // loopback only and the daemon is the only client
    config.put(GraphDatabaseSettings.auth_enabled, false);
    config.put(GraphDatabaseSettings.pagecache_memory, pageCacheBytes);
    // defaults preallocate ~500 MB of transaction log per store
    config.put(GraphDatabaseSettings.preallocate_logical_logs, false);
    config.put(GraphDatabaseSettings.logical_log_rotation_threshold, 16L * 1024 * 1024);
    // netty's default quiet period makes every shutdown take ~11 s
    config.put(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, settings.embeddedShutdownQuietPeriod());
    config.put(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, settings.embeddedShutdownTimeout());
    DatabaseManagementService service = new DatabaseManagementServiceBuilder(home).setConfig(config).build();
    return new EmbeddedNeo4j(service, URI.create("bolt://127.0.0.1:" + port));
  }

  public URI boltUri() {
    return boltUri;
  }

  public int boltPort() {
    return boltUri.getPort();
  }

  @Override
  public void close() {
    service.shutdown();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port for Neo4j Bolt", e);
    }
  }
}
