package dev.turboagents.actors.inference.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.BackendException;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.LoadedModel;
import dev.turboagents.actors.inference.ModelDescription;
import dev.turboagents.actors.inference.ModelOption;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.ModelSummary;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The door's types to Ollama's request bodies and Ollama's answers back, as Ollama v0.24 writes them. */
class OllamaWireTest {

  private static JsonNode json(String text) throws Exception {
    return OllamaWire.MAPPER.readTree(text);
  }

  @Test
  void aChatBodyCarriesToolsFormatThinkingAndOptionsInOllamasShape() throws Exception {
    ToolSpec tool = new ToolSpec("get_weather", "Weather for a city", JsonSchema.parse(
        "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}"));
    var chat = new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "hi")), List.of(tool), AnswerFormat.JSON,
        ModelOptions.of(Map.of("num_ctx", 2048, "mirostat", 1)), new Thinking.Effort("high"));
    JsonNode body = OllamaWire.requestBody(chat, Duration.ofMinutes(30), true);
    assertEquals(json("""
        {"model": "m", "messages": [{"role": "user", "content": "hi"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
         "format": "json", "think": "high", "stream": true, "options": {"num_ctx": 2048, "mirostat": 1},
         "keep_alive": 1800}"""), json(body.toString()), "as Ollama reads it");
    var plain = new InferenceCall.Generate("m", "p", Optional.empty(), Optional.empty(), false, List.of(),
        new AnswerFormat.Schema(JsonSchema.parse("{\"type\": \"object\"}")), ModelOptions.NONE, new Thinking.Toggle(false));
    JsonNode generate = OllamaWire.requestBody(plain, Duration.ofSeconds(0), false);
    assertEquals(json("{\"type\": \"object\"}"), generate.get("format"));
    assertFalse(generate.get("think").asBoolean());
    assertEquals(1, generate.get("keep_alive").asInt(), "never 0, which would unload the model");
  }

  @Test
  void toolCallArgumentsAreParsedWhetherAnObjectOrAStringHoldingOne() throws Exception {
    List<ToolCall> calls = OllamaWire.toolCalls(json("""
        [{"id": "call_1", "function": {"index": 0, "name": "get_weather", "arguments": {"city": "Paris"}}},
         {"function": {"name": "get_time", "arguments": "{\\"zone\\": \\"CET\\"}"}},
         {"function": {"name": "ping"}}]"""));
    assertEquals(Optional.of("call_1"), calls.get(0).id());
    assertEquals("Paris", calls.get(0).arguments().get("city").orElseThrow().asText());
    assertEquals("CET", calls.get(1).arguments().get("zone").orElseThrow().asText());
    assertTrue(calls.get(2).arguments().isEmpty());
    BackendException e = assertThrows(BackendException.class,
        () -> OllamaWire.toolCalls(json("[{\"function\": {\"name\": \"x\", \"arguments\": \"not json\"}}]")));
    assertEquals(BackendException.Kind.REJECTED, e.kind());
  }

  @Test
  void theListingsKeepEveryFieldOllamaDocuments() throws Exception {
    List<ModelSummary> tags = OllamaWire.models(json("""
        {"models": [{"name": "smollm2:135m", "model": "smollm2:135m", "modified_at": "2026-12-01T22:40:13.123456+01:00",
          "size": 98364495, "digest": "abc", "details": {"parent_model": "", "format": "gguf", "family": "llama",
          "families": ["llama"], "parameter_size": "134.52M", "quantization_level": "Q4_1"}}]}"""));
    assertEquals(98364495, tags.getFirst().sizeBytes());
    assertEquals(Optional.of(Instant.parse("2026-12-01T21:40:13.123456Z")), tags.getFirst().modifiedAt());
    assertEquals(List.of("llama"), tags.getFirst().details().families());
    List<LoadedModel> ps = OllamaWire.running(json("""
        {"models": [{"name": "smollm2:135m", "model": "smollm2:135m", "size": 190948608, "digest": "abc",
          "details": {"format": "gguf"}, "expires_at": "2026-12-01T23:10:00Z", "size_vram": 0, "context_length": 4096}]}"""));
    assertEquals(Optional.of(4096), ps.getFirst().contextLength());
    assertEquals(Optional.of(Instant.parse("2026-12-01T23:10:00Z")), ps.getFirst().expiresAt());
    assertEquals(0, ps.getFirst().vramBytes());
    ModelDescription show = OllamaWire.description("smollm2:135m", json("""
        {"license": "Apache 2.0", "modelfile": "FROM x", "parameters": "num_predict 256", "template": "{{ .Prompt }}",
         "details": {"family": "llama"}, "capabilities": ["completion", "tools"],
         "model_info": {"general.architecture": "llama", "llama.block_count": 30, "llama.attention.head_count": 9,
                        "llama.attention.head_count_kv": 3, "llama.embedding_length": 576, "llama.context_length": 8192}}"""));
    assertEquals(Optional.of(30L * 3 * (64 + 64) * 2), show.kvBytesPerToken(), "key length = embedding / heads");
    assertEquals(Optional.of(8192), show.contextLength());
    assertEquals("Apache 2.0", show.license());
    assertEquals(List.of("completion", "tools"), show.capabilities());
    assertEquals(576, show.modelInfo().get("llama.embedding_length").orElseThrow().asInt());
  }

  @Test
  void aStreamedAnswerBecomesDeltasAndACompletionWithItsFigures() throws Exception {
    var chat = new InferenceCall.Chat("m", List.of(), List.of(), AnswerFormat.TEXT, ModelOptions.NONE,
        Thinking.SERVER_DEFAULT);
    var delta = OllamaWire.delta(json("{\"message\": {\"role\": \"assistant\", \"content\": \"Hi\", \"thinking\": \"hm\"}}"));
    assertEquals("Hi", delta.content());
    assertEquals(Optional.of("hm"), delta.thinking());
    var last = json("""
        {"model": "m", "created_at": "2026-12-01T22:00:00.5Z", "message": {"role": "assistant", "content": ""},
         "done": true, "done_reason": "length", "total_duration": 9, "load_duration": 1, "prompt_eval_count": 3,
         "prompt_eval_duration": 2, "eval_count": 8, "eval_duration": 5}""");
    var c = OllamaWire.completion(chat, last, "Hi there", "", List.of());
    assertEquals("Hi there", c.message().orElseThrow().content());
    assertEquals("length", c.doneReason());
    assertEquals(8, c.timings().evalCount());
    assertEquals(Instant.parse("2026-12-01T22:00:00.5Z"), c.createdAt());
    assertEquals(ModelOption.NUM_CTX, ModelOption.named("num_ctx").orElseThrow());
  }
}
