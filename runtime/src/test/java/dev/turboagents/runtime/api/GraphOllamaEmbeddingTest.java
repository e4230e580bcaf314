package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph embedding with an Ollama model ({@code ollama:<model>}): every text goes through the
 * inference actor to the Ollama stand-in, the vector length is asked of the model at start, and
 * search works on what was projected.
 */
class GraphOllamaEmbeddingTest {

  @TempDir
  Path dir;

  @Test
  void theProjectionAndSearchEmbedThroughTheInferenceDoor() throws Exception {
    try (RunningApi api = new RunningApi(dir, Map.of(
        "turbo-agents.graph.embedding-model", "ollama:llama3.2:1b",
        "turbo-agents.graph.projection-batch-window", "50ms"))) {
      Reply created = api.post("/api/v1/issues", "{\"title\": \"Search is slow on large projects\", \"description\": \"p95 is 3 s\"}");
      assertEquals(201, created.status(), created.body());
      String id = created.json().get("id").asText();

      JsonNode graph = Eventually.value(Duration.ofSeconds(60), () -> {
        JsonNode g = api.get("/health").json().get("components").get("graph");
        if (g.path("figures").path("projected_events").asLong() < 1 || g.path("figures").path("lag_events").asLong() != 0) {
          throw new AssertionError("the graph has not caught up yet: " + g);
        }
        return g;
      });
      assertEquals("ollama:llama3.2:1b", graph.get("figures").get("embedding_model").asText(), graph.toString());
      assertEquals(0, graph.get("figures").get("lag_events").asLong(), graph.toString());

      Reply search = api.post("/api/v1/graph/search", "{\"query\": \"search is slow\", \"limit\": 5, \"min_relevance\": 0}");
      assertEquals(200, search.status(), search.body());
      assertTrue(search.body().contains(id), search.body());

      JsonNode status = api.get("/api/v1/inference/status").json();
      assertTrue(status.get("completed").asLong() >= 3, "the probe, the projection and the query went through the door: " + status);
    }
  }

  @Test
  void anUnknownEmbeddingModelStopsTheDaemonNamingTheKey() throws Exception {
    try (RunningApi api = new RunningApi(dir, Map.of("turbo-agents.graph.embedding-model", "ollama:no-such-model"), false)) {
      api.daemon.system().getWhenTerminated().toCompletableFuture().get(60, java.util.concurrent.TimeUnit.SECONDS);
      String message = api.daemon.rejectedSetting().map(Exception::getMessage).orElse("the daemon stopped for another reason");
      assertTrue(message.contains("turbo-agents.graph.embedding-model") && message.contains("no-such-model"), message);
    }
  }
}
