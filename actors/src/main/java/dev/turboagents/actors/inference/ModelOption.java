package dev.turboagents.actors.inference;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The model options Ollama documents, with the kind of value each takes and whether changing it
 * makes Ollama reload the model (the runner options: they are fixed when a model is loaded). Any
 * other option a client sends is relayed untouched.
 */
public enum ModelOption {
  NUMA("numa", Kind.BOOLEAN, true),
  NUM_CTX("num_ctx", Kind.INTEGER, true),
  NUM_BATCH("num_batch", Kind.INTEGER, true),
  NUM_GPU("num_gpu", Kind.INTEGER, true),
  MAIN_GPU("main_gpu", Kind.INTEGER, true),
  USE_MMAP("use_mmap", Kind.BOOLEAN, true),
  USE_MLOCK("use_mlock", Kind.BOOLEAN, true),
  NUM_THREAD("num_thread", Kind.INTEGER, true),
  NUM_KEEP("num_keep", Kind.INTEGER, false),
  SEED("seed", Kind.INTEGER, false),
  NUM_PREDICT("num_predict", Kind.INTEGER, false),
  TOP_K("top_k", Kind.INTEGER, false),
  TOP_P("top_p", Kind.NUMBER, false),
  MIN_P("min_p", Kind.NUMBER, false),
  TYPICAL_P("typical_p", Kind.NUMBER, false),
  REPEAT_LAST_N("repeat_last_n", Kind.INTEGER, false),
  TEMPERATURE("temperature", Kind.NUMBER, false),
  REPEAT_PENALTY("repeat_penalty", Kind.NUMBER, false),
  PRESENCE_PENALTY("presence_penalty", Kind.NUMBER, false),
  FREQUENCY_PENALTY("frequency_penalty", Kind.NUMBER, false),
  PENALIZE_NEWLINE("penalize_newline", Kind.BOOLEAN, false),
  STOP("stop", Kind.STRINGS, false);

  /** The kind of value an option takes. */
  public enum Kind {
    /** A whole number (a JSON number; Ollama truncates a fraction). */
    INTEGER("a number"),
    /** Any number. */
    NUMBER("a number"),
    BOOLEAN("true or false"),
    /** A list of strings, e.g. stop sequences. */
    STRINGS("an array of strings");

    private final String expected;

    Kind(String expected) {
      this.expected = expected;
    }

    /** What a value of this kind looks like, for error messages. */
    public String expected() {
      return expected;
    }
  }

  private static final Map<String, ModelOption> BY_NAME = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(ModelOption::optionName, Function.identity()));

  private final String optionName;
  private final Kind kind;
  private final boolean reloads;

  ModelOption(String optionName, Kind kind, boolean reloads) {
    this.optionName = optionName;
    this.kind = kind;
    this.reloads = reloads;
  }

  /** The option's name on the wire, e.g. {@code num_ctx}. */
  public String optionName() {
    return optionName;
  }

  public Kind kind() {
    return kind;
  }

  /** Whether a different value makes Ollama load the model again. */
  public boolean reloads() {
    return reloads;
  }

  public static Optional<ModelOption> named(String name) {
    return Optional.ofNullable(BY_NAME.get(name));
  }
}
