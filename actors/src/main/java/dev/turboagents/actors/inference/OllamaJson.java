package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Ollama's JSON shapes, both ways: request bodies the backend sends and the front door reads,
 * streamed chunks and final answers the backend reads and the front door writes. One place, so the
 * two sides of the proxy cannot drift apart.
 */
public final class OllamaJson {
  public static final ObjectMapper MAPPER = new ObjectMapper();

  /** A request body that does not have Ollama's shape; names the offending field. */
  public static final class InvalidRequest extends RuntimeException {
    private final String field;

    public InvalidRequest(String field, String problem) {
      super(problem);
      this.field = field;
    }

    public String field() {
      return field;
    }
  }

  private OllamaJson() {}

  // ---- request bodies -------------------------------------------------------------------------

  public static ObjectNode requestBody(InferenceCall call, Duration keepAlive, boolean stream) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("model", call.model());
    switch (call) {
      case InferenceCall.Chat chat -> {
        ArrayNode messages = body.putArray("messages");
        chat.messages().forEach(m -> messages.add(message(m)));
        if (!chat.tools().isEmpty()) {
          ArrayNode tools = body.putArray("tools");
          chat.tools().forEach(tools::add);
        }
        chat.format().ifPresent(f -> body.set("format", f));
        chat.think().ifPresent(t -> body.set("think", t));
        body.put("stream", stream);
      }
      case InferenceCall.Generate gen -> {
        body.put("prompt", gen.prompt());
        gen.system().ifPresent(s -> body.put("system", s));
        gen.suffix().ifPresent(s -> body.put("suffix", s));
        if (gen.raw()) {
          body.put("raw", true);
        }
        if (!gen.images().isEmpty()) {
          ArrayNode images = body.putArray("images");
          gen.images().forEach(images::add);
        }
        gen.format().ifPresent(f -> body.set("format", f));
        gen.think().ifPresent(t -> body.set("think", t));
        body.put("stream", stream);
      }
      case InferenceCall.Embed embed -> {
        ArrayNode input = body.putArray("input");
        embed.input().forEach(input::add);
        embed.truncate().ifPresent(t -> body.put("truncate", t));
        embed.dimensions().ifPresent(d -> body.put("dimensions", d));
      }
    }
    if (!call.options().isEmpty()) {
      body.set("options", MAPPER.valueToTree(call.options()));
    }
    body.put("keep_alive", keepAliveSeconds(keepAlive));
    return body;
  }

  public static long keepAliveSeconds(Duration keepAlive) {
    return Math.max(1, keepAlive.toSeconds());
  }

  public static ObjectNode message(ChatMessage m) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("role", m.role());
    node.put("content", m.content());
    m.thinking().ifPresent(t -> node.put("thinking", t));
    if (!m.toolCalls().isEmpty()) {
      ArrayNode calls = node.putArray("tool_calls");
      for (ToolCall call : m.toolCalls()) {
        ObjectNode c = calls.addObject();
        call.id().ifPresent(id -> c.put("id", id));
        ObjectNode function = c.putObject("function");
        function.put("name", call.name());
        function.set("arguments", call.arguments());
      }
    }
    if (!m.images().isEmpty()) {
      ArrayNode images = node.putArray("images");
      m.images().forEach(images::add);
    }
    m.toolName().ifPresent(t -> node.put("tool_name", t));
    return node;
  }

  // ---- answers --------------------------------------------------------------------------------

  /** The piece of an answer one streamed chunk carries. */
  public static Delta delta(JsonNode chunk) {
    JsonNode message = chunk.path("message");
    if (message.isObject()) {
      return new Delta(message.path("content").asText(""), text(message, "thinking"), toolCalls(message.path("tool_calls")));
    }
    return new Delta(chunk.path("response").asText(""), text(chunk, "thinking"), List.of());
  }

  /** The final answer, from the last chunk plus everything streamed before it. */
  public static Completion completion(InferenceCall call, JsonNode last, String content, String thinking,
      List<ToolCall> toolCalls) {
    Timings timings = timings(last);
    String model = last.path("model").asText(call.model());
    String createdAt = last.path("created_at").asText(Instant.now().toString());
    String doneReason = last.path("done_reason").asText("stop");
    if (call instanceof InferenceCall.Chat) {
      ChatMessage message = new ChatMessage("assistant", content, List.copyOf(toolCalls), List.of(),
          thinking.isEmpty() ? Optional.empty() : Optional.of(thinking), Optional.empty());
      return new Completion(model, createdAt, Optional.of(message), "", List.of(), doneReason, timings);
    }
    return new Completion(model, createdAt, Optional.empty(), content, List.of(), doneReason, timings);
  }

  public static Timings timings(JsonNode node) {
    return new Timings(node.path("total_duration").asLong(0), node.path("load_duration").asLong(0),
        node.path("prompt_eval_count").asInt(0), node.path("prompt_eval_duration").asLong(0),
        node.path("eval_count").asInt(0), node.path("eval_duration").asLong(0));
  }

  public static List<ToolCall> toolCalls(JsonNode array) {
    if (!array.isArray()) {
      return List.of();
    }
    List<ToolCall> out = new ArrayList<>();
    for (JsonNode c : array) {
      JsonNode function = c.path("function");
      out.add(new ToolCall(text(c, "id"), function.path("name").asText(""),
          function.has("arguments") ? function.get("arguments") : MAPPER.createObjectNode()));
    }
    return out;
  }

  /** A streamed chunk in Ollama's shape, as the front door writes it. */
  public static ObjectNode chunk(InferenceCall call, String model, Delta delta) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("model", model);
    node.put("created_at", Instant.now().toString());
    if (call instanceof InferenceCall.Chat) {
      node.set("message", message(new ChatMessage("assistant", delta.content(), delta.toolCalls(), List.of(),
          delta.thinking(), Optional.empty())));
    } else {
      node.put("response", delta.content());
      delta.thinking().ifPresent(t -> node.put("thinking", t));
    }
    node.put("done", false);
    return node;
  }

  /**
   * The final answer in Ollama's shape. Streamed ({@code streamed}), the text already went out in
   * chunks and the last line carries an empty message plus the figures, as Ollama does.
   */
  public static ObjectNode done(InferenceCall call, Completion c, boolean streamed) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("model", c.model());
    if (call instanceof InferenceCall.Embed) {
      ArrayNode vectors = node.putArray("embeddings");
      c.embeddings().forEach(v -> {
        ArrayNode a = vectors.addArray();
        v.forEach(a::add);
      });
      node.put("total_duration", c.timings().totalNanos());
      node.put("load_duration", c.timings().loadNanos());
      node.put("prompt_eval_count", c.timings().promptEvalCount());
      return node;
    }
    node.put("created_at", c.createdAt());
    if (call instanceof InferenceCall.Chat) {
      ChatMessage m = c.message().orElse(ChatMessage.of("assistant", ""));
      node.set("message", streamed ? message(ChatMessage.of("assistant", "")) : message(m));
    } else {
      node.put("response", streamed ? "" : c.response());
    }
    node.put("done", true);
    node.put("done_reason", c.doneReason());
    Timings t = c.timings();
    node.put("total_duration", t.totalNanos());
    node.put("load_duration", t.loadNanos());
    node.put("prompt_eval_count", t.promptEvalCount());
    node.put("prompt_eval_duration", t.promptEvalNanos());
    node.put("eval_count", t.evalCount());
    node.put("eval_duration", t.evalNanos());
    return node;
  }

  // ---- parsing what clients send (the front door) ---------------------------------------------

  public static InferenceCall.Chat parseChat(JsonNode body) {
    String model = model(body);
    JsonNode messages = body.path("messages");
    if (!messages.isMissingNode() && !messages.isArray()) {
      throw new InvalidRequest("messages", "must be an array of {role, content} objects");
    }
    List<ChatMessage> parsed = new ArrayList<>();
    int i = 0;
    for (JsonNode m : messages) {
      String at = "messages[" + i++ + "]";
      if (!m.isObject()) {
        throw new InvalidRequest(at, "must be an object with role and content");
      }
      JsonNode role = m.path("role");
      if (!role.isTextual() || role.asText().isBlank()) {
        throw new InvalidRequest(at + ".role", "is required: system, user, assistant or tool");
      }
      JsonNode content = m.path("content");
      if (!content.isMissingNode() && !content.isNull() && !content.isTextual()) {
        throw new InvalidRequest(at + ".content", "must be a string");
      }
      parsed.add(new ChatMessage(role.asText(), content.asText(""), toolCalls(m.path("tool_calls")),
          strings(m.path("images"), at + ".images"), text(m, "thinking"), text(m, "tool_name")));
    }
    JsonNode tools = body.path("tools");
    List<JsonNode> toolList = new ArrayList<>();
    if (!tools.isMissingNode() && !tools.isNull()) {
      if (!tools.isArray()) {
        throw new InvalidRequest("tools", "must be an array of tool definitions");
      }
      tools.forEach(toolList::add);
    }
    return new InferenceCall.Chat(model, List.copyOf(parsed), List.copyOf(toolList), format(body), options(body),
        present(body, "think"));
  }

  public static InferenceCall.Generate parseGenerate(JsonNode body) {
    String model = model(body);
    JsonNode prompt = body.path("prompt");
    if (!prompt.isMissingNode() && !prompt.isNull() && !prompt.isTextual()) {
      throw new InvalidRequest("prompt", "must be a string");
    }
    return new InferenceCall.Generate(model, prompt.asText(""), text(body, "system"), text(body, "suffix"),
        body.path("raw").asBoolean(false), strings(body.path("images"), "images"), format(body), options(body),
        present(body, "think"));
  }

  public static InferenceCall.Embed parseEmbed(JsonNode body) {
    String model = model(body);
    JsonNode input = body.path("input");
    List<String> texts;
    if (input.isTextual()) {
      texts = List.of(input.asText());
    } else if (input.isArray() && !input.isEmpty()) {
      texts = strings(input, "input");
    } else {
      throw new InvalidRequest("input", "is required: a string or a non-empty array of strings");
    }
    JsonNode dims = body.path("dimensions");
    if (!dims.isMissingNode() && !dims.isNull() && !dims.canConvertToInt()) {
      throw new InvalidRequest("dimensions", "must be a whole number");
    }
    return new InferenceCall.Embed(model, texts,
        body.has("truncate") ? Optional.of(body.path("truncate").asBoolean(true)) : Optional.empty(),
        dims.canConvertToInt() && dims.isNumber() ? Optional.of(dims.asInt()) : Optional.empty(), options(body));
  }

  /** True unless the body says {@code "stream": false} (Ollama streams by default). */
  public static boolean streams(JsonNode body) {
    JsonNode stream = body.path("stream");
    if (!stream.isMissingNode() && !stream.isNull() && !stream.isBoolean()) {
      throw new InvalidRequest("stream", "must be true or false");
    }
    return stream.asBoolean(true);
  }

  /**
   * The model a request names: {@code model}, or the older {@code name} that Ollama still accepts
   * (its own CLI sends {@code "model": ""} with {@code "name"} set).
   */
  public static String model(JsonNode body) {
    if (!body.isObject()) {
      throw new InvalidRequest("body", "must be a JSON object");
    }
    for (String field : new String[] {"model", "name"}) {
      JsonNode value = body.path(field);
      if (value.isTextual() && !value.asText().isBlank()) {
        return value.asText().trim();
      }
    }
    throw new InvalidRequest("model", "is required: the name of a model, e.g. \"llama3.2\"");
  }

  private static Optional<JsonNode> format(JsonNode body) {
    JsonNode format = body.path("format");
    if (format.isMissingNode() || format.isNull() || (format.isTextual() && format.asText().isEmpty())) {
      return Optional.empty();
    }
    if (!(format.isObject() || (format.isTextual() && "json".equals(format.asText())))) {
      throw new InvalidRequest("format", "must be \"json\" or a JSON schema object");
    }
    return Optional.of(format);
  }

  private static Map<String, Object> options(JsonNode body) {
    JsonNode options = body.path("options");
    if (options.isMissingNode() || options.isNull()) {
      return Map.of();
    }
    if (!options.isObject()) {
      throw new InvalidRequest("options", "must be an object such as {\"temperature\": 0.2}");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> e : options.properties()) {
      out.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class));
    }
    return out;
  }

  private static List<String> strings(JsonNode array, String field) {
    if (array.isMissingNode() || array.isNull()) {
      return List.of();
    }
    if (!array.isArray()) {
      throw new InvalidRequest(field, "must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : array) {
      if (!s.isTextual()) {
        throw new InvalidRequest(field, "must contain only strings");
      }
      out.add(s.asText());
    }
    return List.copyOf(out);
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }

  private static Optional<JsonNode> present(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isMissingNode() || value.isNull() ? Optional.empty() : Optional.of(value);
  }
}
