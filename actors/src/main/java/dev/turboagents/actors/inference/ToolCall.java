package dev.turboagents.actors.inference;

import java.util.Optional;

/**
 * A tool call a model asked for: the tool's name and its arguments, parsed (a server that sends them
 * as a JSON string has them parsed too).
 */
public record ToolCall(Optional<String> id, String name, JsonObject arguments) {}
