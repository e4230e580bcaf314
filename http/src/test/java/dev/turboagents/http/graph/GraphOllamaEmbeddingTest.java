package dev.turboagents.http.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.http.RunningApi;
import dev.turboagents.http.RunningApi.Reply;
import java.nio.file.Path;
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

      JsonNode graph = null;
      for (int i = 0; i < 240; i++) {
        graph = api.get("/health").json().get("components").get("graph");
        if (graph.get("figures").get("projected_events").asLong() >= 1 && graph.get("figures").get("lag_events").asLong() == 0) {
          break;
        }
        Thread.sleep(250);
      }
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
  void anUnknownEmbeddingModelStopsTheStartNamingTheKey() {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> new RunningApi(dir, Map.of("turbo-agents.graph.embedding-model", "ollama:no-such-model")).close());
    String message = String.valueOf(e.getMessage()) + " " + (e.getCause() == null ? "" : e.getCause().getMessage());
    assertTrue(message.contains("turbo-agents.graph.embedding-model") && message.contains("no-such-model"), message);
  }
}
