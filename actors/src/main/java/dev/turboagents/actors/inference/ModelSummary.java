package dev.turboagents.actors.inference;

import java.time.Instant;
import java.util.Optional;

/**
 * A model the server has (an entry of Ollama's /api/tags).
 *
 * @param name the name clients ask for, e.g. {@code llama3.2:latest}
 * @param sizeBytes its size on disk: the weights
 */
public record ModelSummary(String name, String model, Optional<Instant> modifiedAt, long sizeBytes, String digest,
    ModelDetails details) {}
