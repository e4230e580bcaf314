package dev.turboagents.http.ollama;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.LoadedModel;
import dev.turboagents.actors.inference.ModelDescription;
import dev.turboagents.actors.inference.ModelDetails;
import dev.turboagents.actors.inference.ModelSummary;
import dev.turboagents.actors.inference.Timings;
import dev.turboagents.actors.inference.ToolCall;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The door's answers in Ollama's response shapes: streamed chunks and the final line with its
 * figures, whole answers, embeddings, the listings (/api/tags, /api/ps, /api/show, /api/version)
 * with every field Ollama documents, and its {@code {"error": ...}} line.
 */
final class OllamaResponses {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private OllamaResponses() {}

  /** A streamed piece of an answer. */
  static ObjectNode chunk(InferenceCall call, Delta delta) {
    ObjectNode node = MAPPER.createObjectNode().put("model", call.model()).put("created_at", Instant.now().toString());
    if (call instanceof InferenceCall.Chat) {
      node.set("message", message("assistant", delta.content(), delta.thinking(), delta.toolCalls()));
    } else {
      node.put("response", delta.content());
      delta.thinking().ifPresent(t -> node.put("thinking", t));
    }
    return node.put("done", false);
  }

  /**
   * The final answer. Streamed ({@code streamed}), the text already went out in chunks and the last
   * line carries an empty message plus the figures, as Ollama does.
   */
  static ObjectNode done(InferenceCall call, Completion c, boolean streamed) {
    ObjectNode node = MAPPER.createObjectNode().put("model", c.model());
    Timings t = c.timings();
    if (call instanceof InferenceCall.Embed) {
      ArrayNode vectors = node.putArray("embeddings");
      c.embeddings().forEach(v -> v.forEach(vectors.addArray()::add));
      return node.put("total_duration", t.totalNanos()).put("load_duration", t.loadNanos())
          .put("prompt_eval_count", t.promptEvalCount());
    }
    node.put("created_at", c.createdAt().toString());
    if (call instanceof InferenceCall.Chat) {
      ChatMessage m = c.message().orElse(ChatMessage.of("assistant", ""));
      node.set("message", streamed ? message("assistant", "", Optional.empty(), List.of())
          : message(m.role(), m.content(), m.thinking(), m.toolCalls()));
    } else {
      node.put("response", streamed ? "" : c.response());
    }
    return node.put("done", true).put("done_reason", c.doneReason()).put("total_duration", t.totalNanos())
        .put("load_duration", t.loadNanos()).put("prompt_eval_count", t.promptEvalCount())
        .put("prompt_eval_duration", t.promptEvalNanos()).put("eval_count", t.evalCount())
        .put("eval_duration", t.evalNanos());
  }

  /** /api/tags. */
  static ObjectNode models(List<ModelSummary> models) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode array = root.putArray("models");
    for (ModelSummary m : models) {
      ObjectNode node = array.addObject().put("name", m.name()).put("model", m.model());
      m.modifiedAt().ifPresent(at -> node.put("modified_at", at.toString()));
      node.put("size", m.sizeBytes()).put("digest", m.digest()).set("details", details(m.details()));
    }
    return root;
  }

  /** /api/ps. */
  static ObjectNode running(List<LoadedModel> models) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode array = root.putArray("models");
    for (LoadedModel m : models) {
      ObjectNode node = array.addObject().put("name", m.name()).put("model", m.model()).put("size", m.sizeBytes())
          .put("digest", m.digest());
      node.set("details", details(m.details()));
      m.expiresAt().ifPresent(at -> node.put("expires_at", at.toString()));
      node.put("size_vram", m.vramBytes());
      m.contextLength().ifPresent(n -> node.put("context_length", n));
    }
    return root;
  }

  /** /api/show; empty texts are left out, as Ollama does. */
  static ObjectNode shown(ModelDescription d) {
    ObjectNode node = MAPPER.createObjectNode();
    putIfAny(node, "license", d.license());
    putIfAny(node, "modelfile", d.modelfile());
    putIfAny(node, "parameters", d.parameters());
    putIfAny(node, "template", d.template());
    d.system().ifPresent(s -> node.put("system", s));
    node.set("details", details(d.details()));
    node.set("model_info", d.modelInfo().tree());
    ArrayNode capabilities = node.putArray("capabilities");
    d.capabilities().forEach(capabilities::add);
    d.modifiedAt().ifPresent(at -> node.put("modified_at", at.toString()));
    return node;
  }

  static ObjectNode version(String version) {
    return MAPPER.createObjectNode().put("version", version);
  }

  /** Ollama's error line. */
  static ObjectNode error(String message) {
    return MAPPER.createObjectNode().put("error", message);
  }

  private static ObjectNode message(String role, String content, Optional<String> thinking, List<ToolCall> toolCalls) {
    ObjectNode node = MAPPER.createObjectNode().put("role", role).put("content", content);
    thinking.ifPresent(t -> node.put("thinking", t));
    if (!toolCalls.isEmpty()) {
      ArrayNode calls = node.putArray("tool_calls");
      for (ToolCall call : toolCalls) {
        ObjectNode c = calls.addObject();
        call.id().ifPresent(id -> c.put("id", id));
        c.putObject("function").put("name", call.name()).set("arguments", call.arguments().tree());
      }
    }
    return node;
  }

  private static ObjectNode details(ModelDetails d) {
    ObjectNode node = MAPPER.createObjectNode().put("parent_model", d.parentModel()).put("format", d.format())
        .put("family", d.family());
    if (d.families().isEmpty()) {
      node.putNull("families");
    } else {
      ArrayNode families = node.putArray("families");
      d.families().forEach(families::add);
    }
    return node.put("parameter_size", d.parameterSize()).put("quantization_level", d.quantizationLevel());
  }

  private static void putIfAny(ObjectNode node, String field, String value) {
    if (!value.isEmpty()) {
      node.put(field, value);
    }
  }
}
