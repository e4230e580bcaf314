package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A model server the inference actor drives. Ollama today ({@link OllamaBackend}); an
 * OpenAI-compatible server (vLLM, llama.cpp's server) fits behind the same calls. Failures come
 * back as a failed stage holding a {@link BackendException}.
 */
public interface InferenceBackend extends AutoCloseable {

  /** A model the server has, with its size on disk. */
  record ModelEntry(String name, long sizeBytes) {}

  /** The server's models: typed, and the server's own JSON for clients that want it verbatim. */
  record Catalog(List<ModelEntry> models, JsonNode json) {}

  /** A model the server holds in memory right now. */
  record RunningModel(String name, long sizeBytes, long vramBytes) {}

  /** What the server holds in memory: typed, and its own JSON. */
  record RunningSet(List<RunningModel> models, JsonNode json) {}

  /**
   * Facts about one model for the memory estimate.
   *
   * @param kvBytesPerToken KV-cache bytes per context token (f16), when the model's metadata tells
   * @param json the server's own answer
   */
  record ModelFacts(String name, Optional<Long> kvBytesPerToken, Optional<Integer> contextLength,
      List<String> capabilities, JsonNode json) {}

  /** A running call: its result and a way to abandon it. */
  record Call(CompletionStage<Completion> result, Runnable cancel) {}

  String describe();

  CompletionStage<String> version();

  CompletionStage<Catalog> models();

  CompletionStage<ModelFacts> show(String model);

  CompletionStage<RunningSet> running();

  /** Loads {@code model} with {@code options} and keeps it for {@code keepAlive}. */
  CompletionStage<Void> load(String model, Map<String, Object> options, Duration keepAlive);

  /** Unloads {@code model} now. */
  CompletionStage<Void> unload(String model);

  /** Runs a call; pieces of the answer go to {@code onDelta} as they come (any thread). */
  Call call(InferenceCall call, Duration keepAlive, Consumer<Delta> onDelta);

  @Override
  void close();
}
