package dev.turboagents.actors.agents.calling;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How an agent asks a model for a tool call. Measured on a real Ollama: SmolLM2-135M makes no native
 * call free-form but a proper one every time with {@code tools} plus a schema {@code format}; Gemma 3
 * 270M refuses {@code tools} (400) but follows a schema; deepseek-coder and codellama have no
 * {@code tools} capability at all. So the schema-constrained path is first-class: the answer schema
 * ({@link AnswerSchema}) lets the model produce only a well-formed call or a final answer.
 */
public enum ToolCallingMode {
  /** The model has the {@code tools} capability: tools are sent natively, and the answer schema as {@code format}. */
  NATIVE_TOOLS,
  /** No {@code tools} capability: tools are described in the prompt and the answer schema is sent as {@code format}. */
  SCHEMA_CONSTRAINED,
  /** Neither: tools in the prompt, the answer is free text from which the one JSON object is read. */
  PLAIN;

  /** {@code native-tools}, {@code schema-constrained}, {@code plain}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<ToolCallingMode> parse(String text) {
    for (ToolCallingMode mode : values()) {
      if (mode.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(mode);
      }
    }
    return Optional.empty();
  }

  /**
   * The mode for a model: the configured override if there is one, else what the server's
   * {@code /api/show} capabilities allow. Schema-constrained decoding works on every completion
   * model Ollama serves, so only a model the server describes as unable to complete gets plain.
   */
  public static ToolCallingMode decide(List<String> capabilities, Optional<ToolCallingMode> override) {
    if (override.isPresent()) {
      return override.get();
    }
    if (capabilities.contains("tools")) {
      return NATIVE_TOOLS;
    }
    return capabilities.isEmpty() || capabilities.contains("completion") ? SCHEMA_CONSTRAINED : PLAIN;
  }
}
