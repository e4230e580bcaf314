package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeHit;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.code.SourceFile;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code index inside the running daemon (its in-process Neo4j, MiniLM): reached through the
 * graph subsystem's {@link Graph#code()}, kept out of the tracker's /api/v1/graph/search, and
 * still incremental after a restart on the same data directory.
 */
class CodeIndexApiTest {
  @TempDir Path dataDir;
  @TempDir Path tree;
  private RunningApi api;

  @AfterEach
  void stop() {
    if (api != null) {
      api.close();
    }
  }

  private Graph graph() throws Exception {
    return api.daemon.subsystems().graph().api().toCompletableFuture().get(90, TimeUnit.SECONDS);
  }

  private List<SourceFile> files() throws Exception {
    Files.writeString(tree.resolve("Downloader.java"), """
        final class Downloader {
          byte[] fetchWithRetry(String url) {
            // retry the HTTP download with exponential backoff on a flaky network
            return retrying(() -> http.get(url), exponentialBackoff());
          }
        }
        """);
    Files.writeString(tree.resolve("Quokka.java"), "final class Quokka { /* zanzibar marker */ }\n");
    return List.of(new SourceFile("src/Downloader.java", "blob-d1", tree.resolve("Downloader.java")),
        new SourceFile("src/Quokka.java", "blob-q1", tree.resolve("Quokka.java")));
  }

  @Test
  void codeIsSearchableApartFromTheTrackerAndStaysIndexedAcrossARestart() throws Exception {
    api = new RunningApi(dataDir, Map.of("turbo-agents.graph.projection-batch-window", "50ms"));
    Reply issue = api.post("/api/v1/issues", "{\"title\": \"Retry the HTTP download with exponential backoff\", "
        + "\"description\": \"downloads fail on a flaky network\"}");
    assertEquals(201, issue.status(), issue.body());
    String issueId = issue.json().get("id").asText();

    CodeIndexReport report = graph().code().index("rev-1", files()).toCompletableFuture().get(120, TimeUnit.SECONDS);
    assertEquals(new CodeIndexReport("rev-1", 2, 2, 0, 0, 2), report);
    List<CodeHit> code = graph().code().search("retry download with backoff", 5).toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals("src/Downloader.java", code.getFirst().path());
    assertEquals(1, code.getFirst().startLine());
    assertEquals(6, code.getFirst().endLine());

    // the tracker's search sees the issue, and nothing of the code
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      Reply search = api.post("/api/v1/graph/search", "{\"query\": \"retry the HTTP download with exponential backoff\", \"min_relevance\": 0}");
      assertEquals(200, search.status(), search.body());
      JsonNode results = search.json().get("results");
      assertFalse(results.isEmpty(), search.body());
      assertEquals(issueId, results.get(0).get("entity_id").asText(), search.body());
      for (JsonNode hit : results) {
        assertEquals("issue", hit.get("entity_type").asText(), search.body());
      }
    });
    Reply codeOnly = api.post("/api/v1/graph/search", "{\"query\": \"zanzibar quokka fetchWithRetry\", \"mode\": \"fulltext\", \"min_relevance\": 0}");
    assertEquals(200, codeOnly.status(), codeOnly.body());
    assertTrue(codeOnly.json().get("results").isEmpty(), codeOnly.body());

    api.close();
    api = new RunningApi(dataDir, Map.of());
    CodeIndexReport again = graph().code().index("rev-1", files()).toCompletableFuture().get(120, TimeUnit.SECONDS);
    assertEquals(new CodeIndexReport("rev-1", 2, 0, 2, 0, 0), again, "after a restart nothing is read or embedded again");
    assertEquals("src/Quokka.java", graph().code().search("zanzibar", 1).toCompletableFuture().get(60, TimeUnit.SECONDS).getFirst().path());
  }
}
