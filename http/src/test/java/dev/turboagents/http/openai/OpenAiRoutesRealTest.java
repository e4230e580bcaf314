package dev.turboagents.http.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.RealOllama;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The /v1 door in front of a REAL Ollama (smollm2:135m, gemma3:270m): chat streamed and not, a tool
 * call from a model that never emits one on its own (the schema-constrained path), a json_schema
 * answer from gemma3 (which refuses tools), embeddings, and OpenAI's official Python client.
 */
@Tag("real-ollama")
class OpenAiRoutesRealTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;

  static OpenAiDoor door;

  @BeforeAll
  static void start() throws Exception {
    door = new OpenAiDoor(dir.resolve("data"), RealOllama.url(), 1L << 30,
        Map.of("turbo-agents.inference.default-options.num_ctx", 2048));
  }

  @AfterAll
  static void stop() throws Exception {
    door.close();
  }

  @Test
  void chatAnswersWholeAndStreamed() throws Exception {
    HttpResponse<String> whole = door.post("/v1/chat/completions", """
        {"model": "smollm2:135m", "max_tokens": 12, "messages": [{"role": "user", "content": "Say hi"}]}""");
    assertEquals(200, whole.statusCode(), whole.body());
    JsonNode body = JSON.readTree(whole.body());
    assertFalse(body.path("choices").get(0).path("message").path("content").asText().isBlank(), whole.body());
    assertTrue(body.path("usage").path("completion_tokens").asInt() > 0, whole.body());

    HttpResponse<String> streamed = door.post("/v1/chat/completions", """
        {"model": "smollm2:135m", "max_tokens": 12, "stream": true, "stream_options": {"include_usage": true},
         "messages": [{"role": "user", "content": "Count to five"}]}""");
    assertEquals(200, streamed.statusCode(), streamed.body());
    List<String> events = new ArrayList<>(List.of(streamed.body().split("\n\n")));
    assertEquals("data: [DONE]", events.get(events.size() - 1), streamed.body());
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      JsonNode chunk = JSON.readTree(e.substring("data: ".length()));
      if (!chunk.path("choices").isEmpty()) {
        text.append(chunk.path("choices").get(0).path("delta").path("content").asText(""));
      }
    }
    assertTrue(events.size() > 5 && !text.toString().isBlank(), "streamed token by token: " + streamed.body());
    JsonNode usage = JSON.readTree(events.get(events.size() - 2).substring("data: ".length())).path("usage");
    assertTrue(usage.path("completion_tokens").asInt() > 0, streamed.body());
  }

  @Test
  void aToolCallComesBackFromASmallModelThroughTheConstrainedPath() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "smollm2:135m", "max_tokens": 48, "tool_choice": "required", "temperature": 0, "seed": 7,
         "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Get the weather in a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode choice = JSON.readTree(r.body()).path("choices").get(0);
    assertEquals("tool_calls", choice.path("finish_reason").asText(), r.body());
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertEquals("get_weather", call.path("function").path("name").asText(), r.body());
    assertTrue(JSON.readTree(call.path("function").path("arguments").asText()).path("city").isTextual(), r.body());
  }

  @Test
  void gemmaFollowsAJsonSchemaAndSmollmEmbeds() throws Exception {
    // temperature 0: sampled, gemma3:270m sometimes invents a name that ends the answer at max_tokens inside the JSON
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "gemma3:270m", "max_tokens": 48, "temperature": 0,
         "messages": [{"role": "user", "content": "Invent a person as JSON"}],
         "response_format": {"type": "json_schema", "json_schema": {"name": "person", "schema": {"type": "object",
           "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]}}}}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode person = JSON.readTree(JSON.readTree(r.body()).path("choices").get(0).path("message").path("content").asText());
    assertTrue(person.path("name").isTextual() && person.path("age").isIntegralNumber(), r.body());

    HttpResponse<String> e = door.post("/v1/embeddings", """
        {"model": "smollm2:135m", "input": ["hello", "world"]}""");
    assertEquals(200, e.statusCode(), e.body());
    JsonNode data = JSON.readTree(e.body()).path("data");
    assertEquals(2, data.size());
    assertEquals(576, data.get(0).path("embedding").size());
  }

  @Test
  void theOfficialOpenAiPythonClientWorksThroughTheDoor() throws Exception {
    JsonNode found = OpenAiPythonClient.run(dir, door.url, "smollm2:135m", "smollm2:135m", "gemma3:270m", "smollm2:135m");
    assertTrue(found.get("models").toString().contains("smollm2:135m"), found.toString());
    assertFalse(found.get("chat").asText().isBlank(), found.toString());
    assertTrue(found.get("stream_chunks").asInt() > 3 && found.get("stream_usage").asInt() > 0, found.toString());
    assertEquals("[\"get_weather\"]", found.get("tool_calls").toString(), found.toString());
    assertTrue(found.get("tool_arguments").get(0).get("city").isTextual(), found.toString());
    assertTrue(found.get("json_schema").get("name").isTextual() && found.get("json_schema").get("age").isIntegralNumber(),
        found.toString());
    assertEquals(576, found.get("embed_dims").asInt(), found.toString());
    assertEquals("model_not_found", found.get("unknown_model").get("code").asText(), found.toString());
  }
}
