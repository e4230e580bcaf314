package dev.turboagents.http.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.RealOllama;
import dev.turboagents.http.RunningApi;
import dev.turboagents.http.RunningApi.Reply;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The knowledge graph embedding with a REAL Ollama model (SmolLM2-135M, 576 dimensions) through the inference door. */
@Tag("real-ollama")
class GraphOllamaEmbeddingRealTest {

  @TempDir
  Path dir;

  @Test
  void issuesAreEmbeddedByTheRealModelAndFoundBySearch() throws Exception {
    try (RunningApi api = new RunningApi(dir, Map.of(
        "turbo-agents.ollama.host", RealOllama.url(),
        "turbo-agents.graph.embedding-model", "ollama:smollm2:135m",
        "turbo-agents.graph.projection-batch-window", "50ms"))) {
      String slow = api.post("/api/v1/issues", "{\"title\": \"Search is slow on large projects\", \"description\": \"p95 latency is 3 seconds\"}")
          .json().get("id").asText();
      api.post("/api/v1/issues", "{\"title\": \"Dark mode colours are wrong\", \"description\": \"buttons are unreadable\"}");

      JsonNode graph = null;
      for (int i = 0; i < 240; i++) {
        graph = api.get("/health").json().get("components").get("graph");
        if (graph.get("figures").get("projected_events").asLong() >= 2 && graph.get("figures").get("lag_events").asLong() == 0) {
          break;
        }
        Thread.sleep(250);
      }
      assertEquals(0, graph.get("figures").get("lag_events").asLong(), graph.toString());
      assertEquals("ollama:smollm2:135m", graph.get("figures").get("embedding_model").asText());

      Reply search = api.post("/api/v1/graph/search", "{\"query\": \"slow search\", \"limit\": 2, \"min_relevance\": 0}");
      assertEquals(200, search.status(), search.body());
      assertEquals(slow, search.json().get("results").get(0).get("entity_id").asText(), search.body());
      assertTrue(api.get("/api/v1/inference/status").json().get("completed").asLong() >= 3);
    }
  }
}
