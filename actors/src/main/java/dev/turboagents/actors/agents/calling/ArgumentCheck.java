package dev.turboagents.actors.agents.calling;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.turboagents.actors.inference.JsonSchema;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Checks a call's arguments against its tool's JSON schema (draft 2020-12); the schemas are compiled once. */
public final class ArgumentCheck {
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

  /** What is wrong with {@code arguments}, one line per problem; empty when they follow {@code schema}. */
  public List<String> problems(JsonSchema schema, JsonNode arguments) {
    if (schema.isEmpty()) {
      return arguments.isObject() ? List.of() : List.of("arguments must be a JSON object");
    }
    Schema s = compiled.computeIfAbsent(schema.definition().json(), json -> REGISTRY.getSchema(schema.definition().tree()));
    return s.validate(arguments).stream().map(Error::getMessage).toList();
  }
}
