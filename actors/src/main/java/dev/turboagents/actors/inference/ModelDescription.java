package dev.turboagents.actors.inference;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything the server tells about one model (Ollama's /api/show), plus what the door derives
 * from it for its memory estimate.
 *
 * @param modelInfo the model's metadata as key/value pairs (architecture, layers, heads, context length ...)
 * @param capabilities what it can do: completion, tools, embedding, vision, thinking ...
 * @param kvBytesPerToken KV-cache bytes per context token (f16), when the metadata tells
 * @param contextLength the longest context the model was trained for, when the metadata tells
 */
public record ModelDescription(String name, String modelfile, String parameters, String template, Optional<String> system,
    String license, ModelDetails details, JsonObject modelInfo, List<String> capabilities, Optional<Instant> modifiedAt,
    Optional<Long> kvBytesPerToken, Optional<Integer> contextLength) {}
