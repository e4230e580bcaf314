package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import java.time.Duration;

/**
 * The knowledge graph: which embedding model, how the in-process Neo4j is sized, how the projection
 * batches and backs off, and how search scores and the RAG context are shaped.
 *
 * @param embeddingModel model name; "all-minilm-l6-v2" is the in-process default, "ollama:NAME" goes through the inference actor
 * @param embeddingDimensions vector length of an "ollama:" model, 0 to ask the model at start
 * @param embeddingBatchSize texts per embedding call
 * @param boltPort Bolt port of the in-process Neo4j, 0 for a free one
 * @param pageCacheBytes page cache of the in-process Neo4j
 * @param queryTimeout longest a graph query or write transaction may take
 * @param projectionBatchSize most events written to Neo4j in one transaction
 * @param projectionBatchWindow longest the projection waits to fill a batch
 * @param projectionMinBackoff first wait after Neo4j failed
 * @param projectionMaxBackoff longest wait between retries
 * @param hybridVectorWeight weight of the vector score in hybrid search, 0..1
 * @param defaultMinRelevance min_relevance when a request names none, 0..1
 * @param contextHits top hits the RAG context expands with neighbours
 * @param contextNeighbours neighbours per expanded hit
 * @param contextTokenBudget token budget of a context when the caller names none
 * @param driverConnectionTimeout longest the Neo4j driver waits to open a connection
 * @param driverAcquisitionTimeout longest the driver waits for a connection from its pool
 * @param driverMaxRetryTime how long the driver retries a failed transaction
 * @param embeddedShutdownQuietPeriod quiet period of the in-process Neo4j's Bolt server at shutdown
 * @param embeddedShutdownTimeout longest the in-process Neo4j's Bolt server may take to shut down
 * @param code the code index (chunking, file size limit, scoring)
 */
public record GraphSettings(String embeddingModel, int embeddingDimensions, int embeddingBatchSize, int boltPort, long pageCacheBytes,
    Duration queryTimeout, int projectionBatchSize, Duration projectionBatchWindow,
    Duration projectionMinBackoff, Duration projectionMaxBackoff, double hybridVectorWeight,
    double defaultMinRelevance, int contextHits, int contextNeighbours, int contextTokenBudget,
    Duration driverConnectionTimeout, Duration driverAcquisitionTimeout, Duration driverMaxRetryTime,
    Duration embeddedShutdownQuietPeriod, Duration embeddedShutdownTimeout, CodeIndexSettings code) {

  /** The same settings with another weight of the vector score (for comparing weights). */
  public GraphSettings withHybridVectorWeight(double weight) {
    return new GraphSettings(embeddingModel, embeddingDimensions, embeddingBatchSize, boltPort, pageCacheBytes, queryTimeout,
        projectionBatchSize, projectionBatchWindow, projectionMinBackoff, projectionMaxBackoff, weight, defaultMinRelevance,
        contextHits, contextNeighbours, contextTokenBudget, driverConnectionTimeout, driverAcquisitionTimeout,
        driverMaxRetryTime, embeddedShutdownQuietPeriod, embeddedShutdownTimeout, code);
  }

  static GraphSettings read(SettingsReader r) {
    Duration min = r.positiveDuration("turbo-agents.graph.projection-min-backoff");
    Duration max = r.positiveDuration("turbo-agents.graph.projection-max-backoff");
    if (max.compareTo(min) < 0) {
      throw new InvalidSettingException("turbo-agents.graph.projection-max-backoff",
          "must not be shorter than turbo-agents.graph.projection-min-backoff (" + min + "), was " + max);
    }
    return new GraphSettings(
        r.nonEmpty("turbo-agents.graph.embedding-model"),
        r.intIn("turbo-agents.graph.embedding-dimensions", 0, 65_536),
        r.intIn("turbo-agents.graph.embedding-batch-size", 1, 4096),
        r.port("turbo-agents.graph.bolt-port"),
        r.positiveBytes("turbo-agents.graph.page-cache"),
        r.positiveDuration("turbo-agents.graph.query-timeout"),
        r.intIn("turbo-agents.graph.projection-batch-size", 1, 100_000),
        r.positiveDuration("turbo-agents.graph.projection-batch-window"),
        min,
        max,
        fraction(r, "turbo-agents.graph.hybrid-vector-weight"),
        fraction(r, "turbo-agents.graph.default-min-relevance"),
        r.intIn("turbo-agents.graph.context-hits", 0, 100),
        r.intIn("turbo-agents.graph.context-neighbours", 0, 100),
        r.intIn("turbo-agents.graph.context-token-budget", 1, 1_000_000),
        r.positiveDuration("turbo-agents.graph.driver-connection-timeout"),
        r.positiveDuration("turbo-agents.graph.driver-acquisition-timeout"),
        r.positiveDuration("turbo-agents.graph.driver-max-retry-time"),
        r.positiveDuration("turbo-agents.graph.embedded-shutdown-quiet-period"),
        r.positiveDuration("turbo-agents.graph.embedded-shutdown-timeout"),
        CodeIndexSettings.read(r));
  }

  private static double fraction(SettingsReader r, String key) {
    double value;
    try {
      value = r.config().getDouble(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a number between 0 and 1");
    }
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new InvalidSettingException(key, "must be between 0 and 1, was " + value);
    }
    return value;
  }
}
