package dev.turboagents.http.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * How a chat request with tools becomes a call small local models answer reliably. Small models
 * rarely emit a native tool call on their own, so whenever the model may or must call a tool the
 * answer is constrained by a JSON schema: {@code {"name": <one of the tools>, "arguments": {...}}}
 * (for {@code tool_choice: "auto"} also {@code {"content": "<text>"}} as an alternative). A model
 * whose template knows tools (capability {@code tools}) gets the tools too, so its server parses the
 * call; one that does not (Ollama refuses tools for it) gets them described in a system message, and
 * the door reads the call from the constrained JSON. Either way the client gets OpenAI tool_calls.
 *
 * @param choice what the client allowed
 * @param names the tools the model may call under that choice
 */
record ToolPlan(InferenceCall.Chat call, ToolChoice choice, List<String> names) {

  /** What the model answered, read back: text, or tool calls. */
  record Answer(String content, List<ToolCall> toolCalls) {}

  /** Plans {@code request}; {@code nativeTools}: the model's template takes tools. */
  static ToolPlan of(OpenAiRequests.ChatRequest request, boolean nativeTools) {
    if (request.tools().isEmpty() || request.choice() instanceof ToolChoice.None) {
      return new ToolPlan(new InferenceCall.Chat(request.model(), request.messages(), List.of(), request.format(),
          request.options(), request.think()), new ToolChoice.None(), List.of());
    }
    List<ToolSpec> allowed = request.choice() instanceof ToolChoice.Named named
        ? request.tools().stream().filter(t -> t.name().equals(named.name())).toList() : request.tools();
    ObjectNode call = callSchema(allowed);
    ObjectNode schema = call;
    if (request.choice() instanceof ToolChoice.Auto) {
      schema = OpenAiRequests.MAPPER.createObjectNode();
      ArrayNode any = schema.putArray("anyOf");
      any.add(call);
      ObjectNode text = any.addObject().put("type", "object");
      text.putObject("properties").putObject("content").put("type", "string");
      text.putArray("required").add("content");
    }
    List<ChatMessage> messages = nativeTools ? request.messages() : withToolsDescribed(request.messages(), allowed);
    InferenceCall.Chat chat = new InferenceCall.Chat(request.model(), messages, nativeTools ? allowed : List.of(),
        new AnswerFormat.Schema(JsonSchema.of(schema)), request.options(), request.think());
    return new ToolPlan(chat, request.choice(), allowed.stream().map(ToolSpec::name).toList());
  }

  /** Reads what the model answered: the server's tool calls, or the constrained JSON. */
  Answer read(ChatMessage message) {
    if (choice instanceof ToolChoice.None) {
      return new Answer(message.content(), message.toolCalls().stream().map(ToolPlan::withId).toList());
    }
    if (!message.toolCalls().isEmpty()) {
      return new Answer("", message.toolCalls().stream().map(ToolPlan::withId).toList());
    }
    Optional<JsonNode> json = parse(message.content());
    if (json.isPresent() && json.get().path("name").isTextual() && names.contains(json.get().path("name").asText())) {
      JsonNode arguments = json.get().path("arguments");
      return new Answer("", List.of(new ToolCall(Optional.of(newId()), json.get().path("name").asText(),
          arguments.isObject() ? JsonObject.of(arguments) : JsonObject.EMPTY)));
    }
    if (json.isPresent() && json.get().path("content").isTextual()) {
      return new Answer(json.get().path("content").asText(), List.of());
    }
    return new Answer(message.content(), List.of());
  }

  /** Whether the answer streams as text as it comes (no tools to read from the whole answer). */
  boolean streamsText() {
    return choice instanceof ToolChoice.None;
  }

  private static ObjectNode callSchema(List<ToolSpec> tools) {
    ObjectNode schema = OpenAiRequests.MAPPER.createObjectNode().put("type", "object");
    ObjectNode properties = schema.putObject("properties");
    ArrayNode names = properties.putObject("name").put("type", "string").putArray("enum");
    tools.forEach(t -> names.add(t.name()));
    ObjectNode arguments = tools.size() == 1 && !tools.get(0).parameters().isEmpty()
        ? tools.get(0).parameters().definition().tree() : OpenAiRequests.MAPPER.createObjectNode().put("type", "object");
    properties.set("arguments", arguments);
    schema.putArray("required").add("name").add("arguments");
    return schema;
  }

  private static List<ChatMessage> withToolsDescribed(List<ChatMessage> messages, List<ToolSpec> tools) {
    StringBuilder text = new StringBuilder("You can call these tools. To call one, answer with a JSON object"
        + " {\"name\": <tool name>, \"arguments\": {<arguments>}}.\n");
    for (ToolSpec tool : tools) {
      text.append("- ").append(tool.name());
      if (!tool.description().isEmpty()) {
        text.append(": ").append(tool.description());
      }
      if (!tool.parameters().isEmpty()) {
        text.append(" Arguments (JSON schema): ").append(tool.parameters().definition());
      }
      text.append('\n');
    }
    List<ChatMessage> out = new ArrayList<>();
    out.add(ChatMessage.of("system", text.toString().strip()));
    out.addAll(messages);
    return List.copyOf(out);
  }

  private static Optional<JsonNode> parse(String content) {
    try {
      JsonNode node = OpenAiRequests.MAPPER.readTree(content.strip());
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private static ToolCall withId(ToolCall call) {
    return call.id().isPresent() ? call : new ToolCall(Optional.of(newId()), call.name(), call.arguments());
  }

  static String newId() {
    return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }
}
