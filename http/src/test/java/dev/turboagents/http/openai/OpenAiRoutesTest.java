package dev.turboagents.http.openai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The OpenAI-compatible door over real HTTP, in front of the Ollama stand-in. */
class OpenAiRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = StandInModel.GIB;
  private static final String WEATHER = """
      [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}},
       {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
        "properties": {"zone": {"type": "string"}}}}}]""";

  @TempDir
  Path dataDir;

  private OllamaStandIn standIn;
  private OpenAiDoor door;
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    standIn = new OllamaStandIn(List.of(
        new StandInModel("chatty:1b", GIB, 16, 8, 64, Duration.ofMillis(300), 100, 0, List.of("completion", "tools")),
        new StandInModel("plain:1b", GIB, 16, 8, 64, Duration.ofMillis(300), 100, 0, List.of("completion")),
        StandInModel.small("embedder:small", GIB / 4, Duration.ofMillis(100))), 64 * GIB, 4, 0.05).start();
    Script standard = Script.standard();
    standIn.script(request -> {
      received.add(request.body());
      return standard.answer(request);
    });
    door = new OpenAiDoor(dataDir, standIn.url(), 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.http.max-body-size", "64KiB", "turbo-agents.inference.stall-timeout", "3s"));
  }

  @AfterEach
  void stop() throws Exception {
    door.close();
    standIn.close();
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  /** The JSON events of an SSE body; asserts it ends with data: [DONE]. */
  private static List<JsonNode> events(HttpResponse<String> r) throws Exception {
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
    List<String> data = new ArrayList<>();
    for (String block : r.body().split("\n\n")) {
      assertTrue(block.startsWith("data: "), "every event is a data line: " + block);
      data.add(block.substring("data: ".length()));
    }
    assertEquals("[DONE]", data.get(data.size() - 1), r.body());
    List<JsonNode> out = new ArrayList<>();
    for (String d : data.subList(0, data.size() - 1)) {
      out.add(JSON.readTree(d));
    }
    return out;
  }

  /** The stand-in answers a longer text than max_tokens lets through. */
  private void answerLong() {
    standIn.script(request -> {
      received.add(request.body());
      return Script.Answer.text("one two three four five six seven eight nine ten ");
    });
  }

  @Test
  void chatWithoutStreamingAnswersInOpenAisShape() throws Exception {
    answerLong();
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
         "max_tokens": 5, "temperature": 0.2}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode body = json(r);
    assertEquals("chat.completion", body.path("object").asText());
    assertTrue(body.path("id").asText().startsWith("chatcmpl-"), r.body());
    assertEquals("chatty:1b", body.path("model").asText());
    JsonNode choice = body.path("choices").get(0);
    assertEquals("assistant", choice.path("message").path("role").asText());
    assertEquals("one two three four five ", choice.path("message").path("content").asText());
    assertEquals("length", choice.path("finish_reason").asText(), "max_tokens cut the answer: " + r.body());
    assertEquals(5, body.path("usage").path("completion_tokens").asInt());
    JsonNode sent = received.get(received.size() - 1);
    assertEquals(5, sent.path("options").path("num_predict").asInt(), "max_tokens became num_predict: " + sent);
    assertEquals(0.2, sent.path("options").path("temperature").asDouble(), 1e-9, sent.toString());
  }

  @Test
  void chatStreamsServerSentEventsEndingWithDoneAndTheUsageWhenAsked() throws Exception {
    answerLong();
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "stream": true, "stream_options": {"include_usage": true},
         "messages": [{"role": "user", "content": "count"}], "max_completion_tokens": 4}""");
    assertEquals(200, r.statusCode(), r.body());
    List<JsonNode> events = events(r);
    assertEquals("assistant", events.get(0).path("choices").get(0).path("delta").path("role").asText(), r.body());
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (JsonNode e : events) {
      assertEquals("chat.completion.chunk", e.path("object").asText(), e.toString());
      if (e.path("choices").isEmpty()) {
        continue;
      }
      text.append(e.path("choices").get(0).path("delta").path("content").asText(""));
      if (!e.path("choices").get(0).path("finish_reason").isNull()) {
        finish = e.path("choices").get(0).path("finish_reason").asText();
      }
    }
    assertEquals("one two three four ", text.toString());
    assertEquals("length", finish);
    JsonNode last = events.get(events.size() - 1);
    assertTrue(last.path("choices").isEmpty(), "the usage chunk has no choices: " + last);
    assertEquals(4, last.path("usage").path("completion_tokens").asInt(), last.toString());
    assertTrue(events.size() >= 6, "one chunk per token: " + r.body());
  }

  @Test
  void requiredToolChoiceGivesToolCallsWithTheSchemaConstrainedPath() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "weather in Paris?"}],
         "tools": %s, "tool_choice": "required"}""".formatted(WEATHER));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode choice = json(r).path("choices").get(0);
    assertEquals("tool_calls", choice.path("finish_reason").asText(), r.body());
    assertTrue(choice.path("message").path("content").isNull(), r.body());
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertEquals("function", call.path("type").asText());
    assertTrue(call.path("id").asText().startsWith("call_"), r.body());
    assertEquals("get_weather", call.path("function").path("name").asText());
    assertTrue(JSON.readTree(call.path("function").path("arguments").asText()).isObject(), "arguments are JSON text: " + r.body());
    JsonNode sent = received.get(received.size() - 1);
    assertEquals("[\"get_weather\",\"get_time\"]", sent.path("format").path("properties").path("name").path("enum").toString(),
        "the answer was constrained to a call of one of the tools: " + sent);
    assertEquals(2, sent.path("tools").size(), "a model whose template takes tools gets them: " + sent);
  }

  @Test
  void aNamedToolOnAModelWithoutToolsIsReadFromTheConstrainedJson() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "plain:1b", "messages": [{"role": "user", "content": "weather in Paris?"}], "tools": %s,
         "tool_choice": {"type": "function", "function": {"name": "get_weather"}}}""".formatted(WEATHER));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode call = json(r).path("choices").get(0).path("message").path("tool_calls").get(0);
    assertEquals("get_weather", call.path("function").path("name").asText(), r.body());
    assertEquals("{\"city\":\"text\"}", call.path("function").path("arguments").asText(),
        "the arguments follow the named tool's schema: " + r.body());
    JsonNode sent = received.get(received.size() - 1);
    assertTrue(sent.path("tools").isMissingNode() || sent.path("tools").isEmpty(),
        "tools are not sent to a model that refuses them: " + sent);
    assertTrue(sent.path("messages").get(0).path("content").asText().contains("get_weather"),
        "the tools are described in a system message instead: " + sent);
    assertEquals("[\"get_weather\"]", sent.path("format").path("properties").path("name").path("enum").toString());
  }

  @Test
  void autoToolChoiceStreamsTheCallAsOneDelta() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "stream": true, "messages": [{"role": "user", "content": "weather?"}], "tools": %s}"""
        .formatted(WEATHER));
    assertEquals(200, r.statusCode(), r.body());
    List<JsonNode> events = events(r);
    JsonNode calls = events.stream().map(e -> e.path("choices").get(0).path("delta").path("tool_calls"))
        .filter(JsonNode::isArray).findFirst().orElseThrow(() -> new AssertionError("no tool_calls delta: " + r.body()));
    assertEquals(0, calls.get(0).path("index").asInt());
    assertEquals("get_weather", calls.get(0).path("function").path("name").asText());
    assertEquals("tool_calls", events.get(events.size() - 1).path("choices").get(0).path("finish_reason").asText(), r.body());
    JsonNode sent = received.get(received.size() - 1);
    assertEquals(2, sent.path("format").path("anyOf").size(), "auto lets the model answer a call or text: " + sent);
  }

  @Test
  void aToolResultInTheHistoryGoesBackWithTheToolsName() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "max_tokens": 2, "tool_choice": "none", "tools": %s, "messages": [
          {"role": "user", "content": "weather in Paris?"},
          {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]},
          {"role": "tool", "tool_call_id": "call_1", "content": "sunny"}]}""".formatted(WEATHER));
    assertEquals(200, r.statusCode(), r.body());
    JsonNode sent = received.get(received.size() - 1);
    assertTrue(sent.path("tools").isMissingNode() || sent.path("tools").isEmpty(), "tool_choice none sends no tools: " + sent);
    assertEquals("Paris", sent.path("messages").get(1).path("tool_calls").get(0).path("function").path("arguments")
        .path("city").asText(), sent.toString());
    assertEquals("get_weather", sent.path("messages").get(2).path("tool_name").asText(), sent.toString());
  }

  @Test
  void responseFormatJsonSchemaConstrainsTheAnswer() throws Exception {
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "a person"}],
         "response_format": {"type": "json_schema", "json_schema": {"name": "person", "schema": {"type": "object",
           "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]}}}}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode person = JSON.readTree(json(r).path("choices").get(0).path("message").path("content").asText());
    assertTrue(person.path("name").isTextual() && person.path("age").isInt(), r.body());
    assertEquals("object", received.get(received.size() - 1).path("format").path("type").asText());
    HttpResponse<String> any = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "json"}], "response_format": {"type": "json_object"}}""");
    assertEquals(200, any.statusCode(), any.body());
    assertEquals("json", received.get(received.size() - 1).path("format").asText());
    assertTrue(JSON.readTree(json(any).path("choices").get(0).path("message").path("content").asText()).isObject());
  }

  @Test
  void completionsAnswerAsTextCompletionsStreamedOrNot() throws Exception {
    HttpResponse<String> r = door.post("/v1/completions", """
        {"model": "chatty:1b", "prompt": "count", "max_tokens": 3}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode body = json(r);
    assertEquals("text_completion", body.path("object").asText());
    assertEquals("tok0 tok1 tok2 ", body.path("choices").get(0).path("text").asText());
    assertEquals(3, body.path("usage").path("completion_tokens").asInt());
    HttpResponse<String> s = door.post("/v1/completions", """
        {"model": "chatty:1b", "prompt": ["count"], "max_tokens": 3, "stream": true}""");
    assertEquals(200, s.statusCode(), s.body());
    StringBuilder text = new StringBuilder();
    events(s).forEach(e -> text.append(e.path("choices").get(0).path("text").asText()));
    assertEquals("tok0 tok1 tok2 ", text.toString());
  }

  @Test
  void embeddingsOfAStringOrAnArrayAsFloatsOrBase64() throws Exception {
    HttpResponse<String> one = door.post("/v1/embeddings", """
        {"model": "embedder:small", "input": "hello"}""");
    assertEquals(200, one.statusCode(), one.body());
    JsonNode body = json(one);
    assertEquals("list", body.path("object").asText());
    assertEquals(384, body.path("data").get(0).path("embedding").size());
    HttpResponse<String> two = door.post("/v1/embeddings", """
        {"model": "embedder:small", "input": ["hello", "world"], "encoding_format": "base64"}""");
    assertEquals(200, two.statusCode(), two.body());
    JsonNode data = json(two).path("data");
    assertEquals(2, data.size());
    assertEquals(1, data.get(1).path("index").asInt());
    ByteBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(data.get(0).path("embedding").asText()))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(384 * 4, floats.remaining());
    assertEquals(body.path("data").get(0).path("embedding").get(0).asDouble(), floats.getFloat(0), 1e-6,
        "base64 holds the same vector as floats");
  }

  @Test
  void modelsAreListedInOpenAisShapeAndAnUnknownOneIsModelNotFound() throws Exception {
    JsonNode list = json(door.get("/v1/models"));
    assertEquals("list", list.path("object").asText());
    List<String> ids = new ArrayList<>();
    list.path("data").forEach(m -> ids.add(m.path("id").asText()));
    assertTrue(ids.contains("chatty:1b") && ids.contains("embedder:small"), list.toString());
    assertEquals("model", json(door.get("/v1/models/chatty:1b")).path("object").asText());
    for (HttpResponse<String> r : List.of(door.get("/v1/models/nope:1b"), door.post("/v1/chat/completions", """
        {"model": "nope:1b", "messages": [{"role": "user", "content": "hi"}]}"""), door.post("/v1/embeddings", """
        {"model": "nope:1b", "input": "hi"}"""), door.post("/v1/chat/completions", """
        {"model": "nope:1b", "stream": true, "messages": [{"role": "user", "content": "hi"}], "tools": %s}"""
        .formatted(WEATHER)))) {
      assertEquals(404, r.statusCode(), r.body());
      JsonNode error = json(r).path("error");
      assertEquals("model_not_found", error.path("code").asText(), r.body());
      assertEquals("model", error.path("param").asText(), r.body());
      assertEquals("invalid_request_error", error.path("type").asText(), r.body());
      assertTrue(error.path("message").asText().contains("chatty:1b"), "the message lists the models there are: " + r.body());
    }
  }

  @Test
  void aPromptLargerThanTheLargestContextProfileIsContextLengthExceeded() throws Exception {
    int requests = standIn.requests();
    for (String stream : List.of("false", "true")) {
      HttpResponse<String> r = door.post("/v1/chat/completions", """
          {"model": "chatty:1b", "stream": %s, "max_tokens": 1000, "messages": [{"role": "user", "content": "%s"}]}"""
          .formatted(stream, "x".repeat(30_000)));
      assertEquals(400, r.statusCode(), r.body());
      JsonNode error = json(r).path("error");
      assertEquals("context_length_exceeded", error.path("code").asText(), r.body());
      assertEquals("invalid_request_error", error.path("type").asText(), r.body());
      // 30004 characters at 0.34 tokens each (not calibrated yet), against 8192
      assertTrue(error.path("message").asText().contains("the prompt (about 10202 tokens)")
          && error.path("message").asText().contains("(8192 tokens"), r.body());
    }
    assertEquals(requests, standIn.requests(), "never sent, never cut");
  }

  @Test
  void badInputGetsOpenAisErrorNamingTheField() throws Exception {
    Map<String, String> cases = Map.of(
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", "model",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"robot\", \"content\": \"hi\"}]}", "messages[0].role",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": 3}]}", "messages[0].content",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tool_choice\": \"required\"}",
        "tool_choice",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"tools\": " + WEATHER
            + ", \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"nope\"}}}", "tool_choice.function.name",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"response_format\": {\"type\": \"xml\"}}",
        "response_format.type",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"temperature\": \"hot\"}", "temperature",
        "{\"model\": \"chatty:1b\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"n\": 3}", "n");
    for (var c : cases.entrySet()) {
      HttpResponse<String> r = door.post("/v1/chat/completions", c.getKey());
      assertEquals(400, r.statusCode(), c.getKey() + " -> " + r.body());
      JsonNode error = json(r).path("error");
      assertEquals(c.getValue(), error.path("param").asText(), r.body());
      assertEquals("invalid_request_error", error.path("type").asText(), r.body());
      assertTrue(error.path("message").asText().contains(c.getValue()), r.body());
    }
    HttpResponse<String> priority = door.post("/v1/embeddings", "{\"model\": \"embedder:small\", \"input\": \"x\"}",
        "X-Turbo-Priority", "urgent");
    assertEquals(400, priority.statusCode(), priority.body());
    assertEquals("X-Turbo-Priority", json(priority).path("error").path("param").asText());
    HttpResponse<String> malformed = door.post("/v1/completions", "{");
    assertEquals(400, malformed.statusCode());
    assertEquals("invalid_json", json(malformed).path("error").path("code").asText(), malformed.body());
    HttpResponse<String> large = door.post("/v1/embeddings", "{\"model\": \"embedder:small\", \"input\": \""
        + "x".repeat(1_000_000) + "\"}");
    assertEquals(413, large.statusCode(), large.body());
    assertEquals("request_too_large", json(large).path("error").path("code").asText(), large.body());
    HttpResponse<String> nowhere = door.get("/v1/assistants");
    assertEquals(404, nowhere.statusCode());
    assertTrue(json(nowhere).path("error").path("message").asText().contains("/v1/assistants"), nowhere.body());
  }

  @Test
  void aFullQueueAnswers503WithRetryAfterAndThePriorityHeaderIsHonoured() throws Exception {
    door.close();
    door = new OpenAiDoor(dataDir.resolve("busy"), standIn.url(), 32 * GIB, Map.of(
        "turbo-agents.inference.total-concurrency", 1, "turbo-agents.inference.max-queued", 1));
    String slow = """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "long"}], "max_tokens": 60}""";
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(door.postAsync("/v1/chat/completions", slow, "X-Turbo-Priority", "background"));
    }
    List<HttpResponse<String>> answers = calls.stream().map(CompletableFuture::join).toList();
    HttpResponse<String> busy = answers.stream().filter(a -> a.statusCode() == 503).findFirst()
        .orElseThrow(() -> new AssertionError("one of 4 calls with 1 running and 1 queued is refused: "
            + answers.stream().map(HttpResponse::statusCode).toList()));
    assertTrue(busy.headers().firstValue("Retry-After").isPresent(), busy.headers().toString());
    assertEquals("busy", json(busy).path("error").path("code").asText(), busy.body());
    assertEquals("server_error", json(busy).path("error").path("type").asText(), busy.body());
    assertFalse(answers.stream().allMatch(a -> a.statusCode() == 503), "the others are served");
  }

  @Test
  void aClassThatSpentItsDailyModelTimeIsRefused429InOpenAisShape() throws Exception {
    door.close();
    door = new OpenAiDoor(dataDir.resolve("budget"), standIn.url(), 32 * GIB, Map.of(
        "turbo-agents.inference.daily-model-time.agent", "100ms"));
    String chat = """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 60}""";
    HttpResponse<String> r = door.post("/v1/chat/completions", chat, "X-Turbo-Priority", "agent");
    for (int served = 0; r.statusCode() == 200 && served < 40; served++) {
      r = door.post("/v1/chat/completions", chat, "X-Turbo-Priority", "agent");
    }
    assertEquals(429, r.statusCode(), r.body());
    JsonNode error = json(r).path("error");
    assertEquals("rate_limit_error", error.path("type").asText(), r.body());
    assertEquals("daily_model_time_spent", error.path("code").asText(), r.body());
    assertTrue(error.path("message").asText().contains("daily model time of the agent class is spent"), r.body());
    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "seconds until midnight UTC: " + retryAfter);
    HttpResponse<String> streamed = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "stream": true, "messages": [{"role": "user", "content": "hi"}]}""",
        "X-Turbo-Priority", "agent");
    assertEquals(429, streamed.statusCode(), streamed.body());
    assertEquals(200, door.post("/v1/chat/completions", chat, "X-Turbo-Priority", "background").statusCode(),
        "another class still has its time");
  }

  @Test
  void whileTheBreakerIsOpenACallIsRefused503WithRetryAfterInOpenAisShape() throws Exception {
    standIn.stop();
    String chat = """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "hi"}]}""";
    for (HttpResponse<String> r : List.of(door.post("/v1/chat/completions", chat), door.post("/v1/chat/completions", chat))) {
      assertEquals(503, r.statusCode(), r.body());
      JsonNode error = json(r).path("error");
      assertEquals("model_server_unavailable", error.path("code").asText(), r.body());
      assertTrue(error.path("message").asText().contains("breaker is open"), r.body());
      assertTrue(r.headers().firstValue("Retry-After").isPresent(), r.headers().toString());
    }
  }

  @Test
  void aStreamThatStopsProducingEndsWithTheWatchdogsError() throws Exception {
    standIn.hang(OllamaStandIn.Hang.MID_STREAM);
    HttpResponse<String> r = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "stream": true, "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]}""");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.body().contains("\"code\":\"stalled\"") && r.body().contains("produced no token for 3 s"), r.body());
    standIn.hang(OllamaStandIn.Hang.SILENT);
    HttpResponse<String> whole = door.post("/v1/chat/completions", """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "hi"}]}""");
    assertEquals(504, whole.statusCode(), whole.body());
    assertEquals("model_stalled", json(whole).path("error").path("code").asText(), whole.body());
  }
}
