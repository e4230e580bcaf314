package dev.turboagents.persistence.graph;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import java.net.URI;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.neo4j.driver.AuthToken;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Config;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Logging;

/**
 * The driver to the graph, and the in-process server behind it when NEO4J_URI is empty. Closing it
 * closes the driver first, then the server (the other order makes the driver log connection errors).
 */
public final class GraphConnection implements AutoCloseable {
  private final Driver driver;
  private final Optional<EmbeddedNeo4j> embedded;
  private final URI uri;

  private GraphConnection(Driver driver, Optional<EmbeddedNeo4j> embedded, URI uri) {
    this.driver = driver;
    this.embedded = embedded;
    this.uri = uri;
  }

  /** Connects to {@code turbo-agents.neo4j.uri}, or starts the in-process server under data-dir/neo4j. */
  public static GraphConnection open(Settings settings) {
    Optional<String> external = settings.services().neo4jUri();
    if (external.isPresent()) {
      String password = settings.services().neo4jPassword();
      AuthToken auth = password.isEmpty() ? AuthTokens.none() : AuthTokens.basic(settings.services().neo4jUser(), password);
      return to(URI.create(external.get()), auth, settings.graph());
    }
    EmbeddedNeo4j server = EmbeddedNeo4j.start(settings.dataDir().resolve("neo4j"), settings.graph());
    try {
      return new GraphConnection(driverFor(server.boltUri(), AuthTokens.none(), settings.graph()), Optional.of(server),
          server.boltUri());
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** A connection to a server someone else runs (an external Neo4j, neo4j-harness in tests). */
  public static GraphConnection to(URI boltUri, AuthToken auth, GraphSettings settings) {
    return new GraphConnection(driverFor(boltUri, auth, settings), Optional.empty(), boltUri);
  }

  private static Driver driverFor(URI uri, AuthToken auth, GraphSettings settings) {
    Config config = Config.builder()
        .withLogging(Logging.slf4j())
        .withConnectionTimeout(settings.driverConnectionTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .withConnectionAcquisitionTimeout(settings.driverAcquisitionTimeout().toMillis(), TimeUnit.MILLISECONDS)
        // the projection has its own backoff and a route must answer 503 quickly: fail instead of retrying 30 s
        .withMaxTransactionRetryTime(settings.driverMaxRetryTime().toMillis(), TimeUnit.MILLISECONDS)
        .build();
    return GraphDatabase.driver(uri, auth, config);
  }

  public Driver driver() {
    return driver;
  }

  public URI uri() {
    return uri;
  }

  public Optional<EmbeddedNeo4j> embedded() {
    return embedded;
  }

  @Override
  public void close() {
    try {
      driver.close();
    } finally {
      embedded.ifPresent(EmbeddedNeo4j::close);
    }
  }
}
