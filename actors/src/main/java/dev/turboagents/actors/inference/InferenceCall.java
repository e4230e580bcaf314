package dev.turboagents.actors.inference;

import java.util.List;
import java.util.Optional;

/**
 * What a request asks a model to do. {@code options} are the caller's; the inference actor drops
 * the ones that make the server reload a model and puts the options pinned for the model in their
 * place.
 */
public sealed interface InferenceCall {
  String model();

  ModelOptions options();

  InferenceCall withOptions(ModelOptions options);

  /**
   * A chat turn.
   *
   * @param tools the tools the model may call
   * @param format the shape the answer must have
   */
  record Chat(String model, List<ChatMessage> messages, List<ToolSpec> tools, AnswerFormat format,
      ModelOptions options, Thinking think) implements InferenceCall {
    public Chat withOptions(ModelOptions options) {
      return new Chat(model, messages, tools, format, options, think);
    }
  }

  /**
   * A completion of a prompt.
   *
   * @param raw the prompt goes to the model as it is, without the model's template
   * @param images base64-encoded images for multimodal models
   */
  record Generate(String model, String prompt, Optional<String> system, Optional<String> suffix, boolean raw,
      List<String> images, AnswerFormat format, ModelOptions options, Thinking think) implements InferenceCall {
    public Generate withOptions(ModelOptions options) {
      return new Generate(model, prompt, system, suffix, raw, images, format, options, think);
    }
  }

  /**
   * Embeddings of one or more texts.
   *
   * @param truncate cut inputs longer than the context instead of failing (the server's default when empty)
   */
  record Embed(String model, List<String> input, Optional<Boolean> truncate, Optional<Integer> dimensions,
      ModelOptions options) implements InferenceCall {
    public Embed withOptions(ModelOptions options) {
      return new Embed(model, input, truncate, dimensions, options);
    }
  }
}
