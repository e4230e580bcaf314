package dev.turboagents.http.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.http.RunningApi;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole daemon (supervision tree, routes) with its Ollama gone: health says so, nothing crashes, it recovers. */
class InferenceHealthTest {

  @TempDir
  Path dataDir;

  @Test
  void healthSaysWhenOllamaIsAwayAndWhenItIsBack() throws Exception {
    OllamaStandIn ollama = new OllamaStandIn(List.of(StandInModel.small("m:1b", StandInModel.GIB, Duration.ofMillis(50))),
        8 * StandInModel.GIB, 2, 0.05).start();
    int port = ollama.port();
    ollama.stop();
    try (RunningApi api = new RunningApi(dataDir, Map.of("turbo-agents.ollama.host", "127.0.0.1:" + port,
        "turbo-agents.inference.min-backoff", "50ms", "turbo-agents.inference.max-backoff", "200ms"))) {
      JsonNode inference = api.get("/health").json().path("components").path("inference");
      assertEquals("degraded", inference.path("status").asText(), inference.toString());
      assertTrue(inference.path("detail").asText().contains("127.0.0.1:" + port), inference.toString());
      assertEquals("up", api.get("/health").json().path("components").path("tracker").path("status").asText());
      assertEquals(503, api.get("/api/tags").status(), "a listing while Ollama is away");

      ollama.start(port);
      Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals("up",
          api.get("/health").json().path("components").path("inference").path("status").asText()));
      assertEquals(200, api.get("/api/tags").status());
    } finally {
      ollama.close();
    }
  }
}
