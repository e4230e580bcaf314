package dev.turboagents.http.openai;

import dev.turboagents.http.ollama.FrontDoor;
import java.nio.file.Path;
import java.util.Map;

/**
 * The daemon's OpenAI door (and the inference status) on a free loopback port, the inference actor
 * in front of an Ollama at {@code ollamaUrl} (the stand-in or a real one), its routes built as
 * {@code OpenAiSubsystem} builds them; every POST is sent as JSON, as OpenAI's clients send it.
 */
final class OpenAiDoor extends FrontDoor {

  OpenAiDoor(Path dataDir, String ollamaUrl, long budgetBytes, Map<String, Object> overrides) throws Exception {
    super("openai-door", dataDir, ollamaUrl, budgetBytes, overrides,
        (inference, system, settings) -> new OpenAiRoutes(inference, system, settings.http().maxBodyBytes(),
            settings.http().askTimeout(), settings.inference().defaultDeadline().plus(settings.inference().replyMargin()),
            settings.http().retryAfter()).route(),
        "Content-Type", "application/json");
  }
}
