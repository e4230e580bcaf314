package dev.turboagents.actors.inference;

import java.util.HashMap;
import java.util.Map;

/**
 * A cheap count of a prompt's tokens: its characters times the model's tokens per character, an
 * EWMA (a new sample weighing 1/4, as {@link ServiceTimes}) of the answers' {@code prompt_eval_count}
 * over the characters sent. A sample below half the current figure is left out: Ollama reports only
 * the tokens it evaluated, and a prompt whose beginning it had cached (the same conversation one
 * turn later) would otherwise teach a figure too low, and a prompt too large would then pass.
 */
final class PromptSizes {

  private final double initial;
  private final Map<String, Double> tokensPerChar = new HashMap<>();

  PromptSizes(double initialTokensPerChar) {
    this.initial = initialTokensPerChar;
  }

  /** The estimated prompt tokens of {@code call}. */
  int tokens(InferenceCall call) {
    return (int) Math.ceil(chars(call) * tokensPerChar(call.model()));
  }

  double tokensPerChar(String model) {
    return tokensPerChar.getOrDefault(model, initial);
  }

  /** Learn from an answer: {@code promptEvalCount} tokens for the characters of {@code call}. */
  void calibrate(InferenceCall call, int promptEvalCount) {
    long chars = chars(call);
    if (promptEvalCount <= 0 || chars < 16 || call instanceof InferenceCall.Embed) {
      return;
    }
    double sample = (double) promptEvalCount / chars;
    Double current = tokensPerChar.get(call.model());
    if (current == null) {
      tokensPerChar.put(call.model(), sample);
    } else if (sample >= current / 2) {
      tokensPerChar.put(call.model(), current + (sample - current) / 4);
    }
  }

  /** The characters the model reads for {@code call}: its messages or prompt, and its tools' descriptions. */
  static long chars(InferenceCall call) {
    return switch (call) {
      case InferenceCall.Chat c -> c.messages().stream().mapToLong(m -> m.content().length() + m.role().length()
          + m.toolCalls().stream().mapToLong(t -> t.name().length() + t.arguments().json().length()).sum()).sum()
          + c.tools().stream().mapToLong(t -> t.name().length() + t.description().length()
          + t.parameters().definition().json().length()).sum();
      case InferenceCall.Generate g -> g.prompt().length() + g.system().map(String::length).orElse(0)
          + g.suffix().map(String::length).orElse(0);
      case InferenceCall.Embed e -> e.input().stream().mapToLong(String::length).max().orElse(0);
    };
  }
}
