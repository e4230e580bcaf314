package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A JSON schema (for a tool's arguments or an answer's shape). A schema is JSON by nature, so it
 * is kept as an immutable JSON object rather than re-modelled in Java types.
 */
public record JsonSchema(JsonObject definition) {

  /** The schema that says nothing (any object will do). */
  public static final JsonSchema ANY = new JsonSchema(JsonObject.EMPTY);

  public static JsonSchema of(JsonNode schema) {
    return new JsonSchema(JsonObject.of(schema));
  }

  public static JsonSchema parse(String json) {
    return new JsonSchema(new JsonObject(json));
  }

  public boolean isEmpty() {
    return definition.isEmpty();
  }
}
