package dev.turboagents.http.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.RealOllama;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ollama's own command-line client pointed at the daemon (OLLAMA_HOST), with a REAL Ollama behind
 * the door: the way other local tools share the queue and the memory budget. The binary comes from
 * OLLAMA_BIN (.ci/run sets it from the real-ollama setup) or PATH.
 */
@Tag("real-ollama")
class OllamaCliRealTest {

  @TempDir
  Path dataDir;

  @Test
  void ollamasCliRunsListsAndShowsThroughTheDoor() throws Exception {
    String bin = ollamaBinary();
    try (FrontDoor door = new FrontDoor(dataDir, RealOllama.url(), 1L << 30,
        Map.of("turbo-agents.inference.default-options.num_ctx", 2048))) {
      String host = door.url.replace("http://", "");

      String answer = run(bin, host, "run", "smollm2:135m", "Say hi in one word");
      assertFalse(answer.isBlank(), "ollama run printed an answer");

      assertTrue(run(bin, host, "list").contains("gemma3:270m"), "ollama list relays the server's models");
      String ps = run(bin, host, "ps");
      assertTrue(ps.contains("smollm2:135m"), "ollama ps shows what the door loaded: " + ps);
      assertTrue(ps.contains("2048"), "at the context length the door pins, whatever the CLI asked: " + ps);
      assertTrue(run(bin, host, "show", "gemma3:270m").contains("gemma3"), "ollama show relays the model details");

      JsonNode status = new ObjectMapper().readTree(door.get("/api/v1/inference/status").body());
      assertTrue(status.path("completed").asLong() >= 1, "the CLI's calls went through the queue: " + status);
      assertEquals(0, status.path("failed").asLong(), status.toString());
    }
  }

  private static String ollamaBinary() {
    String configured = System.getenv("OLLAMA_BIN");
    if (configured != null && !configured.isBlank() && Files.isExecutable(Path.of(configured))) {
      return configured;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "ollama"))) {
        return Path.of(dir, "ollama").toString();
      }
    }
    throw new IllegalStateException("this real-ollama test runs Ollama's CLI: set OLLAMA_BIN to the ollama binary"
        + " (the real-ollama setup prints it) or put ollama on PATH");
  }

  private static String run(String bin, String host, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(concat(bin, args)).redirectErrorStream(true);
    pb.environment().put("OLLAMA_HOST", host);
    pb.environment().put("HOME", Files.createTempDirectory("ollama-cli-home").toString());
    pb.environment().put("TERM", "dumb");
    Process p = pb.start();
    p.getOutputStream().close();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
    }
    assertTrue(done, "ollama " + String.join(" ", args) + " finished: " + out);
    assertEquals(0, p.exitValue(), "ollama " + String.join(" ", args) + ": " + out);
    return out;
  }

  private static List<String> concat(String first, String... rest) {
    List<String> all = new java.util.ArrayList<>();
    all.add(first);
    all.addAll(List.of(rest));
    return all;
  }
}
