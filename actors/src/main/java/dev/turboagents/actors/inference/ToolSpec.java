package dev.turboagents.actors.inference;

/**
 * A tool a model may call: its name, what it does (empty when not said) and the JSON schema of its
 * arguments ({@link JsonSchema#ANY} when not given).
 */
public record ToolSpec(String name, String description, JsonSchema parameters) {}
