package dev.turboagents.runtime.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.persistence.Eventually;
import dev.turboagents.runtime.api.RunningApi.Reply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's first minute: a fresh data directory, requests right after start. The tracker
 * serves at once; the knowledge graph, still starting (in-process Neo4j, the embedding model),
 * answers 503 with Retry-After and says what it is doing, in its routes and in /health, and then
 * serves — never a 500 on the way.
 */
class FreshDaemonTest {

  @TempDir
  Path dataDir;

  @Test
  void theTrackerServesAtOnceAndTheGraphSaysItIsStartingUntilItServes() throws Exception {
    try (RunningApi api = new RunningApi(dataDir, Map.of(), false)) {
      Reply created = api.post("/api/v1/issues", "{\"title\": \"Search is slow\", \"description\": \"p95 is 3 s\"}");
      assertEquals(201, created.status(), created.body());

      Reply first = api.post("/api/v1/graph/search", "{\"query\": \"slow search\"}");
      List<Integer> seen = new ArrayList<>(List.of(first.status()));
      if (first.status() == 503) {
        assertTrue(first.raw().headers().firstValue("Retry-After").isPresent(), "a starting subsystem says when to retry");
        assertEquals("graph starting", first.json().get("error").asText(), first.body());
        assertTrue(first.json().get("detail").asText().contains("starting"), first.body());
        var graph = api.get("/health").json().get("components").get("graph");
        assertTrue(List.of("starting", "up").contains(graph.get("status").asText()), graph.toString());
      }

      Reply found = Eventually.value(Duration.ofSeconds(120), () -> {
        Reply r = api.post("/api/v1/graph/search", "{\"query\": \"slow search\", \"min_relevance\": 0}");
        seen.add(r.status());
        if (r.status() != 200 || !r.body().contains(created.json().get("id").asText())) {
          throw new AssertionError("not found yet: " + r.status() + " " + r.body());
        }
        return r;
      });
      assertTrue(seen.stream().allMatch(s -> s == 200 || s == 503), "only 503 (starting) then 200: " + seen);
      assertTrue(found.body().contains("Search is slow"), found.body());
      assertEquals("up", api.get("/health").json().get("components").get("graph").get("status").asText());
    }
  }
}
