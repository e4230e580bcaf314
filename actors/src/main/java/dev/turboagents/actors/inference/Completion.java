package dev.turboagents.actors.inference;

import java.util.List;
import java.util.Optional;

/**
 * The result of a call to a model.
 *
 * @param message for a chat: the assistant's message (with its tool calls)
 * @param response for a generate: the generated text
 * @param embeddings for an embed: one vector per input
 */
public record Completion(String model, String createdAt, Optional<ChatMessage> message, String response,
    List<List<Double>> embeddings, String doneReason, Timings timings) {}
