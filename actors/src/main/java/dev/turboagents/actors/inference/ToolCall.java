package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** A tool call a model asked for: the tool's name and its arguments as JSON. */
public record ToolCall(Optional<String> id, String name, JsonNode arguments) {}
