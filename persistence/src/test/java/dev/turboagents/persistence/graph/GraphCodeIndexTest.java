package dev.turboagents.persistence.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.CodeIndexSettings;
import dev.turboagents.config.GraphSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.code.SourceFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code index on the in-process Neo4j with MiniLM: a small tree indexed, searched, changed and
 * indexed again (only what changed is read and embedded), next to tracker nodes it must not mix with.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GraphCodeIndexTest {
  @TempDir static Path dir;
  static GraphTestServer server;
  static GraphSettings settings;
  static CountingEmbedder embedder;
  static GraphCodeIndex index;
  static GraphSearch trackerSearch;
  static ExecutorService blocking = Executors.newFixedThreadPool(2);
  static Path tree;

  /** MiniLM, counting the texts it embeds. */
  static final class CountingEmbedder implements Embedder {
    final Embedder real = new MiniLmEmbedder();
    final AtomicInteger texts = new AtomicInteger();

    @Override
    public String modelName() {
      return real.modelName();
    }

    @Override
    public int dimensions() {
      return real.dimensions();
    }

    @Override
    public List<float[]> embedAll(List<String> all) {
      texts.addAndGet(all.size());
      return real.embedAll(all);
    }
  }

  @BeforeAll
  static void start() throws Exception {
    server = GraphTestServer.start(dir.resolve("neo4j"));
    settings = Settings.forTest(dir.resolve("data"), Map.of("turbo-agents.graph.code.chunk-lines", 10,
        "turbo-agents.graph.code.chunk-overlap", 2)).graph();
    embedder = new CountingEmbedder();
    GraphSchema.ensure(server.connection().driver(), embedder);
    index = new GraphCodeIndex(server.connection().driver(), embedder, settings.code(), settings.embeddingBatchSize(),
        settings.queryTimeout(), blocking, server.boltUri());
    trackerSearch = new GraphSearch(server.connection().driver(), embedder, settings);
    new GraphStore(server.connection().driver(), embedder, settings.queryTimeout()).apply(List.of(
        GraphWrite.UpsertIssue.of("i1").withTitle("Retry the HTTP download with exponential backoff")
            .withDescription("downloads fail on a flaky network; retry them").withStatus("open")));
    tree = Files.createDirectories(dir.resolve("tree"));
    write("src/net/Downloader.java", """
        package net;

        /** Downloads a file over HTTP. */
        final class Downloader {
          byte[] fetch(String url) throws Exception {
            int attempt = 0;
            while (true) {
              try {
                return http.get(url);
              } catch (java.io.IOException e) {
                attempt++;
                if (attempt > maxRetries) {
                  throw e;
                }
                Thread.sleep(backoffMillis(attempt));
              }
            }
          }

          long backoffMillis(int attempt) {
            return 100L << attempt; // exponential backoff between retries
          }
        }
        """);
    write("src/config/ConfigParser.java", """
        package config;

        /** Reads the settings file: key = value lines, # comments. */
        final class ConfigParser {
          java.util.Map<String, String> parseConfigFile(java.util.List<String> lines) {
            var values = new java.util.HashMap<String, String>();
            for (String line : lines) {
              if (line.startsWith("#") || line.isBlank()) {
                continue;
              }
              int eq = line.indexOf('=');
              values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
            return values;
          }
        }
        """);
    write("README.md", "# Demo\n\nA small tree for the code index test.\n");
    write("docs/long.txt", IntStream.rangeClosed(1, 35).mapToObj(i -> "line " + i + (i == 27 ? " the quokka marker" : ""))
        .collect(Collectors.joining("\n")) + "\n");
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    blocking.shutdownNow();
  }

  static void write(String path, String content) throws Exception {
    Path file = tree.resolve(path);
    Files.createDirectories(file.getParent());
    Files.writeString(file, content);
  }

  /** The tree as a lister would give it, with the content's hash as its blob id. */
  static List<SourceFile> listTree() throws Exception {
    List<SourceFile> files = new ArrayList<>();
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.filter(Files::isRegularFile).sorted().toList()) {
        String blob = Integer.toHexString(java.util.Arrays.hashCode(Files.readAllBytes(p)));
        files.add(new SourceFile(tree.relativize(p).toString().replace('\\', '/'), blob, p));
      }
    }
    return files;
  }

  static <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception x ? x : new RuntimeException(e.getCause());
    }
  }

  static long count(String label) {
    try (var session = server.connection().driver().session()) {
      return session.run("MATCH (n:" + label + ") RETURN count(n) AS c").single().get("c").asLong();
    }
  }

  @Test
  @Order(1)
  void indexesATreeAndFindsTheRightFileAndLines() throws Exception {
    CodeIndexReport report = await(index.index("rev-1", listTree()));
    assertEquals(new CodeIndexReport("rev-1", 4, 4, 0, 0, report.chunks()), report);
    // Downloader: 23 lines -> 1-10, 9-18, 17-23; ConfigParser: 16 lines -> 1-10, 9-16; README: 1; long.txt: 35 lines -> 5
    assertEquals(3 + 2 + 1 + 5, report.chunks());
    assertEquals(report.chunks(), count("CodeChunk"));
    assertEquals(4, count("CodeFile"));

    List<CodeHit> retry = await(index.search("retry with exponential backoff", 3));
    assertEquals("src/net/Downloader.java", retry.getFirst().path(), retry.toString());
    assertTrue(retry.getFirst().snippet().contains("backoff"), retry.getFirst().snippet());

    List<CodeHit> parse = await(index.search("parse config file", 3));
    assertEquals("src/config/ConfigParser.java", parse.getFirst().path(), parse.toString());

    // a word only on line 27 of a 35-line file: the hit names the chunk that holds it
    CodeHit quokka = await(index.search("quokka", 1)).getFirst();
    assertEquals("docs/long.txt", quokka.path());
    assertTrue(quokka.startLine() <= 27 && 27 <= quokka.endLine(), quokka.toString());
    assertTrue(quokka.snippet().contains("line 27 the quokka marker"), quokka.snippet());
    assertEquals(quokka.endLine() - quokka.startLine() + 1, quokka.snippet().lines().count());
  }

  @Test
  @Order(2)
  void codeDoesNotShowUpInTheTrackersSearchNorTheTrackerInACodeSearch() throws Exception {
    List<SearchHit> tracker = trackerSearch.search(SearchQuery.of("retry with exponential backoff", 20, 0.0));
    assertFalse(tracker.isEmpty());
    assertTrue(tracker.stream().allMatch(h -> h.entity().type() == EntityType.ISSUE), tracker.toString());
    assertTrue(trackerSearch.search(new SearchQuery("parseConfigFile quokka", 20, 0.0, SearchQuery.Mode.FULLTEXT,
        java.util.Set.of(), java.util.Optional.empty(), java.util.Set.of(), java.util.Set.of(), java.util.Optional.empty())).isEmpty());
    List<CodeHit> code = await(index.search("Retry the HTTP download with exponential backoff", 20));
    assertTrue(code.stream().noneMatch(h -> h.path().startsWith("issue")), code.toString());
  }

  @Test
  @Order(3)
  void reindexingReadsAndEmbedsOnlyWhatChangedAndDropsWhatIsGone() throws Exception {
    List<SourceFile> before = listTree();
    // an unchanged blob is not read again: its location may even be gone
    int embeddedBefore = embedder.texts.get();
    CodeIndexReport same = await(index.index("rev-1b", before.stream()
        .map(f -> new SourceFile(f.path(), f.blobId(), dir.resolve("nowhere").resolve(f.path()))).toList()));
    assertEquals(new CodeIndexReport("rev-1b", 4, 0, 4, 0, 0), same);
    assertEquals(embeddedBefore, embedder.texts.get(), "nothing embedded");

    write("src/config/ConfigParser.java", """
        package config;

        /** Reads the settings as YAML now. */
        final class ConfigParser {
          Object loadYamlDocument(String text) {
            return new org.yaml.snakeyaml.Yaml().load(text);
          }
        }
        """);
    Files.delete(tree.resolve("README.md"));
    int embedded = embedder.texts.get();
    CodeIndexReport changed = await(index.index("rev-2", listTree()));
    assertEquals(new CodeIndexReport("rev-2", 3, 1, 2, 1, 1), changed);
    assertEquals(embedded + 1, embedder.texts.get(), "only the changed file's one chunk was embedded");
    assertEquals(3 + 1 + 5, count("CodeChunk"), "the old chunks of the changed file were replaced, the removed file's dropped");

    List<CodeHit> yaml = await(index.search("load a YAML document", 5));
    assertEquals("src/config/ConfigParser.java", yaml.getFirst().path());
    assertTrue(yaml.stream().noneMatch(h -> h.snippet().contains("parseConfigFile")), "the old chunks are gone: " + yaml);
    assertTrue(await(index.search("Demo small tree", 10)).stream().noneMatch(h -> h.path().equals("README.md")));
  }

  @Test
  @Order(4)
  void aBinaryHasNoChunksAndABadRequestNamesWhatIsWrong() throws Exception {
    Files.write(tree.resolve("logo.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, 1, 2, 3});
    CodeIndexReport report = await(index.index("rev-3", listTree()));
    assertEquals(1, report.indexed());
    assertEquals(0, report.chunks());
    assertThrows(IllegalArgumentException.class, () -> await(index.search("x", 0)));
    assertThrows(IllegalArgumentException.class, () -> await(index.search("  ", 5)));
    List<SourceFile> twice = new ArrayList<>(listTree());
    twice.add(twice.getFirst());
    Exception e = assertThrows(IllegalArgumentException.class, () -> await(index.index("rev-4", twice)));
    assertTrue(e.getMessage().contains(twice.getFirst().path()), e.getMessage());
  }

  @Test
  @Order(5)
  void theChunksOverlapAndCoverEveryLine() {
    GraphCodeIndex chunker = new GraphCodeIndex(null, embedder, new CodeIndexSettings(10, 2, 1024, 0.5), 8,
        settings.queryTimeout(), blocking, "");
    String text = IntStream.rangeClosed(1, 25).mapToObj(i -> "l" + i).collect(Collectors.joining("\n"));
    List<GraphCodeIndex.Chunk> chunks = chunker.chunk(java.util.Optional.of(text));
    assertEquals(List.of("1-10", "9-18", "17-25"), chunks.stream().map(c -> c.startLine() + "-" + c.endLine()).toList());
    assertEquals("l17", chunks.get(2).text().lines().findFirst().orElseThrow());
    assertEquals(List.of(), chunker.chunk(java.util.Optional.of("")));
    assertEquals("parseConfigFile parse Config File x", GraphCodeIndex.terms("parseConfigFile(x)"));
  }

  @Test
  @Order(99)
  void neo4jDownIsGraphUnavailable() throws Exception {
    int port;
    try (var socket = new java.net.ServerSocket(0)) {
      port = socket.getLocalPort(); // nothing listens there once it is closed
    }
    String uri = "bolt://127.0.0.1:" + port;
    try (GraphConnection down = GraphConnection.to(java.net.URI.create(uri), org.neo4j.driver.AuthTokens.none(), settings)) {
      GraphCodeIndex away = new GraphCodeIndex(down.driver(), embedder, settings.code(), settings.embeddingBatchSize(),
          settings.queryTimeout(), blocking, uri);
      Exception search = assertThrows(Exception.class, () -> await(away.search("retry", 3)));
      assertInstanceOf(GraphUnavailable.class, search, search.toString());
      assertTrue(search.getMessage().contains(uri), search.getMessage());
      Exception indexing = assertThrows(Exception.class, () -> await(away.index("rev-5", listTree())));
      assertInstanceOf(GraphUnavailable.class, indexing, indexing.toString());
    }
  }
}
