package dev.turboagents.http.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.RealOllama;
import io.github.ollama4j.Ollama;
import io.github.ollama4j.models.chat.OllamaChatMessageRole;
import io.github.ollama4j.models.chat.OllamaChatRequest;
import io.github.ollama4j.utils.OptionsBuilder;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's Ollama-compatible front door in front of a REAL Ollama (SmolLM2-135M, Gemma 3 270M). */
@Tag("real-ollama")
class OllamaRoutesRealTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dataDir;

  private FrontDoor door;

  @BeforeEach
  void start() throws Exception {
    door = new FrontDoor(dataDir, RealOllama.url(), 1L << 30, Map.of("turbo-agents.inference.default-options.num_ctx", 2048));
  }

  @AfterEach
  void stop() throws Exception {
    door.close();
  }

  @Test
  void listingsComeFromTheRealOllama() throws Exception {
    JsonNode tags = JSON.readTree(door.get("/api/tags").body());
    List<String> names = new ArrayList<>();
    tags.path("models").forEach(m -> names.add(m.path("name").asText()));
    assertTrue(names.containsAll(List.of("smollm2:135m", "gemma3:270m")), names.toString());
    assertFalse(JSON.readTree(door.get("/api/version").body()).path("version").asText().isBlank());
    HttpResponse<String> show = door.post("/api/show", "{\"model\": \"gemma3:270m\"}");
    assertEquals(200, show.statusCode(), show.body());
    assertEquals("gemma3", JSON.readTree(show.body()).path("model_info").path("general.architecture").asText());
  }

  @Test
  void chatStreamsNdjsonThroughTheDoorAndPinsTheContext() throws Exception {
    HttpResponse<String> r = door.post("/api/chat", """
        {"model": "smollm2:135m", "messages": [{"role": "user", "content": "Say hi"}],
         "options": {"num_predict": 8, "num_ctx": 8192}}""", "X-Turbo-Priority", "agent");
    assertEquals(200, r.statusCode(), r.body());
    String[] lines = r.body().split("\n");
    assertTrue(lines.length >= 2, r.body());
    JsonNode last = JSON.readTree(lines[lines.length - 1]);
    assertTrue(last.path("done").asBoolean(), r.body());
    assertTrue(last.path("eval_count").asInt() <= 8, r.body());
    // the client asked for 8192; the door pinned 2048, so Ollama loaded it at 2048
    JsonNode ps = JSON.readTree(door.get("/api/ps").body());
    assertEquals("smollm2:135m", ps.path("models").path(0).path("name").asText(), ps.toString());
    assertTrue(ps.path("models").path(0).path("size").asLong() < 190_000_000L, ps.toString());
  }

  @Test
  void toolCallsThroughTheDoorAndGemmasRefusalIsPassedOn() throws Exception {
    HttpResponse<String> r = door.post("/api/chat", """
        {"model": "smollm2:135m", "stream": false,
         "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
         "format": {"type": "object", "properties": {"name": {"type": "string", "enum": ["get_weather"]},
                    "arguments": {"type": "object", "properties": {"city": {"type": "string"}}}},
                    "required": ["name", "arguments"]},
         "options": {"num_predict": 64, "temperature": 0}}""");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("get_weather", JSON.readTree(r.body()).path("message").path("tool_calls").path(0).path("function")
        .path("name").asText(), r.body());

    HttpResponse<String> refused = door.post("/api/chat", """
        {"model": "gemma3:270m", "stream": false, "messages": [{"role": "user", "content": "hi"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
         "options": {"num_predict": 8}}""");
    assertEquals(400, refused.statusCode(), refused.body());
    assertTrue(refused.body().contains("does not support tools"), refused.body());
  }

  @Test
  void anUnknownModelIsA404NamingTheRealModels() throws Exception {
    HttpResponse<String> r = door.post("/api/generate", "{\"model\": \"llama9:404b\", \"prompt\": \"x\"}");
    assertEquals(404, r.statusCode(), r.body());
    assertTrue(r.body().contains("smollm2:135m") && r.body().contains("gemma3:270m"), r.body());
  }

  @Test
  void ollama4jUsesTheDoorAsItsOllama() throws Exception {
    Ollama client = new Ollama(door.url);
    client.setRequestTimeoutSeconds(120);
    var result = client.chat(OllamaChatRequest.builder().withModel("smollm2:135m")
        .withMessage(OllamaChatMessageRole.USER, "Say hi")
        .withOptions(new OptionsBuilder().setNumPredict(8).build()).build(), null);
    assertFalse(result.getResponseModel().getMessage().getResponse().isBlank());
  }
}
