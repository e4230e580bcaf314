package dev.turboagents.actors.inference;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A model server the inference actor drives, in the door's own types: Ollama today
 * ({@link dev.turboagents.actors.inference.ollama.OllamaBackend}); an OpenAI-compatible server (vLLM,
 * llama.cpp's server) is another implementation beside it, mapping the same types to its wire
 * format. Failures come back as a failed stage holding a {@link BackendException}.
 */
public interface InferenceBackend extends AutoCloseable {

  /** A running call: its result and a way to abandon it. */
  record Call(CompletionStage<Completion> result, Runnable cancel) {}

  /** The server and where it is, for logs and messages. */
  String describe();

  CompletionStage<String> version();

  /** The models the server has. */
  CompletionStage<List<ModelSummary>> models();

  /** One model in detail; UNKNOWN_MODEL when the server has no such model. */
  CompletionStage<ModelDescription> show(String model);

  /** The models the server holds in memory now. */
  CompletionStage<List<LoadedModel>> running();

  /** Loads {@code model} with {@code options} and keeps it for {@code keepAlive}. */
  CompletionStage<Void> load(String model, ModelOptions options, Duration keepAlive);

  /**
   * Unloads {@code model} now. Ollama acknowledges at once and frees the memory on its own time:
   * with {@code untilFreed} done once it no longer lists the model (bounded), else once it
   * acknowledged.
   */
  CompletionStage<Void> unload(String model, boolean untilFreed);

  /** Runs a call; pieces of the answer go to {@code onDelta} as they come (any thread). */
  Call call(InferenceCall call, Duration keepAlive, Consumer<Delta> onDelta);

  @Override
  void close();
}
