package dev.turboagents.actors.inference.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** What the stand-in answers to a chat or generate request. */
@FunctionalInterface
public interface Script {

  /** A request as the stand-in received it: {@code kind} is "chat" or "generate". */
  record Request(String model, String kind, JsonNode body) {}

  /** The answer: text split into tokens, or tool calls ({@code {"function":{"name","arguments"}}} objects). */
  record Answer(List<String> tokens, List<JsonNode> toolCalls) {
    public static Answer text(String text) {
      List<String> tokens = new ArrayList<>();
      for (String word : text.split("(?<= )")) {
        if (!word.isEmpty()) {
          tokens.add(word);
        }
      }
      return new Answer(tokens, List.of());
    }
  }

  Answer answer(Request request);

  /**
   * The default: tools together with a {name enum, arguments} schema give a tool call (as Ollama
   * does with constrained decoding); a schema alone gives a JSON object that follows it; otherwise
   * {@code options.num_predict} tokens of text (16 when not given).
   */
  static Script standard() {
    return request -> {
      JsonNode body = request.body();
      JsonNode format = body.path("format");
      // constrained decoding may take any alternative of an anyOf; the stand-in takes the first
      JsonNode shape = format.path("anyOf").isArray() && !format.path("anyOf").isEmpty() ? format.path("anyOf").get(0) : format;
      if (body.path("tools").isArray() && !body.path("tools").isEmpty() && format.isObject()) {
        JsonNode names = shape.path("properties").path("name").path("enum");
        String name = names.isArray() && !names.isEmpty() ? names.get(0).asText()
            : body.path("tools").get(0).path("function").path("name").asText("tool");
        ObjectNode call = JsonNodeFactory.instance.objectNode();
        ObjectNode function = call.putObject("function");
        function.put("index", 0);
        function.put("name", name);
        function.set("arguments", sample(shape.path("properties").path("arguments")));
        return new Answer(List.of(), List.of(call));
      }
      if (format.isObject()) {
        return Answer.text(sample(format).toString());
      }
      if (format.isTextual()) {
        return Answer.text("{\"answer\": \"ok\"}");
      }
      int count = body.path("options").path("num_predict").asInt(16);
      count = count <= 0 ? 16 : count;
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < count; i++) {
        text.append("tok").append(i).append(' ');
      }
      return Answer.text(text.toString());
    };
  }

  /** A value that follows a JSON schema (types, properties, enums). */
  static JsonNode sample(JsonNode schema) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (schema.path("anyOf").isArray() && !schema.path("anyOf").isEmpty()) {
      return sample(schema.path("anyOf").get(0));
    }
    if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
      return schema.path("enum").get(0);
    }
    String type = schema.path("type").asText(schema.has("properties") ? "object" : "string");
    return switch (type) {
      case "object" -> {
        ObjectNode o = f.objectNode();
        schema.path("properties").fields().forEachRemaining(e -> o.set(e.getKey(), sample(e.getValue())));
        yield o;
      }
      case "array" -> f.arrayNode().add(sample(schema.path("items")));
      case "integer" -> f.numberNode(1);
      case "number" -> f.numberNode(1.5);
      case "boolean" -> f.booleanNode(true);
      default -> f.textNode("text");
    };
  }
}
