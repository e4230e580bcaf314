package dev.turboagents.http.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.RealOllama;
import dev.turboagents.http.RunningApi;
import dev.turboagents.http.RunningApi.Reply;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Duration;
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

      JsonNode graph = Eventually.value(Duration.ofSeconds(60), () -> {
        JsonNode g = api.get("/health").json().get("components").get("graph");
        assertTrue(g.get("figures").get("projected_events").asLong() >= 2, g.toString());
        assertEquals(0, g.get("figures").get("lag_events").asLong(), g.toString());
        return g;
      });
      assertEquals("ollama:smollm2:135m", graph.get("figures").get("embedding_model").asText());

      Reply search = api.post("/api/v1/graph/search", "{\"query\": \"slow search\", \"limit\": 2, \"min_relevance\": 0}");
      assertEquals(200, search.status(), search.body());
      assertEquals(slow, search.json().get("results").get(0).get("entity_id").asText(), search.body());
      assertTrue(api.get("/api/v1/inference/status").json().get("completed").asLong() >= 3);
    }
  }
}
