package dev.turboagents.http.openai;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.ModelSummary;
import dev.turboagents.actors.inference.Timings;
import dev.turboagents.actors.inference.ToolCall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The door's answers in OpenAI's shapes: {@code chat.completion} and its {@code chat.completion.chunk}s,
 * {@code text_completion}, the embeddings {@code list}, the {@code model} list, and OpenAI's error
 * object {@code {"error": {"message", "type", "param", "code"}}}.
 */
final class OpenAiResponses {

  private OpenAiResponses() {}

  /** A whole chat answer. */
  static ObjectNode chat(String id, String model, long created, ToolPlan.Answer answer, Optional<String> reasoning,
      Completion c) {
    ObjectNode root = head(id, "chat.completion", model, created);
    ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    if (answer.toolCalls().isEmpty()) {
      message.put("content", answer.content());
    } else {
      message.putNull("content");
      message.set("tool_calls", toolCalls(answer.toolCalls(), false));
    }
    reasoning.filter(r -> !r.isEmpty()).ifPresent(r -> message.put("reasoning", r));
    choice.put("finish_reason", finishReason(answer, c));
    root.set("usage", usage(c.timings()));
    return root;
  }

  /** A streamed piece of a chat answer: {@code delta} holds role, content or tool calls. */
  static ObjectNode chatChunk(String id, String model, long created, ObjectNode delta, Optional<String> finishReason,
      boolean includeUsage) {
    ObjectNode root = head(id, "chat.completion.chunk", model, created);
    ObjectNode choice = root.putArray("choices").addObject().put("index", 0);
    choice.set("delta", delta);
    finishReason.ifPresentOrElse(r -> choice.put("finish_reason", r), () -> choice.putNull("finish_reason"));
    if (includeUsage) {
      root.putNull("usage");
    }
    return root;
  }

  static ObjectNode delta() {
    return OpenAiRequests.MAPPER.createObjectNode();
  }

  static ObjectNode toolCallsDelta(List<ToolCall> calls) {
    ObjectNode delta = delta();
    delta.set("tool_calls", toolCalls(calls, true));
    return delta;
  }

  /** The chunk after the last choice when {@code stream_options.include_usage} is set: no choices, the counts. */
  static ObjectNode usageChunk(String id, String object, String model, long created, Timings t) {
    ObjectNode root = head(id, object, model, created);
    root.putArray("choices");
    root.set("usage", usage(t));
    return root;
  }

  /** A whole legacy completion. */
  static ObjectNode completion(String id, String model, long created, Completion c) {
    ObjectNode root = head(id, "text_completion", model, created);
    root.putArray("choices").addObject().put("text", c.response()).put("index", 0).putNull("logprobs")
        .put("finish_reason", "length".equals(c.doneReason()) ? "length" : "stop");
    root.set("usage", usage(c.timings()));
    return root;
  }

  /** A streamed piece of a legacy completion. */
  static ObjectNode completionChunk(String id, String model, long created, String text, Optional<String> finishReason,
      boolean includeUsage) {
    ObjectNode root = head(id, "text_completion", model, created);
    ObjectNode choice = root.putArray("choices").addObject().put("text", text).put("index", 0).putNull("logprobs");
    finishReason.ifPresentOrElse(r -> choice.put("finish_reason", r), () -> choice.putNull("finish_reason"));
    if (includeUsage) {
      root.putNull("usage");
    }
    return root;
  }

  /** The embeddings list; a vector as floats, or as base64 of little-endian float32 as OpenAI sends it. */
  static ObjectNode embeddings(String model, Completion c, boolean base64) {
    ObjectNode root = OpenAiRequests.MAPPER.createObjectNode().put("object", "list");
    ArrayNode data = root.putArray("data");
    int index = 0;
    for (List<Double> vector : c.embeddings()) {
      ObjectNode item = data.addObject().put("object", "embedding");
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.size() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        vector.forEach(v -> bytes.putFloat(v.floatValue()));
        item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        vector.forEach(item.putArray("embedding")::add);
      }
      item.put("index", index++);
    }
    root.put("model", model);
    root.putObject("usage").put("prompt_tokens", c.timings().promptEvalCount())
        .put("total_tokens", c.timings().promptEvalCount());
    return root;
  }

  static ObjectNode models(List<ModelSummary> models) {
    ObjectNode root = OpenAiRequests.MAPPER.createObjectNode().put("object", "list");
    ArrayNode data = root.putArray("data");
    models.forEach(m -> data.add(model(m)));
    return root;
  }

  static ObjectNode model(ModelSummary m) {
    return OpenAiRequests.MAPPER.createObjectNode().put("id", m.name()).put("object", "model")
        .put("created", m.modifiedAt().orElse(Instant.EPOCH).getEpochSecond()).put("owned_by", "library");
  }

  /** OpenAI's error object. */
  static ObjectNode error(String message, String type, Optional<String> param, Optional<String> code) {
    ObjectNode root = OpenAiRequests.MAPPER.createObjectNode();
    ObjectNode error = root.putObject("error").put("message", message).put("type", type);
    param.ifPresentOrElse(p -> error.put("param", p), () -> error.putNull("param"));
    code.ifPresentOrElse(c -> error.put("code", c), () -> error.putNull("code"));
    return root;
  }

  static String finishReason(ToolPlan.Answer answer, Completion c) {
    if (!answer.toolCalls().isEmpty()) {
      return "tool_calls";
    }
    return "length".equals(c.doneReason()) ? "length" : "stop";
  }

  private static ObjectNode head(String id, String object, String model, long created) {
    return OpenAiRequests.MAPPER.createObjectNode().put("id", id).put("object", object).put("created", created)
        .put("model", model).put("system_fingerprint", "fp_turbo_agents");
  }

  private static ArrayNode toolCalls(List<ToolCall> calls, boolean indexed) {
    ArrayNode array = OpenAiRequests.MAPPER.createArrayNode();
    int index = 0;
    for (ToolCall call : calls) {
      ObjectNode c = array.addObject();
      if (indexed) {
        c.put("index", index++);
      }
      c.put("id", call.id().orElseGet(ToolPlan::newId)).put("type", "function");
      c.putObject("function").put("name", call.name()).put("arguments", call.arguments().json());
    }
    return array;
  }

  private static ObjectNode usage(Timings t) {
    return OpenAiRequests.MAPPER.createObjectNode().put("prompt_tokens", t.promptEvalCount())
        .put("completion_tokens", t.evalCount()).put("total_tokens", t.promptEvalCount() + t.evalCount());
  }
}
