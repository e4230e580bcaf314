package dev.turboagents.persistence.graph;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionConfig;

/**
 * Embeds the nodes that await a vector: those whose vector {@link GraphSchema#ensure} cleared because
 * the embedding model changed, and any other node with a text but no vector. It runs in the
 * background right after start and again in the nightly, {@code embedding-batch-size} texts at a
 * time. Each batch is written in its own transaction and only onto nodes that still await, so a
 * crash, a stop or a failing embedder (Ollama away) leaves the rest awaiting for the next run, and a
 * vector the projection wrote meanwhile (for a newer text) is never overwritten. One run at a time.
 */
public final class GraphReembedding {
  /**
   * A node that should have a vector of the embedder's length and has none (or one of another
   * length: an old model's, left by a start that changed the width); {@code File} nodes (a path only)
   * are never embedded.
   */
  static final String AWAITS = "(n.embedding IS NULL OR size(n.embedding) <> $dims) AND NOT n:File "
      + "AND (n.title IS NOT NULL OR n.text IS NOT NULL)";

  private final Driver driver;
  private final Embedder embedder;
  private final int batchSize;
  private final TransactionConfig txConfig;
  private final ReentrantLock oneRun = new ReentrantLock();

  public GraphReembedding(Driver driver, Embedder embedder, int batchSize, Duration queryTimeout) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("embedding-batch-size must be positive, was " + batchSize);
    }
    this.driver = driver;
    this.embedder = embedder;
    this.batchSize = batchSize;
    this.txConfig = TransactionConfig.builder().withTimeout(queryTimeout).build();
  }

  /**
   * What one run did: {@code reembedded} nodes got a vector, {@code left} still await one;
   * {@code stoppedBy} says why it ended before none were left (the embedder failed, it was told to stop).
   */
  public record Report(long reembedded, long left, Optional<String> stoppedBy) {}

  /** How many nodes await a vector now (a scan of the entity nodes). */
  public long awaiting() {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("MATCH (n:Entity) WHERE " + AWAITS + " RETURN count(n) AS c",
          Map.of("dims", embedder.dimensions())).single()
          .get("c").asLong(), txConfig);
    }
  }

  /** Whether a run is going now (at start, or the nightly's). */
  public boolean running() {
    return oneRun.isLocked();
  }

  /**
   * Embeds awaiting nodes batch by batch until none are left or {@code keepGoing} answers false
   * (asked before each batch); the embedder failing ends the run with the rest left for the next.
   * Empty when another run is going: that one does the work. Blocks; call it on a blocking thread.
   */
  public Optional<Report> run(BooleanSupplier keepGoing) {
    if (!oneRun.tryLock()) {
      return Optional.empty();
    }
    try {
      long done = 0;
      Optional<String> stoppedBy = Optional.empty();
      while (true) {
        if (!keepGoing.getAsBoolean()) {
          stoppedBy = Optional.of("stopped before the end");
          break;
        }
        List<Record> rows = batch();
        if (rows.isEmpty()) {
          break;
        }
        List<float[]> vectors;
        try {
          vectors = embedder.embedAll(rows.stream()
              .map(r -> GraphStore.embeddedText(r.get("title").asString(""), r.get("text").asString(""))).toList());
        } catch (RuntimeException e) {
          stoppedBy = Optional.of("the embedder " + embedder.modelName() + " failed: " + e.getMessage());
          break;
        }
        long written = write(rows, vectors);
        if (written == 0) {
          // a batch that writes nothing would be read again and again
          stoppedBy = Optional.of("no node of a batch could be written");
          break;
        }
        done += written;
      }
      return Optional.of(new Report(done, awaiting(), stoppedBy));
    } finally {
      oneRun.unlock();
    }
  }

  private List<Record> batch() {
    try (Session session = driver.session()) {
      return session.executeRead(tx -> tx.run("MATCH (n:Entity) WHERE " + AWAITS
          + " RETURN n.key AS key, n.title AS title, n.text AS text ORDER BY n.key LIMIT $limit",
          Map.of("limit", batchSize, "dims", embedder.dimensions())).list(), txConfig);
    }
  }

  /** Sets the vectors on the nodes that still await one and still have the text embedded; returns how many. */
  private long write(List<Record> rows, List<float[]> vectors) {
    List<Map<String, Object>> updates = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Record r = rows.get(i);
      updates.add(Map.of("key", r.get("key").asString(), "title", r.get("title").asString(""),
          "text", r.get("text").asString(""), "embedding", GraphStore.toList(vectors.get(i))));
    }
    try (Session session = driver.session()) {
      return session.executeWrite(tx -> tx.run("""
          UNWIND $updates AS u
          MATCH (n:Entity {key: u.key}) WHERE (n.embedding IS NULL OR size(n.embedding) <> $dims)
            AND coalesce(n.title, '') = u.title AND coalesce(n.text, '') = u.text
          SET n.embedding = u.embedding
          RETURN count(n) AS c
          """, Map.of("updates", updates, "dims", embedder.dimensions())).single().get("c").asLong(), txConfig);
    }
  }
}
