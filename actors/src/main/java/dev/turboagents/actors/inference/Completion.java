package dev.turboagents.actors.inference;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The result of a call to a model.
 *
 * @param message for a chat: the assistant's message (with its tool calls)
 * @param response for a generate: the generated text
 * @param embeddings for an embed: one vector per input
 * @param doneReason why generation stopped: stop, length, load, unload ...
 */
public record Completion(String model, Instant createdAt, Optional<ChatMessage> message, String response,
    List<List<Double>> embeddings, String doneReason, Timings timings) {}
