package dev.turboagents.http.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ModelOption;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's request bodies as its clients send them ({@code openai} for Python and JS, LangChain,
 * editors), read into the door's types. Fields OpenAI defines that make no sense here (user,
 * metadata, store, parallel_tool_calls ...) are ignored as Ollama's own {@code /v1} ignores them; a
 * field this door reads but cannot honour is refused with a message naming it, never dropped.
 */
final class OpenAiRequests {
  static final ObjectMapper MAPPER = new ObjectMapper();

  /** A body that does not have OpenAI's shape; {@code param} names the offending field as OpenAI's errors do. */
  static final class InvalidField extends RuntimeException {
    private final String param;

    InvalidField(String param, String problem) {
      super(problem, null, false, false);
      this.param = param;
    }

    String param() {
      return param;
    }
  }

  /**
   * A chat completion request, before the tools are planned ({@link ToolPlan}).
   *
   * @param format from {@code response_format}
   * @param includeUsage {@code stream_options.include_usage}: one more chunk with the token counts
   */
  record ChatRequest(String model, List<ChatMessage> messages, List<ToolSpec> tools, ToolChoice choice,
      AnswerFormat format, ModelOptions options, Thinking think, boolean stream, boolean includeUsage) {}

  /** A legacy completion request. */
  record CompletionRequest(InferenceCall.Generate call, boolean stream, boolean includeUsage) {}

  /** An embeddings request; {@code base64} when the client asked {@code encoding_format: "base64"}. */
  record EmbeddingsRequest(InferenceCall.Embed call, boolean base64) {}

  private OpenAiRequests() {}

  static ChatRequest chat(JsonNode body) {
    String model = model(body);
    JsonNode messages = body.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      throw new InvalidField("messages", "is required: a non-empty array of {role, content} objects");
    }
    List<ChatMessage> parsed = new ArrayList<>();
    Map<String, String> toolNamesById = new HashMap<>();
    int i = 0;
    for (JsonNode m : messages) {
      ChatMessage message = message(m, "messages[" + i++ + "]", toolNamesById);
      message.toolCalls().forEach(c -> c.id().ifPresent(id -> toolNamesById.put(id, c.name())));
      parsed.add(message);
    }
    onlyOne(body);
    List<ToolSpec> tools = tools(body.path("tools"));
    ToolChoice choice = toolChoice(body.path("tool_choice"), tools);
    AnswerFormat format = responseFormat(body.path("response_format"));
    if (!tools.isEmpty() && !(choice instanceof ToolChoice.None) && !(format instanceof AnswerFormat.Text)) {
      throw new InvalidField("response_format", "cannot be combined with tools unless tool_choice is \"none\":"
          + " both constrain the answer's shape");
    }
    Map<String, Object> options = samplingOptions(body);
    integer(body, "max_completion_tokens").or(() -> integer(body, "max_tokens"))
        .ifPresent(n -> options.put(ModelOption.NUM_PREDICT.optionName(), n));
    boolean stream = flag(body, "stream");
    return new ChatRequest(model, List.copyOf(parsed), tools, choice, format,
        modelOptions(options), reasoning(body.path("reasoning_effort")), stream, includeUsage(body, stream));
  }

  static CompletionRequest completion(JsonNode body) {
    String model = model(body);
    JsonNode prompt = body.path("prompt");
    String text;
    if (prompt.isTextual()) {
      text = prompt.asText();
    } else if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isTextual()) {
      text = prompt.get(0).asText();
    } else {
      throw new InvalidField("prompt", "is required: a string (or an array holding one string; token arrays and"
          + " batches of prompts are not supported)");
    }
    onlyOne(body);
    if (body.path("echo").asBoolean(false)) {
      throw new InvalidField("echo", "is not supported: leave it out or send false");
    }
    if (body.hasNonNull("best_of") && body.path("best_of").asInt(1) != 1) {
      throw new InvalidField("best_of", "must be 1: one completion per request");
    }
    Map<String, Object> options = samplingOptions(body);
    integer(body, "max_tokens").ifPresent(n -> options.put(ModelOption.NUM_PREDICT.optionName(), n));
    JsonNode suffix = body.path("suffix");
    if (!suffix.isMissingNode() && !suffix.isNull() && !suffix.isTextual()) {
      throw new InvalidField("suffix", "must be a string");
    }
    boolean stream = flag(body, "stream");
    InferenceCall.Generate call = new InferenceCall.Generate(model, text, Optional.empty(),
        suffix.isTextual() ? Optional.of(suffix.asText()) : Optional.empty(), false, List.of(), AnswerFormat.TEXT,
        modelOptions(options), Thinking.SERVER_DEFAULT);
    return new CompletionRequest(call, stream, includeUsage(body, stream));
  }

  static EmbeddingsRequest embeddings(JsonNode body) {
    String model = model(body);
    JsonNode input = body.path("input");
    List<String> texts = new ArrayList<>();
    if (input.isTextual()) {
      texts.add(input.asText());
    } else if (input.isArray() && !input.isEmpty()) {
      int i = 0;
      for (JsonNode s : input) {
        if (!s.isTextual()) {
          throw new InvalidField("input[" + i + "]", "must be a string (token arrays are not supported)");
        }
        texts.add(s.asText());
        i++;
      }
    } else {
      throw new InvalidField("input", "is required: a string or a non-empty array of strings");
    }
    if (body.hasNonNull("dimensions")) {
      throw new InvalidField("dimensions", "is not supported by this daemon yet; leave it out");
    }
    JsonNode encoding = body.path("encoding_format");
    boolean base64 = false;
    if (!encoding.isMissingNode() && !encoding.isNull()) {
      if (!encoding.isTextual() || !List.of("float", "base64").contains(encoding.asText())) {
        throw new InvalidField("encoding_format", "must be \"float\" or \"base64\"");
      }
      base64 = "base64".equals(encoding.asText());
    }
    return new EmbeddingsRequest(new InferenceCall.Embed(model, List.copyOf(texts), Optional.empty(), Optional.empty(),
        ModelOptions.NONE), base64);
  }

  static String model(JsonNode body) {
    JsonNode value = body.path("model");
    if (!value.isTextual() || value.asText().isBlank()) {
      throw new InvalidField("model", "is required: the name of a model, e.g. \"llama3.2\" (GET /v1/models lists them)");
    }
    return value.asText().trim();
  }

  // ---- messages ----

  private static ChatMessage message(JsonNode m, String at, Map<String, String> toolNamesById) {
    if (!m.isObject()) {
      throw new InvalidField(at, "must be an object with role and content");
    }
    JsonNode roleNode = m.path("role");
    String role = roleNode.asText("");
    if (!List.of("system", "developer", "user", "assistant", "tool").contains(role)) {
      throw new InvalidField(at + ".role", "must be system, developer, user, assistant or tool");
    }
    List<String> images = new ArrayList<>();
    String content = content(m.path("content"), at + ".content", images);
    List<ToolCall> calls = "assistant".equals(role) ? toolCalls(m.path("tool_calls"), at + ".tool_calls") : List.of();
    Optional<String> toolName = Optional.empty();
    if ("tool".equals(role)) {
      JsonNode id = m.path("tool_call_id");
      if (!id.isTextual() || id.asText().isBlank()) {
        throw new InvalidField(at + ".tool_call_id", "is required for a tool message: the id of the call it answers");
      }
      toolName = Optional.ofNullable(toolNamesById.get(id.asText()));
    }
    return new ChatMessage("developer".equals(role) ? "system" : role, content, calls, List.copyOf(images),
        Optional.empty(), toolName);
  }

  /** A string, or an array of parts: text parts are joined, images (data URLs) kept as base64. */
  private static String content(JsonNode content, String at, List<String> images) {
    if (content.isMissingNode() || content.isNull()) {
      return "";
    }
    if (content.isTextual()) {
      return content.asText();
    }
    if (!content.isArray()) {
      throw new InvalidField(at, "must be a string or an array of content parts");
    }
    StringBuilder text = new StringBuilder();
    int i = 0;
    for (JsonNode part : content) {
      String here = at + "[" + i++ + "]";
      switch (part.path("type").asText("")) {
        case "text" -> {
          if (!part.path("text").isTextual()) {
            throw new InvalidField(here + ".text", "must be a string");
          }
          text.append(text.isEmpty() ? "" : "\n").append(part.path("text").asText());
        }
        case "image_url" -> {
          String url = part.path("image_url").path("url").asText("");
          int comma = url.indexOf(',');
          if (!url.startsWith("data:") || !url.contains(";base64,")) {
            throw new InvalidField(here + ".image_url.url", "must be a data URL (data:image/png;base64,...): the daemon"
                + " does not fetch images from the network");
          }
          images.add(url.substring(comma + 1));
        }
        default -> throw new InvalidField(here + ".type", "must be \"text\" or \"image_url\"");
      }
    }
    return text.toString();
  }

  private static List<ToolCall> toolCalls(JsonNode calls, String at) {
    if (calls.isMissingNode() || calls.isNull()) {
      return List.of();
    }
    if (!calls.isArray()) {
      throw new InvalidField(at, "must be an array of {id, type: \"function\", function: {name, arguments}} objects");
    }
    List<ToolCall> out = new ArrayList<>();
    int i = 0;
    for (JsonNode c : calls) {
      String here = at + "[" + i++ + "]";
      JsonNode function = c.path("function");
      JsonNode name = function.path("name");
      if (!name.isTextual() || name.asText().isBlank()) {
        throw new InvalidField(here + ".function.name", "is required: the name of the tool called");
      }
      JsonNode id = c.path("id");
      out.add(new ToolCall(id.isTextual() ? Optional.of(id.asText()) : Optional.empty(), name.asText(),
          arguments(function.path("arguments"), here + ".function.arguments")));
    }
    return List.copyOf(out);
  }

  /** OpenAI sends a call's arguments as a JSON string; an object is taken too. */
  private static JsonObject arguments(JsonNode value, String at) {
    if (value.isMissingNode() || value.isNull() || (value.isTextual() && value.asText().isBlank())) {
      return JsonObject.EMPTY;
    }
    try {
      return JsonObject.of(value.isTextual() ? MAPPER.readTree(value.asText()) : value);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new InvalidField(at, "must be a JSON object, or a string holding one");
    }
  }

  // ---- tools ----

  private static List<ToolSpec> tools(JsonNode tools) {
    if (tools.isMissingNode() || tools.isNull()) {
      return List.of();
    }
    if (!tools.isArray()) {
      throw new InvalidField("tools", "must be an array of {type: \"function\", function: {name, description, parameters}}");
    }
    List<ToolSpec> out = new ArrayList<>();
    List<String> names = new ArrayList<>();
    int i = 0;
    for (JsonNode tool : tools) {
      String at = "tools[" + i++ + "]";
      if (!"function".equals(tool.path("type").asText("function"))) {
        throw new InvalidField(at + ".type", "must be \"function\"");
      }
      JsonNode function = tool.path("function");
      if (!function.isObject()) {
        throw new InvalidField(at + ".function", "is required: {\"name\": ..., \"description\": ..., \"parameters\": {JSON schema}}");
      }
      JsonNode name = function.path("name");
      if (!name.isTextual() || !name.asText().matches("[A-Za-z0-9_-]{1,64}")) {
        throw new InvalidField(at + ".function.name", "is required: 1 to 64 letters, digits, _ or -");
      }
      if (names.contains(name.asText())) {
        throw new InvalidField(at + ".function.name", "'" + name.asText() + "' is defined twice");
      }
      names.add(name.asText());
      JsonNode description = function.path("description");
      if (!description.isMissingNode() && !description.isNull() && !description.isTextual()) {
        throw new InvalidField(at + ".function.description", "must be a string");
      }
      JsonNode parameters = function.path("parameters");
      if (!parameters.isMissingNode() && !parameters.isNull() && !parameters.isObject()) {
        throw new InvalidField(at + ".function.parameters", "must be a JSON schema object");
      }
      out.add(new ToolSpec(name.asText(), description.asText(""),
          parameters.isObject() ? JsonSchema.of(parameters) : JsonSchema.ANY));
    }
    return List.copyOf(out);
  }

  private static ToolChoice toolChoice(JsonNode choice, List<ToolSpec> tools) {
    if (choice.isMissingNode() || choice.isNull()) {
      return tools.isEmpty() ? new ToolChoice.None() : new ToolChoice.Auto();
    }
    ToolChoice parsed;
    if (choice.isTextual()) {
      parsed = switch (choice.asText()) {
        case "none" -> new ToolChoice.None();
        case "auto" -> new ToolChoice.Auto();
        case "required" -> new ToolChoice.Required();
        default -> throw new InvalidField("tool_choice", "must be \"none\", \"auto\", \"required\" or"
            + " {\"type\": \"function\", \"function\": {\"name\": ...}}");
      };
    } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
      String name = choice.path("function").path("name").asText();
      if (tools.stream().noneMatch(t -> t.name().equals(name))) {
        throw new InvalidField("tool_choice.function.name", "'" + name + "' is not one of the tools sent: "
            + tools.stream().map(ToolSpec::name).toList());
      }
      parsed = new ToolChoice.Named(name);
    } else {
      throw new InvalidField("tool_choice", "must be \"none\", \"auto\", \"required\" or"
          + " {\"type\": \"function\", \"function\": {\"name\": ...}}");
    }
    if (tools.isEmpty() && !(parsed instanceof ToolChoice.None)) {
      throw new InvalidField("tool_choice", "needs tools: send the tools the model may call");
    }
    return parsed;
  }

  // ---- formats and options ----

  private static AnswerFormat responseFormat(JsonNode format) {
    if (format.isMissingNode() || format.isNull()) {
      return AnswerFormat.TEXT;
    }
    if (!format.isObject()) {
      throw new InvalidField("response_format", "must be an object such as {\"type\": \"json_object\"}");
    }
    return switch (format.path("type").asText("")) {
      case "text" -> AnswerFormat.TEXT;
      case "json_object" -> AnswerFormat.JSON;
      case "json_schema" -> {
        JsonNode schema = format.path("json_schema").path("schema");
        if (!schema.isObject()) {
          throw new InvalidField("response_format.json_schema.schema", "is required: a JSON schema object");
        }
        yield new AnswerFormat.Schema(JsonSchema.of(schema));
      }
      default -> throw new InvalidField("response_format.type", "must be \"text\", \"json_object\" or \"json_schema\"");
    };
  }

  private static Thinking reasoning(JsonNode effort) {
    if (effort.isMissingNode() || effort.isNull()) {
      return Thinking.SERVER_DEFAULT;
    }
    if (!effort.isTextual() || effort.asText().isBlank()) {
      throw new InvalidField("reasoning_effort", "must be a level such as \"low\", \"medium\", \"high\" or \"none\"");
    }
    return "none".equals(effort.asText()) ? new Thinking.Toggle(false) : new Thinking.Effort(effort.asText());
  }

  /** temperature, top_p, seed, stop, presence and frequency penalties: OpenAI's names are Ollama's options. */
  private static Map<String, Object> samplingOptions(JsonNode body) {
    Map<String, Object> options = new LinkedHashMap<>();
    for (String field : List.of("temperature", "top_p", "presence_penalty", "frequency_penalty")) {
      JsonNode value = body.path(field);
      if (value.isMissingNode() || value.isNull()) {
        continue;
      }
      if (!value.isNumber()) {
        throw new InvalidField(field, "must be a number");
      }
      options.put(field, value.asDouble());
    }
    integer(body, "seed").ifPresent(n -> options.put("seed", n));
    JsonNode stop = body.path("stop");
    if (stop.isTextual()) {
      options.put("stop", List.of(stop.asText()));
    } else if (stop.isArray()) {
      List<String> stops = new ArrayList<>();
      stop.forEach(s -> {
        if (!s.isTextual()) {
          throw new InvalidField("stop", "must be a string or an array of strings");
        }
        stops.add(s.asText());
      });
      options.put("stop", List.copyOf(stops));
    } else if (!stop.isMissingNode() && !stop.isNull()) {
      throw new InvalidField("stop", "must be a string or an array of strings");
    }
    return options;
  }

  private static ModelOptions modelOptions(Map<String, Object> values) {
    try {
      return ModelOptions.of(values);
    } catch (ModelOptions.InvalidOption e) {
      throw new InvalidField(e.option(), e.getMessage());
    }
  }

  private static Optional<Long> integer(JsonNode body, String field) {
    JsonNode value = body.path(field);
    if (value.isMissingNode() || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isIntegralNumber()) {
      throw new InvalidField(field, "must be a whole number");
    }
    return Optional.of(value.asLong());
  }

  private static boolean flag(JsonNode body, String field) {
    JsonNode value = body.path(field);
    if (!value.isMissingNode() && !value.isNull() && !value.isBoolean()) {
      throw new InvalidField(field, "must be true or false");
    }
    return value.asBoolean(false);
  }

  private static boolean includeUsage(JsonNode body, boolean stream) {
    JsonNode options = body.path("stream_options");
    if (options.isMissingNode() || options.isNull()) {
      return false;
    }
    if (!options.isObject()) {
      throw new InvalidField("stream_options", "must be an object such as {\"include_usage\": true}");
    }
    if (!stream) {
      throw new InvalidField("stream_options", "is only allowed with \"stream\": true");
    }
    return flag(options, "include_usage");
  }

  private static void onlyOne(JsonNode body) {
    if (body.hasNonNull("n") && !(body.path("n").isIntegralNumber() && body.path("n").asInt() == 1)) {
      throw new InvalidField("n", "must be 1: one choice per request");
    }
  }
}
