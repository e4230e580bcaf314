package dev.turboagents.bench;

import dev.turboagents.actors.tools.workspace.SourceTree;
import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.EmbeddedNeo4j;
import dev.turboagents.persistence.graph.Embedder;
import dev.turboagents.persistence.graph.GraphCodeIndex;
import dev.turboagents.persistence.graph.GraphConnection;
import dev.turboagents.persistence.graph.GraphSchema;
import dev.turboagents.persistence.graph.MiniLmEmbedder;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.code.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.neo4j.driver.AuthTokens;

/**
 * The code index on a real repository: the first index of its HEAD tree, a re-index with nothing
 * changed, and with one file changed, plus search latency. Baselines in the same run: listing the
 * tree (SourceTree) and embedding one chunk. Args: {@code [repository, default .]}.
 */
public final class CodeIndexBenchmark {
  private static final int REPEATS = 5;
  private static final int QUERIES = 50;

  public static void main(String[] args) throws Exception {
    Path repo = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
    Path dir = Files.createTempDirectory("code-index-bench");
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    GraphSettings graph = settings.graph();
    Embedder embedder = new MiniLmEmbedder();
    ExecutorService blocking = Executors.newFixedThreadPool(2);
    Table table = new Table("step", "files", "read+embedded", "chunks", "time");
    try (EmbeddedNeo4j neo4j = EmbeddedNeo4j.start(dir.resolve("neo4j"), 0, graph.pageCacheBytes());
        GraphConnection connection = GraphConnection.to(neo4j.boltUri(), AuthTokens.none(), graph)) {
      GraphSchema.ensure(connection.driver(), embedder);
      GraphCodeIndex index = new GraphCodeIndex(connection.driver(), embedder, graph.code(), graph.embeddingBatchSize(),
          graph.queryTimeout(), blocking, neo4j.boltUri().toString());
      SourceTree lister = new SourceTree(graph.code().maxFileSize());

      long t0 = System.nanoTime();
      List<SourceFile> files = lister.list(repo, "HEAD");
      double listMs = ms(t0);
      table.row("baseline: list the HEAD tree (SourceTree)", files.size(), 0, 0, fmt(listMs) + " ms");
      String chunk = String.join("\n", Files.readAllLines(files.get(files.size() / 2).location()).stream().limit(40).toList());
      embedder.embed(chunk);
      t0 = System.nanoTime();
      for (int i = 0; i < 20; i++) {
        embedder.embed(chunk + i);
      }
      double embedMs = ms(t0) / 20;
      table.row("baseline: embed one 40-line chunk (MiniLM)", 0, 0, 1, fmt(embedMs) + " ms");

      t0 = System.nanoTime();
      CodeIndexReport first = index.index("HEAD", files).toCompletableFuture().get(30, TimeUnit.MINUTES);
      double firstMs = ms(t0);
      table.row("first index", first.files(), first.indexed(), first.chunks(), fmt(firstMs / 1000) + " s");

      double[] same = new double[REPEATS];
      for (int i = 0; i < REPEATS; i++) {
        t0 = System.nanoTime();
        index.index("HEAD", files).toCompletableFuture().get(5, TimeUnit.MINUTES);
        same[i] = ms(t0);
      }
      table.row("re-index, nothing changed (median of " + REPEATS + ")", files.size(), 0, 0, fmt(median(same)) + " ms");

      double[] one = new double[REPEATS];
      int changedChunks = 0;
      SourceFile target = files.get(files.size() / 2);
      for (int i = 0; i < REPEATS; i++) {
        List<SourceFile> changed = new ArrayList<>(files);
        changed.set(files.indexOf(target), new SourceFile(target.path(), "changed-" + i, target.location()));
        t0 = System.nanoTime();
        changedChunks = index.index("HEAD", changed).toCompletableFuture().get(5, TimeUnit.MINUTES).chunks();
        one[i] = ms(t0);
      }
      table.row("re-index, one file changed (median of " + REPEATS + ")", files.size(), 1, changedChunks, fmt(median(one)) + " ms");

      List<String> queries = List.of("retry with backoff", "parse the configuration", "idempotency key", "event sourced entity",
          "search the knowledge graph", "start the daemon", "http routes for issues", "embedding model");
      double[] latency = new double[QUERIES];
      for (int i = 0; i < QUERIES; i++) {
        t0 = System.nanoTime();
        index.search(queries.get(i % queries.size()), 10).toCompletableFuture().get(1, TimeUnit.MINUTES);
        latency[i] = ms(t0);
      }
      Arrays.sort(latency);
      table.row("search, limit 10: p50 / p99 of " + QUERIES, 0, 0, 0, fmt(latency[QUERIES / 2]) + " / "
          + fmt(latency[QUERIES * 99 / 100]) + " ms");
    } finally {
      blocking.shutdownNow();
    }
    System.out.printf("%nCodeIndexBenchmark: %s, %d cores, JDK %s, chunk-lines %d, overlap %d%n", repo,
        Runtime.getRuntime().availableProcessors(), Runtime.version(), graph.code().chunkLines(), graph.code().chunkOverlap());
    System.out.println(table.render());
  }

  private static double ms(long since) {
    return (System.nanoTime() - since) / 1e6;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
  }
}
