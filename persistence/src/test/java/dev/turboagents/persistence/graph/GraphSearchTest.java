package dev.turboagents.persistence.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Search, traversal and RAG context over the labelled retrieval set (214 issues of a plausible
 * product, 54 paraphrased duplicates), in one neo4j-harness instance through the driver.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GraphSearchTest {
  @TempDir static Path dir;
  static GraphTestServer server;
  static GraphStore store;
  static GraphSearch search;
  static GraphSettings settings;
  static RetrievalSet set;
  static final Embedder embedder = new MiniLmEmbedder();

  @BeforeAll
  static void load() {
    server = GraphTestServer.start(dir.resolve("neo4j"));
    // the load embeds 50 issues per transaction: on a busy machine that takes longer than the default 10 s
    settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.graph.query-timeout", "120s")).graph();
    GraphSchema.ensure(server.connection().driver(), embedder);
    store = new GraphStore(server.connection().driver(), embedder, settings.queryTimeout());
    search = new GraphSearch(server.connection().driver(), embedder, settings);
    set = RetrievalSet.load();
    List<GraphWrite> writes = new ArrayList<>();
    writes.add(GraphWrite.UpsertProject.of("server").withName("Kite server").withDescription("API, storage, search, integrations"));
    writes.add(GraphWrite.UpsertProject.of("web").withName("Kite web client"));
    writes.add(GraphWrite.UpsertProject.of("mobile").withName("Kite mobile apps"));
    set.issues().forEach(i -> writes.add(i.write()));
    set.related().forEach(r -> writes.add(new GraphWrite.Link(EntityRef.issue(r.from()), r.relation(), EntityRef.issue(r.to()))));
    for (int i = 0; i < writes.size(); i += 50) {
      store.apply(writes.subList(i, Math.min(writes.size(), i + 50)));
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  record Quality(double recallAt5, double mrr) {}

  static Quality measure(SearchQuery.Mode mode) {
    return measure(search, mode, true);
  }

  static Quality measure(GraphSearch search, SearchQuery.Mode mode, boolean printMisses) {
    List<RetrievalSet.Issue> duplicates = set.duplicates();
    double found = 0;
    double reciprocal = 0;
    for (RetrievalSet.Issue dup : duplicates) {
      List<SearchHit> hits = search.search(SearchQuery.of(dup.title() + "\n" + dup.description(), 50, 0.0)
          .withMode(mode).excluding(Set.of(EntityRef.issue(dup.id()).key())));
      String target = EntityRef.issue(dup.duplicateOf().orElseThrow()).key();
      int rank = 1;
      while (rank <= hits.size() && !hits.get(rank - 1).entity().key().equals(target)) {
        rank++;
      }
      if (rank <= hits.size()) {
        found += rank <= 5 ? 1 : 0;
        reciprocal += 1.0 / rank;
      }
      if (rank != 1 && printMisses) {
        System.out.printf("%s: %s -> %s at rank %s (first: %s)%n", mode, dup.id(), target,
            rank <= hits.size() ? rank : "-", hits.isEmpty() ? "none" : hits.getFirst().entity().id());
      }
    }
    return new Quality(found / duplicates.size(), reciprocal / duplicates.size());
  }

  @Test
  @Order(1)
  void hybridFindsDuplicatesBetterThanVectorOnlyAndFullTextOnly() {
    Quality vector = measure(SearchQuery.Mode.VECTOR);
    Quality text = measure(SearchQuery.Mode.FULLTEXT);
    Quality hybrid = measure(SearchQuery.Mode.HYBRID);
    System.out.printf("retrieval set: %d issues, %d duplicate paraphrases, hybrid vector weight %.2f%n",
        set.issues().size(), set.duplicates().size(), settings.hybridVectorWeight());
    System.out.printf("| mode | recall@5 | MRR |%n|---|---|---|%n");
    System.out.printf("| vector only | %.3f | %.3f |%n", vector.recallAt5(), vector.mrr());
    System.out.printf("| full-text only | %.3f | %.3f |%n", text.recallAt5(), text.mrr());
    System.out.printf("| hybrid | %.3f | %.3f |%n", hybrid.recallAt5(), hybrid.mrr());
    for (double w : new double[] {0.5, 0.7, 0.8, 0.85, 0.9, 0.95}) {
      GraphSettings other = settings.withHybridVectorWeight(w);
      Quality q = measure(new GraphSearch(server.connection().driver(), embedder, other), SearchQuery.Mode.HYBRID, false);
      System.out.printf("| hybrid, vector weight %.2f | %.3f | %.3f |%n", w, q.recallAt5(), q.mrr());
    }
    assertTrue(hybrid.mrr() > vector.mrr(), "hybrid MRR " + hybrid.mrr() + " must beat vector-only " + vector.mrr());
    assertTrue(hybrid.mrr() > text.mrr(), "hybrid MRR " + hybrid.mrr() + " must beat full-text-only " + text.mrr());
    assertTrue(hybrid.recallAt5() >= vector.recallAt5() && hybrid.recallAt5() >= text.recallAt5(),
        "hybrid recall@5 " + hybrid.recallAt5() + " must not be below vector " + vector.recallAt5() + " or full-text " + text.recallAt5());
  }

  @Test
  @Order(2)
  void resultsCarryTitleSnippetAndNormalisedRelevance() {
    List<SearchHit> hits = search.search(SearchQuery.of("search is very slow in a workspace with millions of messages", 5, 0.0));
    assertEquals(5, hits.size());
    assertEquals("issue:KT-16", hits.getFirst().entity().key(), hits.toString());
    for (int i = 0; i < hits.size(); i++) {
      SearchHit hit = hits.get(i);
      assertTrue(hit.relevance() > 0 && hit.relevance() <= 1, hit.toString());
      assertFalse(hit.title().isEmpty());
      assertTrue(hit.snippet().length() <= 201, hit.snippet());
      if (i > 0) {
        assertTrue(hits.get(i - 1).relevance() >= hit.relevance(), "ordered by relevance");
      }
    }
    double threshold = hits.get(2).relevance();
    List<SearchHit> above = search.search(SearchQuery.of("search is very slow in a workspace with millions of messages", 5, threshold));
    assertTrue(above.size() <= 3 && above.stream().allMatch(h -> h.relevance() >= threshold), above.toString());
  }

  @Test
  @Order(3)
  void filtersByTypeProjectAndStatus() {
    List<SearchHit> mobile = search.search(SearchQuery.of("notifications do not arrive", 10, 0.0).inProject("mobile"));
    assertFalse(mobile.isEmpty());
    for (SearchHit hit : mobile) {
      assertEquals("mobile", store.entity(hit.entity()).orElseThrow().get("project"), hit.toString());
    }
    List<SearchHit> done = search.search(SearchQuery.of("security problem with tokens", 10, 0.0).withStatuses(Set.of("done")));
    assertFalse(done.isEmpty());
    assertTrue(done.stream().allMatch(h -> h.status().equals("done")), done.toString());
    assertTrue(done.stream().anyMatch(h -> h.entity().id().equals("KT-7")), done.toString());

    List<SearchHit> projects = search.search(SearchQuery.of("mobile apps", 10, 0.0).withTypes(Set.of(EntityType.PROJECT)));
    assertEquals("project:mobile", projects.getFirst().entity().key(), projects.toString());
    assertTrue(projects.stream().allMatch(h -> h.entity().type() == EntityType.PROJECT));
  }

  @Test
  @Order(4)
  void queriesWithLuceneSyntaxAreTakenAsWords() {
    List<SearchHit> hits = search.search(SearchQuery.of("R&D \"unbalanced (quote [AND] OR* title:~ \\", 5, 0.0)
        .withMode(SearchQuery.Mode.FULLTEXT));
    assertTrue(hits.size() <= 5);
    assertEquals("r d unbalanced quote and or title", GraphSearch.luceneQuery("R&D \"unbalanced (quote [AND] OR* title:~ \\"));
  }

  @Test
  @Order(5)
  void relatedFollowsRelationshipsButNotThroughProjects() {
    store.apply(List.of(new GraphWrite.Link(EntityRef.issue("KT-169"), Relation.DUPLICATE_OF, EntityRef.issue("KT-16"))));
    List<RelatedEntity> near = search.related(EntityRef.issue("KT-16"), 1, 20).orElseThrow();
    assertTrue(near.stream().anyMatch(r -> r.entity().id().equals("KT-18") && r.via().equals("<RELATES_TO")), near.toString());
    assertTrue(near.stream().anyMatch(r -> r.entity().id().equals("KT-74")), near.toString());
    assertTrue(near.stream().anyMatch(r -> r.entity().id().equals("KT-169") && r.via().equals("<DUPLICATE_OF")), near.toString());
    assertTrue(near.stream().anyMatch(r -> r.entity().key().equals("project:server") && r.via().equals("IN_PROJECT>")), near.toString());
    assertTrue(near.stream().allMatch(r -> r.distance() == 1));

    List<RelatedEntity> two = search.related(EntityRef.issue("KT-16"), 2, 50).orElseThrow();
    assertTrue(two.stream().anyMatch(r -> r.entity().id().equals("KT-17") && r.distance() == 2
        && r.via().equals("<RELATES_TO <RELATES_TO")), two.toString());
    // through the project node every server issue would be two hops away
    assertTrue(two.size() < 15, two.toString());
    assertTrue(search.related(EntityRef.issue("KT-9999"), 1, 5).isEmpty());
  }

  @Test
  @Order(6)
  void mentionsInTextBecomeRelationshipsAndWritesAreIdempotent() {
    List<GraphWrite> writes = List.of(
        new GraphWrite.AddComment("KT-9", "c-1", "anna", "Probably the same limit as in #KT-10, see also #KT-9999 and &#38;"),
        GraphWrite.UpsertIssue.of("KT-9").withLabels(List.of("upload", "limits")));
    store.apply(writes);
    List<String> once = store.dump();
    store.apply(writes);
    assertEquals(once, store.dump(), "applying the same writes again changes nothing");
    List<RelatedEntity> fromComment = search.related(new EntityRef(EntityType.COMMENT, "c-1"), 1, 10).orElseThrow();
    assertEquals(Set.of("issue:KT-9 ON>", "issue:KT-10 MENTIONS>"),
        Set.copyOf(fromComment.stream().map(r -> r.entity().key() + " " + r.via()).toList()));
    assertEquals("server", store.entity(new EntityRef(EntityType.COMMENT, "c-1")).orElseThrow().get("project"));
    assertEquals(List.of("KT-10", "KT-9999"), GraphStore.mentions("see #KT-10 and #KT-9999, not a&#38; or x#y"));
  }

  @Test
  @Order(7)
  void jobsCommitsFilesAndDecisionsConnect() {
    EntityRef job = new EntityRef(EntityType.JOB, "job-1");
    EntityRef commit = new EntityRef(EntityType.COMMIT, "3f09537");
    store.apply(List.of(
        new GraphWrite.RecordJob("job-1", "Raise the multipart limit", "Code agent run for #KT-9", "succeeded"),
        new GraphWrite.RecordCommit("3f09537", "Stream multipart bodies above 2 GiB\n\nFixes #KT-9"),
        new GraphWrite.TouchFile(job, "server/src/upload/MultipartParser.java"),
        new GraphWrite.TouchFile(commit, "server/src/upload/MultipartParser.java"),
        new GraphWrite.RecordDecision("d-1", "Stream uploads instead of buffering", "Buffering caps uploads at the heap size",
            EntityRef.issue("KT-9"))));
    List<RelatedEntity> fromFile = search.related(new EntityRef(EntityType.FILE, "server/src/upload/MultipartParser.java"), 1, 10)
        .orElseThrow();
    assertEquals(Set.of("job:job-1 <TOUCHES", "commit:3f09537 <TOUCHES"),
        Set.copyOf(fromFile.stream().map(r -> r.entity().key() + " " + r.via()).toList()));
    List<RelatedEntity> fromIssue = search.related(EntityRef.issue("KT-9"), 1, 20).orElseThrow();
    assertTrue(fromIssue.stream().anyMatch(r -> r.entity().key().equals("decision:d-1") && r.via().equals("<DECIDED_IN")), fromIssue.toString());
    assertTrue(fromIssue.stream().anyMatch(r -> r.entity().key().equals("commit:3f09537") && r.via().equals("<MENTIONS")), fromIssue.toString());
    assertEquals("server", store.entity(new EntityRef(EntityType.DECISION, "d-1")).orElseThrow().get("project"));
    List<SearchHit> decisions = search.search(SearchQuery.of("why do we stream uploads rather than buffer them", 3, 0.0)
        .withTypes(Set.of(EntityType.DECISION)));
    assertEquals("decision:d-1", decisions.getFirst().entity().key(), decisions.toString());
  }

  @Test
  @Order(8)
  void contextCitesIdsAndStaysWithinTheTokenBudget() {
    GraphContext full = search.context("Fix the slow search performance in large workspaces", 2000);
    assertTrue(full.text().contains("[issue:KT-16]"), full.text());
    assertTrue(full.estimatedTokens() <= 2000);
    assertEquals(GraphContext.estimateTokens(full.text()), full.estimatedTokens());
    // the neighbours of the best hits come along
    assertTrue(full.cited().contains(EntityRef.issue("KT-18")), full.cited().toString());

    GraphContext small = search.context("Fix the slow search performance in large workspaces", 120);
    assertTrue(small.estimatedTokens() <= 120, small.toString());
    assertTrue(small.truncated());
    assertTrue(small.cited().size() < full.cited().size());
    assertEquals(full.cited().getFirst(), small.cited().getFirst(), "the best hit comes first whatever the budget");
    GraphContext none = search.context("Fix the slow search performance in large workspaces", 5);
    assertEquals("", none.text());
    assertTrue(none.truncated());
  }

  @Test
  @Order(9)
  void changingTheEmbeddingModelClearsTheOldVectorsAtStartAndTheReembeddingBringsVectorSearchBack() {
    CountingEmbedder smaller = new CountingEmbedder(new FirstDimensionsEmbedder(embedder, 128), Integer.MAX_VALUE);
    var driver = server.connection().driver();
    assertEquals(GraphSchema.Outcome.UNCHANGED, GraphSchema.ensure(driver, embedder));
    GraphReembedding reembedding = new GraphReembedding(driver, smaller, 32, settings.queryTimeout());
    assertEquals(0, new GraphReembedding(driver, embedder, 32, settings.queryTimeout()).awaiting(),
        "an unchanged model leaves every node with its vector");
    long embeddable = embeddedNodes();
    assertTrue(embeddable > 200, "the retrieval set and what the tests before added: " + embeddable);

    // the start: the new model recorded, the index made for 128 dimensions, the old vectors gone, nothing embedded
    assertEquals(GraphSchema.Outcome.MODEL_CHANGED, GraphSchema.ensure(driver, smaller));
    assertEquals(0, smaller.texts.get(), "a start embeds nothing");
    assertEquals(128, vectorIndexDimensions());
    assertEquals(embeddable, reembedding.awaiting(), "every node that had a vector awaits one of the new model");
    assertEquals(0, embeddedNodes(128), "no vector of the new length is there before the re-embedding");
    assertEquals(GraphSchema.Outcome.UNCHANGED, GraphSchema.ensure(driver, smaller), "the new model is recorded");

    // while every node awaits, vector and hybrid search answer as full-text does
    GraphSearch withSmaller = new GraphSearch(driver, smaller, settings);
    String query = "iPhone pictures show a grey box instead of a preview";
    List<SearchHit> byWords = withSmaller.search(SearchQuery.of(query, 5, 0.0).withMode(SearchQuery.Mode.FULLTEXT));
    assertEquals(5, byWords.size(), byWords.toString());
    for (SearchQuery.Mode mode : List.of(SearchQuery.Mode.VECTOR, SearchQuery.Mode.HYBRID)) {
      List<SearchHit> hits = withSmaller.search(SearchQuery.of(query, 5, 0.0).withMode(mode));
      assertEquals(byWords.stream().map(h -> h.entity().key()).toList(), hits.stream().map(h -> h.entity().key()).toList(),
          mode + ": " + hits);
    }

    // interrupted after two batches (a crash, a stop): those two are embedded, the rest still awaits
    int[] batches = {0};
    GraphReembedding.Report half = reembedding.run(() -> batches[0]++ < 2).orElseThrow();
    assertEquals(64, half.reembedded(), half.toString());
    assertEquals(embeddable - 64, half.left(), half.toString());
    assertTrue(half.stoppedBy().isPresent(), half.toString());
    assertEquals(64, smaller.texts.get(), "only the two batches were embedded");

    // the next run (the background one at the next start, or the nightly) does the rest, no node twice
    GraphReembedding.Report rest = reembedding.run(() -> true).orElseThrow();
    assertEquals(new GraphReembedding.Report(embeddable - 64, 0, java.util.Optional.empty()), rest);
    assertEquals(embeddable, smaller.texts.get(), "every node embedded exactly once");
    assertTrue(store.dump().stream().filter(l -> l.contains("embedding=")).allMatch(l -> l.contains("embedding=dims=128")));

    List<SearchHit> hits = withSmaller.search(SearchQuery.of(query, 3, 0.0).withMode(SearchQuery.Mode.VECTOR)
        .excluding(Set.of("issue:KT-166")));
    assertEquals("issue:KT-11", hits.getFirst().entity().key(), hits.toString());
    assertTrue(hits.getFirst().vectorScore() > 0.3 && hits.getFirst().textScore() == 0.0,
        "found by its new vector, not by the full-text fallback: " + hits);

    // and back to MiniLM: the vector index is 384 wide again and the search quality is as before
    assertEquals(GraphSchema.Outcome.MODEL_CHANGED, GraphSchema.ensure(driver, embedder));
    assertEquals(384, vectorIndexDimensions());
    GraphReembedding back = new GraphReembedding(driver, embedder, 32, settings.queryTimeout());
    assertEquals(0, back.run(() -> true).orElseThrow().left());
    assertEquals(GraphSchema.Outcome.UNCHANGED, GraphSchema.ensure(driver, embedder));
    assertEquals("issue:KT-16", search.search(SearchQuery.of("search is very slow in a workspace with millions of messages", 5, 0.0)
        .withMode(SearchQuery.Mode.VECTOR)).getFirst().entity().key());
  }

  @Test
  @Order(10)
  void anEmbedderThatFailsMidwayLeavesTheRestAwaitingAndSearchStillAnswers() {
    var driver = server.connection().driver();
    Embedder other = new FirstDimensionsEmbedder(embedder, 96);
    CountingEmbedder failing = new CountingEmbedder(other, 40);
    assertEquals(GraphSchema.Outcome.MODEL_CHANGED, GraphSchema.ensure(driver, failing));
    GraphReembedding reembedding = new GraphReembedding(driver, failing, 16, settings.queryTimeout());
    long awaiting = reembedding.awaiting();
    GraphReembedding.Report broken = reembedding.run(() -> true).orElseThrow();
    assertEquals(32, broken.reembedded(), "two batches of 16 before the embedder failed on the third: " + broken);
    assertEquals(awaiting - 32, broken.left());
    assertTrue(broken.stoppedBy().orElseThrow().contains("Ollama is away"), broken.toString());

    // part embedded, part awaiting: every mode answers, the awaiting nodes by their words
    GraphSearch mixed = new GraphSearch(driver, other, settings);
    for (SearchQuery.Mode mode : SearchQuery.Mode.values()) {
      List<SearchHit> hits = mixed.search(SearchQuery.of("search is very slow in a workspace with millions of messages", 5, 0.0)
          .withMode(mode));
      assertTrue(hits.stream().anyMatch(h -> h.entity().key().equals("issue:KT-16")), mode + ": " + hits);
    }

    GraphReembedding.Report rest = new GraphReembedding(driver, other, 16, settings.queryTimeout()).run(() -> true).orElseThrow();
    assertEquals(awaiting - 32, rest.reembedded());
    assertEquals(0, rest.left());
    // back to MiniLM for whatever runs after
    GraphSchema.ensure(driver, embedder);
    new GraphReembedding(driver, embedder, 64, settings.queryTimeout()).run(() -> true);
  }

  @Test
  @Order(11)
  void aVectorIndexLeftWithOtherDimensionsIsMadeAgainAtStart() {
    var driver = server.connection().driver();
    try (var session = driver.session()) {
      // what a start that records the model but keeps the old index would leave: an index of another width
      session.run("DROP INDEX " + GraphSchema.VECTOR_INDEX).consume();
      session.run("CREATE VECTOR INDEX " + GraphSchema.VECTOR_INDEX + " FOR (n:Entity) ON n.embedding "
          + "OPTIONS {indexConfig: {`vector.dimensions`: 128, `vector.similarity_function`: 'cosine'}}").consume();
      session.run("CALL db.awaitIndexes(60)").consume();
    }
    assertEquals(GraphSchema.Outcome.UNCHANGED, GraphSchema.ensure(driver, embedder), "the model is the one recorded");
    assertEquals(384, vectorIndexDimensions());
    List<SearchHit> hits = search.search(SearchQuery.of("search is very slow in a workspace with millions of messages", 5, 0.0)
        .withMode(SearchQuery.Mode.VECTOR));
    assertEquals("issue:KT-16", hits.getFirst().entity().key(), hits.toString());
    assertTrue(hits.getFirst().vectorScore() > 0.3, hits.toString());
  }

  private static long embeddedNodes() {
    try (var session = server.connection().driver().session()) {
      return session.run("MATCH (n:Entity) WHERE n.embedding IS NOT NULL RETURN count(n) AS c").single().get("c").asLong();
    }
  }

  private static long embeddedNodes(int length) {
    try (var session = server.connection().driver().session()) {
      return session.run("MATCH (n:Entity) WHERE size(n.embedding) = $length RETURN count(n) AS c", Map.of("length", length))
          .single().get("c").asLong();
    }
  }

  private static int vectorIndexDimensions() {
    try (var session = server.connection().driver().session()) {
      return session.run("SHOW VECTOR INDEXES YIELD name, options WHERE name = $name RETURN options",
              Map.of("name", GraphSchema.VECTOR_INDEX)).single().get("options").get("indexConfig").get("vector.dimensions").asInt();
    }
  }

  /** Counts the texts it embeds; fails like an Ollama that went away once it embedded {@code failAfter}. */
  static final class CountingEmbedder implements Embedder {
    final Embedder inner;
    final int failAfter;
    final java.util.concurrent.atomic.AtomicInteger texts = new java.util.concurrent.atomic.AtomicInteger();

    CountingEmbedder(Embedder inner, int failAfter) {
      this.inner = inner;
      this.failAfter = failAfter;
    }

    @Override
    public String modelName() {
      return inner.modelName();
    }

    @Override
    public int dimensions() {
      return inner.dimensions();
    }

    @Override
    public List<float[]> embedAll(List<String> batch) {
      if (texts.get() + batch.size() > failAfter) {
        throw new IllegalStateException("Ollama is away");
      }
      texts.addAndGet(batch.size());
      return inner.embedAll(batch);
    }

    @Override
    public float[] embedQuery(String text) {
      return inner.embedQuery(text);
    }
  }

  /** A second embedding model at the model boundary: MiniLM's first dimensions under another name. */
  record FirstDimensionsEmbedder(Embedder inner, int dimensions) implements Embedder {
    @Override
    public String modelName() {
      return inner.modelName() + "-first" + dimensions;
    }

    @Override
    public List<float[]> embedAll(List<String> texts) {
      return inner.embedAll(texts).stream().map(v -> Arrays.copyOf(v, dimensions)).toList();
    }
  }
}
