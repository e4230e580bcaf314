package dev.turboagents.actors.agents.calling;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.List;

/**
 * The schema every answer of an agent must follow: {@code {"name": ..., "arguments": ...}}, a choice
 * ({@code oneOf}) between one branch per allowed tool, whose arguments follow that tool's own schema,
 * and the {@value #FINAL} branch with the answer text. Sent as the call's {@code format}, constrained
 * decoding can only produce a well-formed call of an allowed tool or a final answer.
 */
public final class AnswerSchema {

  /** The pseudo-tool that ends a job with its answer. */
  public static final String FINAL = "final_answer";

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private AnswerSchema() {}

  /** The final answer's arguments: {@code {"answer": "..."}}. */
  public static JsonSchema finalAnswerArguments() {
    ObjectNode args = JSON.objectNode().put("type", "object");
    args.putObject("properties").putObject("answer").put("type", "string")
        .put("description", "what was done, for the person who asked");
    args.putArray("required").add("answer");
    return JsonSchema.of(args);
  }

  public static JsonSchema forTools(List<ToolSpec> tools) {
    return forTools(tools, finalAnswerArguments());
  }

  /** As {@link #forTools(List)}, with the agent's own schema for the final answer's arguments. */
  public static JsonSchema forTools(List<ToolSpec> tools, JsonSchema finalArguments) {
    ArrayNode branches = JSON.arrayNode();
    for (ToolSpec tool : tools) {
      branches.add(branch(tool.name(), tool.parameters()));
    }
    branches.add(branch(FINAL, finalArguments));
    ObjectNode schema = JSON.objectNode();
    schema.set("oneOf", branches);
    return JsonSchema.of(schema);
  }

  private static ObjectNode branch(String name, JsonSchema arguments) {
    ObjectNode branch = JSON.objectNode().put("type", "object");
    ObjectNode properties = branch.putObject("properties");
    properties.putObject("name").putArray("enum").add(name);
    properties.set("arguments", arguments.isEmpty() ? JSON.objectNode().put("type", "object") : arguments.definition().tree());
    branch.putArray("required").add("name").add("arguments");
    return branch;
  }
}
