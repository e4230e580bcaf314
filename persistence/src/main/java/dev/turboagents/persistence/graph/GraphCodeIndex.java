package dev.turboagents.persistence.graph;

import dev.turboagents.config.CodeIndexSettings;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.code.CodeIndexTotals;
import dev.turboagents.persistence.graph.code.SourceFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.TransactionConfig;

/**
 * The {@link CodeIndex} on Neo4j: a {@code CodeFile} node per path (its git blob id and the
 * revision it was last seen in) with {@code CodeChunk} nodes (path, start and end line, text, the
 * text's words with identifiers split, an embedding) linked by {@code HAS_CHUNK}. Neither label is
 * an {@code Entity}, and both have their own vector and full-text index, so code never appears in
 * the tracker's search and the tracker's nodes never in a code search.
 *
 * <p>Each changed file is written in its own transaction (old chunks out, new chunks and the new
 * blob id in): a run that stops halfway leaves every file either old or new, and the next run
 * finishes the rest. Runs are serialised, so the index at start and the one after a commit cannot
 * interleave. Work runs on the executor given (the blocking dispatcher): the driver and the
 * embedder block.
 */
public final class GraphCodeIndex implements CodeIndex {
  public static final String VECTOR_INDEX = "code_chunk_embedding";
  public static final String TEXT_INDEX = "code_chunk_text";
  private static final int SNIPPET_CHARS = 1200;
  private static final int MAX_LIMIT = 100;
  private static final Pattern IDENTIFIER = Pattern.compile("[\\p{L}\\p{N}_]+");
  private static final Pattern CAMEL = Pattern.compile("(?<=\\p{Ll})(?=\\p{Lu})|(?<=\\p{Lu})(?=\\p{Lu}\\p{Ll})|_+|(?<=\\p{L})(?=\\p{N})");

  private final Driver driver;
  private final Embedder embedder;
  private final CodeIndexSettings settings;
  private final int batchSize;
  private final TransactionConfig txConfig;
  private final Executor blocking;
  private final String neo4jUri;
  private final Object oneRunAtATime = new Object();

  public GraphCodeIndex(Driver driver, Embedder embedder, CodeIndexSettings settings, int embeddingBatchSize,
      Duration queryTimeout, Executor blocking, String neo4jUri) {
    this.driver = driver;
    this.embedder = embedder;
    this.settings = settings;
    this.batchSize = embeddingBatchSize;
    this.txConfig = TransactionConfig.builder().withTimeout(queryTimeout).build();
    this.blocking = blocking;
    this.neo4jUri = neo4jUri;
  }

  @Override
  public CompletionStage<CodeIndexReport> index(String revision, List<SourceFile> files) {
    return run(() -> {
      synchronized (oneRunAtATime) {
        return indexNow(revision, files);
      }
    });
  }

  @Override
  public CompletionStage<CodeIndexTotals> totals() {
    return run(() -> {
      try (Session session = driver.session()) {
        Record r = session.executeRead(tx -> tx.run("MATCH (f:CodeFile) RETURN count(f) AS files, coalesce(sum(f.chunks), 0) AS chunks")
            .single(), txConfig);
        return new CodeIndexTotals(r.get("files").asLong(), r.get("chunks").asLong());
      }
    });
  }

  @Override
  public CompletionStage<List<CodeHit>> search(String query, int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      return CompletableFuture.failedStage(new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", was " + limit));
    }
    if (query.isBlank()) {
      return CompletableFuture.failedStage(new IllegalArgumentException("a code search needs a query, was blank"));
    }
    return run(() -> searchNow(query, limit));
  }

  private <T> CompletionStage<T> run(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, blocking).handle((value, failure) -> {
      if (failure != null) {
        Throwable t = GraphService.translate(failure, neo4jUri);
        throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
      }
      return value;
    });
  }

  // ---- indexing -----------------------------------------------------------------------------

  private CodeIndexReport indexNow(String revision, List<SourceFile> files) {
    Map<String, SourceFile> wanted = new HashMap<>();
    for (SourceFile f : files) {
      if (wanted.put(f.path(), f) != null) {
        throw new IllegalArgumentException("the tree lists the path " + f.path() + " twice");
      }
    }
    Map<String, String> stored = new HashMap<>();
    try (Session session = driver.session()) {
      session.executeRead(tx -> tx.run("MATCH (f:CodeFile) RETURN f.path AS path, f.blobId AS blob").list(), txConfig)
          .forEach(r -> stored.put(r.get("path").asString(), r.get("blob").asString("")));
      List<String> removed = stored.keySet().stream().filter(p -> !wanted.containsKey(p)).sorted().toList();
      if (!removed.isEmpty()) {
        session.executeWriteWithoutResult(tx -> tx.run("""
            UNWIND $paths AS path MATCH (f:CodeFile {path: path})
            OPTIONAL MATCH (f)-[:HAS_CHUNK]->(c:CodeChunk)
            DETACH DELETE c, f
            """, Map.of("paths", removed)).consume(), txConfig);
      }
      List<SourceFile> changed = files.stream().filter(f -> !f.blobId().equals(stored.get(f.path())))
          .sorted(Comparator.comparing(SourceFile::path)).toList();
      int chunks = 0;
      for (SourceFile file : changed) {
        chunks += write(session, revision, file, chunk(read(file)));
      }
      session.executeWriteWithoutResult(tx -> tx.run("MERGE (m:GraphMeta {name: 'code-index'}) SET m.revision = $revision",
          Map.of("revision", revision)).consume(), txConfig);
      return new CodeIndexReport(revision, files.size(), changed.size(), files.size() - changed.size(), removed.size(), chunks);
    }
  }

  /** The file's text, or empty when it is not UTF-8 text (a binary that slipped through has no chunks). */
  private static Optional<String> read(SourceFile file) {
    try {
      byte[] bytes = Files.readAllBytes(file.location());
      for (byte b : bytes) {
        if (b == 0) {
          return Optional.empty();
        }
      }
      return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file.path() + " at " + file.location() + ": " + e.getMessage(), e);
    }
  }

  /** A chunk of lines; {@code startLine} and {@code endLine} are 1-based and inclusive. */
  record Chunk(int startLine, int endLine, String text) {}

  List<Chunk> chunk(Optional<String> content) {
    if (content.isEmpty()) {
      return List.of();
    }
    List<String> lines = content.get().lines().toList();
    int step = settings.chunkLines() - settings.chunkOverlap();
    List<Chunk> chunks = new ArrayList<>();
    for (int start = 0; start < lines.size(); start += step) {
      int end = Math.min(start + settings.chunkLines(), lines.size());
      String text = String.join("\n", lines.subList(start, end));
      if (!text.isBlank()) {
        chunks.add(new Chunk(start + 1, end, text));
      }
      if (end == lines.size()) {
        break;
      }
    }
    return chunks;
  }

  /** Embeds the file's chunks and replaces its old ones in one transaction; returns how many it wrote. */
  private int write(Session session, String revision, SourceFile file, List<Chunk> chunks) {
    List<float[]> vectors = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i += batchSize) {
      vectors.addAll(embedder.embedAll(chunks.subList(i, Math.min(chunks.size(), i + batchSize)).stream()
          .map(c -> GraphStore.embeddedText(file.path(), c.text())).toList()));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      Chunk c = chunks.get(i);
      rows.add(Map.of("key", file.path() + "#" + c.startLine(), "start", c.startLine(), "end", c.endLine(), "text", c.text(),
          "terms", terms(file.path() + "\n" + c.text()), "embedding", GraphStore.toList(vectors.get(i))));
    }
    session.executeWriteWithoutResult(tx -> {
      tx.run("MATCH (f:CodeFile {path: $path})-[:HAS_CHUNK]->(c:CodeChunk) DETACH DELETE c", Map.of("path", file.path())).consume();
      tx.run("""
          MERGE (f:CodeFile {path: $path}) SET f.blobId = $blob, f.revision = $revision, f.chunks = size($rows)
          WITH f UNWIND $rows AS row
          CREATE (f)-[:HAS_CHUNK]->(:CodeChunk {key: row.key, path: $path, startLine: row.start, endLine: row.end,
                                                 text: row.text, terms: row.terms, embedding: row.embedding})
          """, Map.of("path", file.path(), "blob", file.blobId(), "revision", revision, "rows", rows)).consume();
    }, txConfig);
    return chunks.size();
  }

  /** The words of {@code text} for the full-text index, each identifier also split into its parts. */
  static String terms(String text) {
    StringBuilder out = new StringBuilder();
    Matcher m = IDENTIFIER.matcher(text);
    while (m.find()) {
      String word = m.group();
      out.append(word).append(' ');
      String[] parts = CAMEL.split(word);
      if (parts.length > 1) {
        for (String p : parts) {
          if (!p.isEmpty()) {
            out.append(p).append(' ');
          }
        }
      }
    }
    return out.toString().strip();
  }

  // ---- search -------------------------------------------------------------------------------

  private List<CodeHit> searchNow(String query, int limit) {
    int candidates = Math.min(limit * 5 + 50, 2000);
    List<Double> vector = GraphStore.toList(embedder.embedQuery(GraphStore.embeddedText(query, "")));
    String lucene = GraphSearch.luceneQuery(terms(query));
    double weight = settings.hybridVectorWeight();
    try (Session session = driver.session()) {
      return session.executeRead(tx -> {
        Set<String> keys = new LinkedHashSet<>();
        Map<String, Double> textScores = new HashMap<>();
        tx.run("CALL db.index.vector.queryNodes('" + VECTOR_INDEX + "', $k, $vector) YIELD node RETURN node.key AS key",
            Map.of("k", candidates, "vector", vector)).list().forEach(r -> keys.add(r.get("key").asString()));
        if (!lucene.isEmpty()) {
          List<Record> rows = tx.run("CALL db.index.fulltext.queryNodes('" + TEXT_INDEX + "', $q, {limit: $k}) "
              + "YIELD node, score RETURN node.key AS key, score", Map.of("q", lucene, "k", candidates)).list();
          double best = rows.stream().mapToDouble(r -> r.get("score").asDouble()).max().orElse(1.0);
          for (Record r : rows) {
            keys.add(r.get("key").asString());
            textScores.put(r.get("key").asString(), best > 0 ? r.get("score").asDouble() / best : 0.0);
          }
        }
        if (keys.isEmpty()) {
          return List.<CodeHit>of();
        }
        List<Record> rows = tx.run("""
            UNWIND $keys AS key MATCH (c:CodeChunk {key: key})
            RETURN c.key AS key, c.path AS path, c.startLine AS start, c.endLine AS end, c.text AS text,
                   vector.similarity.cosine(c.embedding, $vector) AS similarity
            """, Map.of("keys", List.copyOf(keys), "vector", vector)).list();
        List<CodeHit> hits = new ArrayList<>();
        for (Record r : rows) {
          // Neo4j maps cosine c to (1 + c) / 2; turn it back and drop the negative half
          double vectorScore = Math.max(0.0, 2 * r.get("similarity").asDouble() - 1);
          double relevance = weight * vectorScore + (1 - weight) * textScores.getOrDefault(r.get("key").asString(), 0.0);
          if (relevance > 0) {
            hits.add(new CodeHit(r.get("path").asString(), r.get("start").asInt(), r.get("end").asInt(),
                snippet(r.get("text").asString()), relevance));
          }
        }
        hits.sort(Comparator.comparingDouble(CodeHit::relevance).reversed()
            .thenComparing(CodeHit::path).thenComparingInt(CodeHit::startLine));
        return List.copyOf(hits.subList(0, Math.min(limit, hits.size())));
      }, txConfig);
    }
  }

  private static String snippet(String text) {
    return text.length() <= SNIPPET_CHARS ? text : text.substring(0, SNIPPET_CHARS) + "\n…";
  }

  // ---- schema -------------------------------------------------------------------------------

  /**
   * The code index's constraints and indexes, created with the graph schema. When the embedding
   * model changed, the code nodes are dropped (the next {@link #index} reads every file again):
   * cheaper to redo from the tree than to re-embed in place, and the tree is at hand.
   */
  static void ensureSchema(Session session, Embedder embedder) {
    session.run("CREATE CONSTRAINT code_file_path IF NOT EXISTS FOR (f:CodeFile) REQUIRE f.path IS UNIQUE").consume();
    session.run("CREATE CONSTRAINT code_chunk_key IF NOT EXISTS FOR (c:CodeChunk) REQUIRE c.key IS UNIQUE").consume();
    session.run("CREATE FULLTEXT INDEX " + TEXT_INDEX + " IF NOT EXISTS FOR (c:CodeChunk) ON EACH [c.terms] "
        + "OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}}").consume();
    Optional<Record> meta = session.run("MATCH (m:GraphMeta {name: 'code-embedding'}) RETURN m.model AS model, m.dimensions AS dimensions")
        .list().stream().findFirst();
    boolean same = meta.isPresent() && meta.get().get("model").asString().equals(embedder.modelName())
        && meta.get().get("dimensions").asInt() == embedder.dimensions();
    if (!same) {
      session.run("DROP INDEX " + VECTOR_INDEX + " IF EXISTS").consume();
      session.run("MATCH (n) WHERE n:CodeFile OR n:CodeChunk CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume();
    }
    session.run("CREATE VECTOR INDEX " + VECTOR_INDEX + " IF NOT EXISTS FOR (c:CodeChunk) ON c.embedding "
        + "OPTIONS {indexConfig: {`vector.dimensions`: $dimensions, `vector.similarity_function`: 'cosine'}}",
        Map.of("dimensions", embedder.dimensions())).consume();
    session.run("MERGE (m:GraphMeta {name: 'code-embedding'}) SET m.model = $model, m.dimensions = $dimensions",
        Map.of("model", embedder.modelName(), "dimensions", embedder.dimensions())).consume();
  }
}
