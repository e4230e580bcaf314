package dev.turboagents.actors.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * An immutable JSON object (a tool call's arguments, a model's metadata, a schema), kept as its
 * compact text so nobody can change it after the fact; {@link #tree()} gives a fresh copy to read.
 */
public record JsonObject(String json) {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static final JsonObject EMPTY = new JsonObject("{}");

  public JsonObject {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node == null || !node.isObject()) {
        throw new IllegalArgumentException("not a JSON object: " + json);
      }
      json = node.toString();
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  /** The object {@code node} holds; an {@link IllegalArgumentException} when it is not an object. */
  public static JsonObject of(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("not a JSON object: " + node);
    }
    return new JsonObject(node.toString());
  }

  /** A copy of the object to read or to put into a bigger document. */
  public ObjectNode tree() {
    try {
      return (ObjectNode) MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JsonObject always holds valid JSON", e);
    }
  }

  /** The value of a top-level field, when there is one. */
  public Optional<JsonNode> get(String field) {
    JsonNode value = tree().get(field);
    return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
  }

  public boolean has(String field) {
    return tree().has(field);
  }

  public boolean isEmpty() {
    return "{}".equals(json);
  }

  @Override
  public String toString() {
    return json;
  }
}
