package dev.turboagents.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged daemon as a process, its inference door in front of the Ollama stand-in. */
class DaemonInferenceIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dataDir;

  @Test
  void theDaemonServesOllamasApiAndReportsItsInferenceHealth() throws Exception {
    try (DaemonProcess daemon = DaemonProcess.start(dataDir)) {
      HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(daemon.url + "/api/chat"))
          .timeout(Duration.ofSeconds(60)).header("X-Turbo-Priority", "agent")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"" + StandInOllama.MODEL + "\", \"stream\": false,"
              + " \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"options\": {\"num_predict\": 3}}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, chat.statusCode(), chat.body());
      assertEquals("tok0 tok1 tok2 ", JSON.readTree(chat.body()).path("message").path("content").asText());
      JsonNode status = get(daemon.url + "/api/v1/inference/status");
      assertEquals(StandInOllama.MODEL, status.path("resident").path(0).path("model").asText(), status.toString());
      JsonNode health = get(daemon.url + "/health");
      assertEquals("up", health.path("components").path("inference").path("status").asText(), health.toString());
      assertEquals(1, health.path("components").path("inference").path("figures").path("loads").asInt(), health.toString());
    }
  }

  private JsonNode get(String url) throws Exception {
    return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }
}
