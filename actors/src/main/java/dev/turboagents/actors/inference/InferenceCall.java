package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a request asks a model to do, in Ollama's terms. {@code options} are the client's; the
 * inference actor replaces the ones that make Ollama reload with the options pinned for the model.
 */
public sealed interface InferenceCall {
  String model();

  Map<String, Object> options();

  InferenceCall withOptions(Map<String, Object> options);

  /**
   * A chat turn.
   *
   * @param tools tool definitions exactly as Ollama takes them ({@code {"type":"function","function":{...}}})
   * @param format "json" or a JSON schema the answer must follow
   * @param think Ollama's think flag or level, when given
   */
  record Chat(String model, List<ChatMessage> messages, List<JsonNode> tools, Optional<JsonNode> format,
      Map<String, Object> options, Optional<JsonNode> think) implements InferenceCall {
    public Chat withOptions(Map<String, Object> options) {
      return new Chat(model, messages, tools, format, options, think);
    }
  }

  /** A completion of a prompt ({@code raw} skips the model's template). */
  record Generate(String model, String prompt, Optional<String> system, Optional<String> suffix, boolean raw,
      List<String> images, Optional<JsonNode> format, Map<String, Object> options, Optional<JsonNode> think)
      implements InferenceCall {
    public Generate withOptions(Map<String, Object> options) {
      return new Generate(model, prompt, system, suffix, raw, images, format, options, think);
    }
  }

  /** Embeddings of one or more texts. */
  record Embed(String model, List<String> input, Optional<Boolean> truncate, Optional<Integer> dimensions,
      Map<String, Object> options) implements InferenceCall {
    public Embed withOptions(Map<String, Object> options) {
      return new Embed(model, input, truncate, dimensions, options);
    }
  }
}
