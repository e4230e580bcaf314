package dev.turboagents.actors.agents.calling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reads a model's answer as a tool call or a final answer, whichever way it came: native
 * {@code tool_calls}, the answer schema's JSON object, or that object inside free text (fenced or
 * not). Anything else is {@link ParsedTurn.Invalid} with a correction that names what was wrong.
 */
public final class TurnParser {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final List<ToolSpec> tools;
  private final ArgumentCheck check;
  private final Optional<JsonSchema> structuredFinal;

  public TurnParser(List<ToolSpec> tools, ArgumentCheck check) {
    this(tools, check, Optional.empty());
  }

  /** @param structuredFinal the schema a structured final answer must fit; its arguments (JSON) are the answer */
  public TurnParser(List<ToolSpec> tools, ArgumentCheck check, Optional<JsonSchema> structuredFinal) {
    this.tools = List.copyOf(tools);
    this.check = check;
    this.structuredFinal = structuredFinal;
  }

  public ParsedTurn parse(ChatMessage answer) {
    if (!answer.toolCalls().isEmpty()) {
      ToolCall call = answer.toolCalls().getFirst();
      return checked(call.name(), call.arguments().tree(), call.id());
    }
    Optional<JsonNode> object = firstObject(answer.content());
    if (object.isEmpty()) {
      return invalid("the answer is not a JSON object");
    }
    JsonNode node = object.get();
    JsonNode name = node.get("name");
    if (name == null || !name.isTextual()) {
      return invalid("the answer has no \"name\" (the tool to call, or " + AnswerSchema.FINAL + ")");
    }
    JsonNode arguments = node.get("arguments");
    if (arguments != null && arguments.isTextual()) {
      arguments = firstObject(arguments.asText()).orElse(arguments);
    }
    if (arguments == null || !arguments.isObject()) {
      return invalid("\"arguments\" of " + name.asText() + " must be a JSON object");
    }
    return checked(name.asText(), arguments, Optional.empty());
  }

  private ParsedTurn checked(String name, JsonNode arguments, Optional<String> id) {
    if (AnswerSchema.FINAL.equals(name) && structuredFinal.isPresent()) {
      List<String> problems = check.problems(structuredFinal.get(), arguments);
      return problems.isEmpty() ? new ParsedTurn.Final(arguments.toString())
          : invalid("the arguments of " + AnswerSchema.FINAL + " do not fit its schema: " + String.join("; ", problems)
              + ". Its schema: " + structuredFinal.get().definition().json());
    }
    if (AnswerSchema.FINAL.equals(name)) {
      JsonNode text = arguments.get("answer");
      return text != null && text.isTextual() && !text.asText().isBlank()
          ? new ParsedTurn.Final(text.asText())
          : invalid(AnswerSchema.FINAL + " needs {\"answer\": \"<what was done>\"}");
    }
    Optional<ToolSpec> tool = tools.stream().filter(t -> t.name().equals(name)).findFirst();
    if (tool.isEmpty()) {
      return invalid("there is no tool named '" + name + "'");
    }
    List<String> problems = check.problems(tool.get().parameters(), arguments);
    if (!problems.isEmpty()) {
      return invalid("the arguments of " + name + " do not fit its schema: " + String.join("; ", problems)
          + ". Its schema: " + tool.get().parameters().definition().json());
    }
    return new ParsedTurn.Call(new ToolCall(id, name, JsonObject.of(arguments)));
  }

  private ParsedTurn invalid(String problem) {
    String names = tools.stream().map(ToolSpec::name).collect(Collectors.joining(", "));
    return new ParsedTurn.Invalid(problem, "Your last answer could not be used: " + problem + ". Answer with exactly "
        + "one JSON object {\"name\": \"<tool>\", \"arguments\": {...}} where the tool is one of: " + names
        + ", or {\"name\": \"" + AnswerSchema.FINAL + "\", \"arguments\": "
        + (structuredFinal.isPresent() ? "<the final answer's schema>" : "{\"answer\": \"...\"}") + "} when the task is done.");
  }

  /** The first JSON object in {@code text}: the whole text, or the first balanced {...} in it. */
  static Optional<JsonNode> firstObject(String text) {
    String trimmed = text.strip();
    Optional<JsonNode> whole = read(trimmed);
    if (whole.isPresent()) {
      return whole;
    }
    for (int start = trimmed.indexOf('{'); start >= 0; start = trimmed.indexOf('{', start + 1)) {
      int end = balancedEnd(trimmed, start);
      if (end > start) {
        Optional<JsonNode> inner = read(trimmed.substring(start, end + 1));
        if (inner.isPresent()) {
          return inner;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<JsonNode> read(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  private static int balancedEnd(String text, int start) {
    int depth = 0;
    boolean inString = false;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{') {
        depth++;
      } else if (c == '}' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }
}
