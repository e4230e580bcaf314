package dev.turboagents.persistence.graph;

import java.util.Map;
import java.util.Optional;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Constraints and indexes of the knowledge graph. Every node carries the label {@code Entity} beside
 * its own (Issue, Project ...) and a {@code key} "type:id" unique across types, so one vector index
 * and one full-text index cover all kinds. The embedding model's name and dimensions are kept in a
 * {@code GraphMeta} node: when they differ from the configured embedder the vector index is dropped,
 * the old model's vectors of the new length are cleared (those nodes, and those whose vector has
 * another length, now await a vector: {@link GraphReembedding} embeds them in the background and in
 * the nightly) and the index is created again with the new dimensions. Nothing is embedded here, so a start never waits for the embedder. The code index's
 * own labels and indexes are made here too ({@link GraphCodeIndex#ensureSchema}), and those of the
 * dated facts ({@code Fact} nodes, kept apart from the {@code Entity} nodes search reads).
 */
public final class GraphSchema {
  public static final String VECTOR_INDEX = "entity_embedding";
  public static final String TEXT_INDEX = "entity_text";
  private static final Logger log = LoggerFactory.getLogger(GraphSchema.class);

  private GraphSchema() {}

  /** What {@link #ensure} found about the stored embeddings. */
  public enum Outcome { CREATED, UNCHANGED, MODEL_CHANGED }

  /**
   * Creates what is missing; when the stored model differs from {@code embedder}'s, makes the vector
   * index for the new dimensions and clears the old vectors of the new length (they would be indexed
   * beside the new ones); of another length they stay out of the index and await a vector like a
   * node without one. The model is recorded last: a crash before that makes the next start clear
   * again, so no old vector ever sits in the index beside new ones. A
   * vector index of another width than the embedder's is made again whatever the stored model says.
   */
  public static Outcome ensure(Driver driver, Embedder embedder) {
    try (Session session = driver.session()) {
      session.run("CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (n:Entity) REQUIRE n.key IS UNIQUE").consume();
      for (EntityType type : EntityType.values()) {
        session.run("CREATE CONSTRAINT " + type.apiName() + "_id IF NOT EXISTS FOR (n:" + type.label()
            + ") REQUIRE n.id IS UNIQUE").consume();
      }
      session.run("CREATE CONSTRAINT projection_offset IF NOT EXISTS FOR (n:ProjectionOffset) REQUIRE n.stream IS UNIQUE").consume();
      session.run("CREATE CONSTRAINT fact_key IF NOT EXISTS FOR (f:Fact) REQUIRE f.key IS UNIQUE").consume();
      session.run("CREATE INDEX fact_subject IF NOT EXISTS FOR (f:Fact) ON (f.subject, f.attribute)").consume();
      session.run("CREATE INDEX fact_from_ns IF NOT EXISTS FOR (f:Fact) ON (f.from_ns)").consume();
      session.run("CREATE INDEX fact_to_ns IF NOT EXISTS FOR (f:Fact) ON (f.to_ns)").consume();
      session.run("CREATE FULLTEXT INDEX " + TEXT_INDEX + " IF NOT EXISTS FOR (n:Entity) ON EACH [n.title, n.text] "
          + "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}").consume();

      Optional<Record> meta = session.run("MATCH (m:GraphMeta {name: 'embedding'}) RETURN m.model AS model, m.dimensions AS dimensions")
          .list().stream().findFirst();
      Outcome outcome;
      if (meta.isEmpty()) {
        outcome = GraphStore.countEmbedded(session) == 0 ? Outcome.CREATED : Outcome.MODEL_CHANGED;
      } else {
        boolean same = meta.get().get("model").asString().equals(embedder.modelName())
            && meta.get().get("dimensions").asInt() == embedder.dimensions();
        outcome = same ? Outcome.UNCHANGED : Outcome.MODEL_CHANGED;
      }
      Optional<Integer> indexWidth = session.run("SHOW VECTOR INDEXES YIELD name, options WHERE name = $name RETURN options",
          Map.of("name", VECTOR_INDEX)).list().stream().findFirst()
          .map(r -> r.get("options").get("indexConfig").get("vector.dimensions").asInt());
      if (outcome != Outcome.MODEL_CHANGED && indexWidth.isPresent() && indexWidth.get() != embedder.dimensions()) {
        // a query vector of the wrong width is an error, a node vector of the wrong width silently not indexed
        log.warn("the vector index {} is {} wide, the embedder {} gives {}: making it again", VECTOR_INDEX, indexWidth.get(),
            embedder.modelName(), embedder.dimensions());
        session.run("DROP INDEX " + VECTOR_INDEX + " IF EXISTS").consume();
      }
      if (outcome == Outcome.MODEL_CHANGED) {
        session.run("DROP INDEX " + VECTOR_INDEX + " IF EXISTS").consume();
        log.info("embedding model changed to {} ({} dimensions): the nodes are re-embedded in the background",
            embedder.modelName(), embedder.dimensions());
        // every vector of the new length is another model's and would be indexed beside the new ones: it goes (one write
        // per node, ~1 s per 1000 nodes on a busy 2-core machine); vectors of another length stay out of the index by
        // themselves and await a new one like a node without any
        session.run("MATCH (n:Entity) WHERE size(n.embedding) = $dims CALL (n) { REMOVE n.embedding } IN TRANSACTIONS OF 5000 ROWS",
            Map.of("dims", embedder.dimensions())).consume();
      }
      session.run("CREATE VECTOR INDEX " + VECTOR_INDEX + " IF NOT EXISTS FOR (n:Entity) ON n.embedding "
          + "OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}",
          Map.of("dimensions", embedder.dimensions())).consume();
      session.run("MERGE (m:GraphMeta {name: 'embedding'}) SET m.model = $model, m.dimensions = $dimensions",
          Map.of("model", embedder.modelName(), "dimensions", embedder.dimensions())).consume();
      GraphCodeIndex.ensureSchema(session, embedder);
      session.run("CALL db.awaitIndexes(120)").consume();
      return outcome;
    }
  }
}
