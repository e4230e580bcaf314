package dev.turboagents.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/** Typed access to the fields of a request object; every mistake is a 400 that names the field. */
public final class JsonFields {
  private final ObjectNode node;

  JsonFields(ObjectNode node) {
    this.node = node;
  }

  /** Refuses fields outside {@code known}, so a typo is not silently ignored. */
  public JsonFields allowOnly(Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!known.contains(name)) {
        throw ApiErrors.BadRequest.invalid("unknown field '" + name + "'; this endpoint accepts " + new TreeSet<>(known));
      }
    }
    return this;
  }

  public boolean has(String name) {
    return node.has(name);
  }

  /** Present and JSON null: the client asks to clear the field. */
  public boolean isNull(String name) {
    return node.has(name) && node.get(name).isNull();
  }

  public String requiredString(String name) {
    return optionalString(name).orElseThrow(() -> ApiErrors.BadRequest.invalid("field '" + name + "' is required"));
  }

  public Optional<String> optionalString(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isTextual()) {
      throw ApiErrors.BadRequest.invalid("field '" + name + "' must be a string, was " + type(value));
    }
    return Optional.of(value.textValue());
  }

  /** A string that must be one of a fixed set, parsed by {@code parse}; {@code allowed} lists them for the error. */
  public <T> Optional<T> optionalChoice(String name, Function<String, Optional<T>> parse, String allowed) {
    return optionalString(name).map(v -> parse.apply(v).orElseThrow(() ->
        ApiErrors.BadRequest.invalid("field '" + name + "' must be one of " + allowed + ", was '" + v + "'")));
  }

  public Optional<List<String>> optionalStringList(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isArray()) {
      throw ApiErrors.BadRequest.invalid("field '" + name + "' must be an array of strings, was " + type(value));
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw ApiErrors.BadRequest.invalid("field '" + name + "' must contain only strings, found " + type(item));
      }
      out.add(item.textValue());
    }
    return Optional.of(out);
  }

  public OptionalLong optionalLong(String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return OptionalLong.empty();
    }
    if (!value.canConvertToExactIntegral() || !value.canConvertToLong()) {
      throw ApiErrors.BadRequest.invalid("field '" + name + "' must be a whole number, was " + value);
    }
    return OptionalLong.of(value.longValue());
  }

  public ObjectNode node() {
    return node;
  }

  private static String type(JsonNode value) {
    return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }
}
