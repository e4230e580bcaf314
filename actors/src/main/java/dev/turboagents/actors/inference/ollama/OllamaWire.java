package dev.turboagents.actors.inference.ollama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.BackendException;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.LoadedModel;
import dev.turboagents.actors.inference.ModelDescription;
import dev.turboagents.actors.inference.ModelDetails;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.ModelSummary;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.Timings;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Ollama's wire format as the backend speaks it: the door's types to the request bodies Ollama
 * takes, and Ollama's answers (streamed chunks, listings, model metadata) back to the door's types.
 * Reading is lenient, as a client of a server should be: a field Ollama leaves out gets its empty value.
 */
final class OllamaWire {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private OllamaWire() {}

  // ---- requests ---------------------------------------------------------------------------------

  static ObjectNode requestBody(InferenceCall call, Duration keepAlive, boolean stream) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("model", call.model());
    switch (call) {
      case InferenceCall.Chat chat -> {
        ArrayNode messages = body.putArray("messages");
        chat.messages().forEach(m -> messages.add(message(m)));
        if (!chat.tools().isEmpty()) {
          ArrayNode tools = body.putArray("tools");
          chat.tools().forEach(t -> tools.add(tool(t)));
        }
        format(chat.format()).ifPresent(f -> body.set("format", f));
        think(chat.think()).ifPresent(t -> body.set("think", t));
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
        format(gen.format()).ifPresent(f -> body.set("format", f));
        think(gen.think()).ifPresent(t -> body.set("think", t));
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
      body.set("options", options(call.options()));
    }
    body.put("keep_alive", keepAliveSeconds(keepAlive));
    return body;
  }

  /** Ollama loads a model when it gets a generate request without a prompt. */
  static ObjectNode loadBody(String model, ModelOptions options, Duration keepAlive) {
    ObjectNode body = MAPPER.createObjectNode().put("model", model).put("stream", false);
    if (!options.isEmpty()) {
      body.set("options", options(options));
    }
    body.put("keep_alive", keepAliveSeconds(keepAlive));
    return body;
  }

  /** keep_alive 0 without a prompt: Ollama unloads the model. */
  static ObjectNode unloadBody(String model) {
    return MAPPER.createObjectNode().put("model", model).put("keep_alive", 0);
  }

  static ObjectNode showBody(String model) {
    return MAPPER.createObjectNode().put("model", model);
  }

  static long keepAliveSeconds(Duration keepAlive) {
    return Math.max(1, keepAlive.toSeconds());
  }

  static ObjectNode options(ModelOptions options) {
    return MAPPER.valueToTree(options.values());
  }

  private static ObjectNode message(ChatMessage m) {
    ObjectNode node = MAPPER.createObjectNode();
    node.put("role", m.role());
    node.put("content", m.content());
    m.thinking().ifPresent(t -> node.put("thinking", t));
    if (!m.toolCalls().isEmpty()) {
      ArrayNode calls = node.putArray("tool_calls");
      for (ToolCall call : m.toolCalls()) {
        ObjectNode c = calls.addObject();
        call.id().ifPresent(id -> c.put("id", id));
        c.putObject("function").put("name", call.name()).set("arguments", call.arguments().tree());
      }
    }
    if (!m.images().isEmpty()) {
      ArrayNode images = node.putArray("images");
      m.images().forEach(images::add);
    }
    m.toolName().ifPresent(t -> node.put("tool_name", t));
    return node;
  }

  private static ObjectNode tool(ToolSpec tool) {
    ObjectNode node = MAPPER.createObjectNode().put("type", "function");
    ObjectNode function = node.putObject("function").put("name", tool.name());
    if (!tool.description().isEmpty()) {
      function.put("description", tool.description());
    }
    if (!tool.parameters().isEmpty()) {
      function.set("parameters", tool.parameters().definition().tree());
    }
    return node;
  }

  private static Optional<JsonNode> format(AnswerFormat format) {
    return switch (format) {
      case AnswerFormat.Text t -> Optional.empty();
      case AnswerFormat.AnyJson j -> Optional.of(MAPPER.getNodeFactory().textNode("json"));
      case AnswerFormat.Schema s -> Optional.of(s.schema().definition().tree());
    };
  }

  private static Optional<JsonNode> think(Thinking think) {
    return switch (think) {
      case Thinking.ServerDefault d -> Optional.empty();
      case Thinking.Toggle t -> Optional.of(MAPPER.getNodeFactory().booleanNode(t.on()));
      case Thinking.Effort e -> Optional.of(MAPPER.getNodeFactory().textNode(e.level()));
    };
  }

  // ---- answers ----------------------------------------------------------------------------------

  /** The piece of an answer one streamed chunk carries. */
  static Delta delta(JsonNode chunk) {
    JsonNode message = chunk.path("message");
    if (message.isObject()) {
      return new Delta(message.path("content").asText(""), text(message, "thinking"), toolCalls(message.path("tool_calls")));
    }
    return new Delta(chunk.path("response").asText(""), text(chunk, "thinking"), List.of());
  }

  /** The final answer, from the last chunk plus everything streamed before it. */
  static Completion completion(InferenceCall call, JsonNode last, String content, String thinking, List<ToolCall> toolCalls) {
    Timings timings = timings(last);
    String model = last.path("model").asText(call.model());
    Instant createdAt = time(last.path("created_at")).orElseGet(Instant::now);
    String doneReason = last.path("done_reason").asText("stop");
    if (call instanceof InferenceCall.Chat) {
      ChatMessage message = new ChatMessage("assistant", content, List.copyOf(toolCalls), List.of(),
          thinking.isEmpty() ? Optional.empty() : Optional.of(thinking), Optional.empty());
      return new Completion(model, createdAt, Optional.of(message), "", List.of(), doneReason, timings);
    }
    return new Completion(model, createdAt, Optional.empty(), content, List.of(), doneReason, timings);
  }

  /** /api/embed's answer: one vector per input, and its figures. */
  static Completion embeddings(InferenceCall.Embed call, JsonNode answer) {
    List<List<Double>> vectors = new ArrayList<>();
    for (JsonNode v : answer.path("embeddings")) {
      List<Double> vector = new ArrayList<>(v.size());
      v.forEach(x -> vector.add(x.asDouble()));
      vectors.add(List.copyOf(vector));
    }
    return new Completion(answer.path("model").asText(call.model()), Instant.now(), Optional.empty(), "",
        List.copyOf(vectors), "stop", timings(answer));
  }

  static Timings timings(JsonNode node) {
    return new Timings(node.path("total_duration").asLong(0), node.path("load_duration").asLong(0),
        node.path("prompt_eval_count").asInt(0), node.path("prompt_eval_duration").asLong(0),
        node.path("eval_count").asInt(0), node.path("eval_duration").asLong(0));
  }

  /** Tool calls with their arguments parsed: an object, or a string that holds one (as some servers send). */
  static List<ToolCall> toolCalls(JsonNode array) {
    if (!array.isArray()) {
      return List.of();
    }
    List<ToolCall> out = new ArrayList<>();
    for (JsonNode c : array) {
      JsonNode function = c.path("function");
      String name = function.path("name").asText("");
      out.add(new ToolCall(text(c, "id"), name, arguments(name, function.path("arguments"))));
    }
    return out;
  }

  private static JsonObject arguments(String tool, JsonNode arguments) {
    if (arguments.isMissingNode() || arguments.isNull()) {
      return JsonObject.EMPTY;
    }
    try {
      JsonNode parsed = arguments.isTextual() ? MAPPER.readTree(arguments.asText()) : arguments;
      return JsonObject.of(parsed);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new BackendException(BackendException.Kind.REJECTED, 0,
          "the arguments of the model's call of " + tool + " are not a JSON object: " + arguments);
    }
  }

  static List<ModelSummary> models(JsonNode tags) {
    List<ModelSummary> out = new ArrayList<>();
    for (JsonNode m : tags.path("models")) {
      String name = m.path("name").asText(m.path("model").asText(""));
      out.add(new ModelSummary(name, m.path("model").asText(name), time(m.path("modified_at")), m.path("size").asLong(0),
          m.path("digest").asText(""), details(m.path("details"))));
    }
    return List.copyOf(out);
  }

  static List<LoadedModel> running(JsonNode ps) {
    List<LoadedModel> out = new ArrayList<>();
    for (JsonNode m : ps.path("models")) {
      String name = m.path("name").asText(m.path("model").asText(""));
      out.add(new LoadedModel(name, m.path("model").asText(name), m.path("size").asLong(0), m.path("size_vram").asLong(0),
          m.path("digest").asText(""), details(m.path("details")), time(m.path("expires_at")),
          m.path("context_length").canConvertToInt() && m.has("context_length")
              ? Optional.of(m.path("context_length").asInt()) : Optional.empty()));
    }
    return List.copyOf(out);
  }

  /** /api/show, with the KV-cache size per token derived from the model's metadata. */
  static ModelDescription description(String model, JsonNode show) {
    JsonNode info = show.path("model_info");
    String arch = info.path("general.architecture").asText("");
    Optional<Integer> context = info.has(arch + ".context_length")
        ? Optional.of(info.get(arch + ".context_length").asInt()) : Optional.empty();
    long blocks = info.path(arch + ".block_count").asLong(0);
    long heads = first(info.path(arch + ".attention.head_count"));
    long kvHeads = first(info.path(arch + ".attention.head_count_kv"));
    long embedding = info.path(arch + ".embedding_length").asLong(0);
    long keyLength = info.path(arch + ".attention.key_length").asLong(heads > 0 ? embedding / heads : 0);
    long valueLength = info.path(arch + ".attention.value_length").asLong(keyLength);
    if (kvHeads == 0) {
      kvHeads = heads;
    }
    Optional<Long> kvPerToken = blocks > 0 && kvHeads > 0 && keyLength > 0
        ? Optional.of(blocks * kvHeads * (keyLength + valueLength) * 2) : Optional.empty();
    List<String> capabilities = new ArrayList<>();
    show.path("capabilities").forEach(c -> capabilities.add(c.asText()));
    return new ModelDescription(model, show.path("modelfile").asText(""), show.path("parameters").asText(""),
        show.path("template").asText(""), text(show, "system").filter(s -> !s.isEmpty()), show.path("license").asText(""),
        details(show.path("details")), info.isObject() ? JsonObject.of(info) : JsonObject.EMPTY, List.copyOf(capabilities),
        time(show.path("modified_at")), kvPerToken, context);
  }

  static ModelDetails details(JsonNode d) {
    if (!d.isObject()) {
      return ModelDetails.NONE;
    }
    List<String> families = new ArrayList<>();
    d.path("families").forEach(f -> families.add(f.asText()));
    return new ModelDetails(d.path("parent_model").asText(""), d.path("format").asText(""), d.path("family").asText(""),
        List.copyOf(families), d.path("parameter_size").asText(""), d.path("quantization_level").asText(""));
  }

  /** An RFC 3339 time as Ollama writes it (UTC or with its local offset); empty when absent or unreadable. */
  static Optional<Instant> time(JsonNode value) {
    if (!value.isTextual() || value.asText().isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(OffsetDateTime.parse(value.asText()).toInstant());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Ollama's {"error": "..."} text, else the body as it is. */
  static String errorText(String body) {
    try {
      JsonNode json = MAPPER.readTree(body);
      return json == null ? body : json.path("error").asText(body);
    } catch (JsonProcessingException notJson) {
      return body;
    }
  }

  private static long first(JsonNode n) {
    return n.isArray() ? (n.isEmpty() ? 0 : n.get(0).asLong(0)) : n.asLong(0);
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() ? Optional.of(value.asText()) : Optional.empty();
  }
}
