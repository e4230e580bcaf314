package dev.turboagents.actors.inference;

import java.time.Instant;
import java.util.Optional;

/**
 * A model the server holds in memory now (an entry of Ollama's /api/ps).
 *
 * @param sizeBytes memory it takes in all
 * @param vramBytes the part of it in GPU memory
 * @param expiresAt when the server unloads it unless it is used again
 * @param contextLength the context length it was loaded with, when the server says
 */
public record LoadedModel(String name, String model, long sizeBytes, long vramBytes, String digest, ModelDetails details,
    Optional<Instant> expiresAt, Optional<Integer> contextLength) {}
