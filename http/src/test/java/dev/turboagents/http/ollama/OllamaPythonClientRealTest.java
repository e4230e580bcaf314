package dev.turboagents.http.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.RealOllama;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ollama's official Python client (package {@code ollama}) pointed at the daemon, a REAL Ollama
 * behind the door: list, chat, streaming, schema-constrained tool calls, embeddings, ps and the
 * error for an unknown model, all as the client library sees them. The interpreter comes from
 * OLLAMA_PYTHON (.ci/run points it at the real-ollama venv with the client installed).
 */
@Tag("real-ollama")
class OllamaPythonClientRealTest {

  @TempDir
  Path dir;

  @Test
  void theOfficialPythonClientWorksThroughTheDoor() throws Exception {
    String python = System.getenv("OLLAMA_PYTHON");
    if (python == null || python.isBlank()) {
      throw new IllegalStateException("this real-ollama test needs OLLAMA_PYTHON: a python with the 'ollama' package"
          + " (REAL_OLLAMA_PY_CLIENT=1 real-ollama/setup.sh installs it into its venv)");
    }
    Path script = dir.resolve("python_client_check.py");
    try (InputStream in = getClass().getResourceAsStream("/ollama/python_client_check.py")) {
      Files.copy(in, script);
    }
    try (FrontDoor door = new FrontDoor(dir.resolve("data"), RealOllama.url(), 1L << 30,
        Map.of("turbo-agents.inference.default-options.num_ctx", 2048))) {
      Process p = new ProcessBuilder(python, script.toString(), door.url.replace("http://", "")).redirectErrorStream(true).start();
      assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the client finished");
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertEquals(0, p.exitValue(), out);
      JsonNode found = new ObjectMapper().readTree(out.lines().reduce((a, b) -> b).orElse("{}"));
      assertTrue(found.get("list").toString().contains("smollm2:135m"), out);
      assertTrue(!found.get("chat").asText().isBlank(), out);
      assertTrue(found.get("stream_chunks").asInt() > 1 && found.get("stream_done").asBoolean(), out);
      assertEquals("[\"get_weather\"]", found.get("tool_calls").toString(), out);
      assertEquals(576, found.get("embed_dims").asInt(), out);
      assertTrue(found.get("ps").toString().contains("smollm2:135m"), out);
      assertEquals(404, found.get("unknown_model").get("status").asInt(), out);
      assertTrue(found.get("unknown_model").get("error").asText().contains("smollm2:135m"), "the error lists the models there are: " + out);
    }
  }
}
