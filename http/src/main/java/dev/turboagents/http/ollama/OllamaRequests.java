package dev.turboagents.http.ollama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ollama's request bodies as its clients send them, read into the door's types. Lenient where
 * Ollama is (the model as {@code model} or the older {@code name}, fields it ignores), strict where
 * it would fail later anyway; a problem names the field, e.g. {@code messages[0].role}.
 */
final class OllamaRequests {

  /** A body that does not have Ollama's shape; names the offending field. */
  static final class InvalidField extends RuntimeException {
    private final String field;

    InvalidField(String field, String problem) {
      super(problem, null, false, false);
      this.field = field;
    }

    String field() {
      return field;
    }
  }

  private OllamaRequests() {}

  static InferenceCall.Chat chat(JsonNode body) {
    String model = model(body);
    JsonNode messages = body.path("messages");
    if (!messages.isMissingNode() && !messages.isNull() && !messages.isArray()) {
      throw new InvalidField("messages", "must be an array of {role, content} objects");
    }
    List<ChatMessage> parsed = new ArrayList<>();
    int i = 0;
    for (JsonNode m : messages) {
      parsed.add(message(m, "messages[" + i++ + "]"));
    }
    return new InferenceCall.Chat(model, List.copyOf(parsed), tools(body.path("tools")), format(body), options(body),
        think(body));
  }

  static InferenceCall.Generate generate(JsonNode body) {
    String model = model(body);
    JsonNode prompt = body.path("prompt");
    if (!prompt.isMissingNode() && !prompt.isNull() && !prompt.isTextual()) {
      throw new InvalidField("prompt", "must be a string");
    }
    return new InferenceCall.Generate(model, prompt.asText(""), text(body, "system"), text(body, "suffix"),
        body.path("raw").asBoolean(false), strings(body.path("images"), "images"), format(body), options(body), think(body));
  }

  static InferenceCall.Embed embed(JsonNode body) {
    String model = model(body);
    if (body.has("dimensions")) {
      throw new InvalidField("dimensions", "is not supported by this daemon yet; leave it out");
    }
    JsonNode input = body.path("input");
    List<String> texts;
    if (input.isTextual()) {
      texts = List.of(input.asText());
    } else if (input.isArray() && !input.isEmpty()) {
      texts = strings(input, "input");
    } else {
      throw new InvalidField("input", "is required: a string or a non-empty array of strings");
    }
    Optional<Boolean> truncate = body.hasNonNull("truncate") ? Optional.of(body.path("truncate").asBoolean(true))
        : Optional.empty();
    return new InferenceCall.Embed(model, texts, truncate, Optional.empty(), options(body));
  }

  /** True unless the body says {@code "stream": false} (Ollama streams by default). */
  static boolean streams(JsonNode body) {
    JsonNode stream = body.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      throw new InvalidField("stream", "must be true or false");
    }
    return stream.asBoolean(true);
  }

  /**
   * The model a request names: {@code model}, or the older {@code name} that Ollama still accepts
   * (its own CLI sends {@code "model": ""} with {@code "name"} set).
   */
  static String model(JsonNode body) {
    if (!body.isObject()) {
      throw new InvalidField("body", "must be a JSON object");
    }
    for (String field : new String[] {"model", "name"}) {
      JsonNode value = body.path(field);
      if (value.isTextual() && !value.asText().isBlank()) {
        return value.asText().trim();
      }
    }
    throw new InvalidField("model", "is required: the name of a model, e.g. \"llama3.2\"");
  }

  private static ChatMessage message(JsonNode m, String at) {
    if (!m.isObject()) {
      throw new InvalidField(at, "must be an object with role and content");
    }
    JsonNode role = m.path("role");
    if (!role.isTextual() || role.asText().isBlank()) {
      throw new InvalidField(at + ".role", "is required: system, user, assistant or tool");
    }
    JsonNode content = m.path("content");
    if (!content.isMissingNode() && !content.isNull() && !content.isTextual()) {
      throw new InvalidField(at + ".content", "must be a string");
    }
    return new ChatMessage(role.asText(), content.asText(""), toolCalls(m.path("tool_calls"), at + ".tool_calls"),
        strings(m.path("images"), at + ".images"), text(m, "thinking"), text(m, "tool_name"));
  }

  /** Tool calls in the history a client sends back; arguments as an object or a JSON string holding one. */
  private static List<ToolCall> toolCalls(JsonNode calls, String at) {
    if (calls.isMissingNode() || calls.isNull()) {
      return List.of();
    }
    if (!calls.isArray()) {
      throw new InvalidField(at, "must be an array of {function: {name, arguments}} objects");
    }
    List<ToolCall> out = new ArrayList<>();
    int i = 0;
    for (JsonNode c : calls) {
      String here = at + "[" + i++ + "].function";
      JsonNode function = c.path("function");
      JsonNode name = function.path("name");
      if (!name.isTextual() || name.asText().isBlank()) {
        throw new InvalidField(here + ".name", "is required: the name of the tool called");
      }
      out.add(new ToolCall(text(c, "id"), name.asText(), object(function.path("arguments"), here + ".arguments", true)));
    }
    return List.copyOf(out);
  }

  private static List<ToolSpec> tools(JsonNode tools) {
    if (tools.isMissingNode() || tools.isNull()) {
      return List.of();
    }
    if (!tools.isArray()) {
      throw new InvalidField("tools", "must be an array of tool definitions");
    }
    List<ToolSpec> out = new ArrayList<>();
    int i = 0;
    for (JsonNode tool : tools) {
      String at = "tools[" + i++ + "].function";
      JsonNode function = tool.path("function");
      if (!function.isObject()) {
        throw new InvalidField(at, "is required: {\"name\": ..., \"description\": ..., \"parameters\": {JSON schema}}");
      }
      JsonNode name = function.path("name");
      if (!name.isTextual() || name.asText().isBlank()) {
        throw new InvalidField(at + ".name", "is required: the tool's name");
      }
      JsonNode description = function.path("description");
      if (!description.isMissingNode() && !description.isNull() && !description.isTextual()) {
        throw new InvalidField(at + ".description", "must be a string");
      }
      out.add(new ToolSpec(name.asText(), description.asText(""),
          new JsonSchema(object(function.path("parameters"), at + ".parameters", false))));
    }
    return List.copyOf(out);
  }

  private static AnswerFormat format(JsonNode body) {
    JsonNode format = body.path("format");
    if (format.isMissingNode() || format.isNull() || (format.isTextual() && format.asText().isEmpty())) {
      return AnswerFormat.TEXT;
    }
    if (format.isTextual() && "json".equals(format.asText())) {
      return AnswerFormat.JSON;
    }
    if (format.isObject()) {
      return new AnswerFormat.Schema(JsonSchema.of(format));
    }
    throw new InvalidField("format", "must be \"json\" or a JSON schema object");
  }

  private static Thinking think(JsonNode body) {
    JsonNode think = body.path("think");
    if (think.isMissingNode() || think.isNull()) {
      return Thinking.SERVER_DEFAULT;
    }
    if (think.isBoolean()) {
      return new Thinking.Toggle(think.asBoolean());
    }
    if (think.isTextual() && !think.asText().isBlank()) {
      return new Thinking.Effort(think.asText());
    }
    throw new InvalidField("think", "must be true, false or a level such as \"high\", \"medium\" or \"low\"");
  }

  private static ModelOptions options(JsonNode body) {
    JsonNode options = body.path("options");
    if (options.isMissingNode() || options.isNull()) {
      return ModelOptions.NONE;
    }
    if (!options.isObject()) {
      throw new InvalidField("options", "must be an object such as {\"temperature\": 0.2}");
    }
    Map<String, Object> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : options.properties()) {
      values.put(e.getKey(), OllamaResponses.MAPPER.convertValue(e.getValue(), Object.class));
    }
    try {
      return ModelOptions.of(values);
    } catch (ModelOptions.InvalidOption e) {
      throw new InvalidField("options." + e.option(), e.getMessage());
    }
  }

  /** A JSON object, or (when {@code stringAllowed}) a string holding one; missing = empty. */
  private static JsonObject object(JsonNode value, String field, boolean stringAllowed) {
    if (value.isMissingNode() || value.isNull()) {
      return JsonObject.EMPTY;
    }
    try {
      JsonNode parsed = stringAllowed && value.isTextual() ? OllamaResponses.MAPPER.readTree(value.asText()) : value;
      return JsonObject.of(parsed);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new InvalidField(field, "must be a JSON object");
    }
  }

  private static List<String> strings(JsonNode array, String field) {
    if (array.isMissingNode() || array.isNull()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new InvalidField(field, "must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : array) {
      if (!s.isTextual()) {
        throw new InvalidField(field, "must contain only strings");
      }
      out.add(s.asText());
    }
    return List.copyOf(out);
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }
}
