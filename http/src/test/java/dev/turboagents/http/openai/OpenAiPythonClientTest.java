package dev.turboagents.http.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's official Python client pointed at the daemon's /v1 door, the stand-in behind it: models,
 * chat, streaming with usage, a required tool call, a json_schema answer, a completion, embeddings
 * (the client asks base64 and decodes them) and its typed errors for an unknown model and a bad field.
 */
class OpenAiPythonClientTest {
  private static final long GIB = StandInModel.GIB;

  @TempDir
  Path dir;

  @Test
  void theOfficialOpenAiClientWorksThroughTheDoor() throws Exception {
    OpenAiPythonClient.python();
    try (OllamaStandIn standIn = new OllamaStandIn(List.of(
            new StandInModel("chatty:1b", GIB, 16, 8, 64, Duration.ofMillis(300), 100, 0, List.of("completion", "tools")),
            new StandInModel("plain:1b", GIB, 16, 8, 64, Duration.ofMillis(300), 100, 0, List.of("completion")),
            StandInModel.small("embedder:small", GIB / 4, Duration.ofMillis(100))), 64 * GIB, 4, 0.05).start();
        OpenAiDoor door = new OpenAiDoor(dir.resolve("data"), standIn.url(), 32 * GIB, Map.of())) {
      JsonNode found = OpenAiPythonClient.run(dir, door.url, "chatty:1b", "plain:1b", "chatty:1b", "embedder:small");
      assertEquals("[\"chatty:1b\",\"embedder:small\",\"plain:1b\"]", found.get("models").toString(), found.toString());
      assertEquals("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7 ", found.get("chat").asText(), found.toString());
      assertEquals(8, found.get("chat_usage").asInt(), found.toString());
      assertEquals("tok0 tok1 tok2 tok3 tok4 tok5 tok6 tok7 ", found.get("stream_text").asText(), found.toString());
      assertTrue(found.get("stream_chunks").asInt() >= 10, "role, 8 tokens, finish, usage: " + found);
      assertEquals(8, found.get("stream_usage").asInt(), found.toString());
      assertEquals("[\"get_weather\"]", found.get("tool_calls").toString(), found.toString());
      assertEquals("text", found.get("tool_arguments").get(0).get("city").asText(), found.toString());
      assertEquals("tool_calls", found.get("tool_finish").asText(), found.toString());
      assertTrue(found.get("json_schema").get("name").isTextual() && found.get("json_schema").get("age").isInt(), found.toString());
      assertEquals("text_completion", found.get("completion_object").asText(), found.toString());
      assertEquals(2, found.get("embed_count").asInt(), found.toString());
      assertEquals(384, found.get("embed_dims").asInt(), found.toString());
      assertEquals(404, found.get("unknown_model").get("status").asInt(), found.toString());
      assertEquals("model_not_found", found.get("unknown_model").get("code").asText(), found.toString());
      assertEquals(400, found.get("bad_role").get("status").asInt(), found.toString());
      assertEquals("messages[0].role", found.get("bad_role").get("param").asText(), found.toString());
    }
  }
}
