package dev.turboagents.http.ollama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.persistence.Eventually;
import io.github.ollama4j.Ollama;
import io.github.ollama4j.models.chat.OllamaChatMessageRole;
import io.github.ollama4j.models.chat.OllamaChatRequest;
import io.github.ollama4j.models.chat.OllamaChatResult;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Ollama-compatible front door over real HTTP, in front of the Ollama stand-in. */
class OllamaRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long GIB = StandInModel.GIB;

  @TempDir
  Path dataDir;

  private OllamaStandIn standIn;
  private FrontDoor door;

  @BeforeEach
  void start() throws Exception {
    standIn = new OllamaStandIn(List.of(
        new StandInModel("chatty:1b", GIB, 16, 8, 64, Duration.ofMillis(300), 100, 0, List.of("completion", "tools")),
        StandInModel.small("embedder:small", GIB / 4, Duration.ofMillis(100))), 64 * GIB, 4, 0.05).start();
    door = new FrontDoor(dataDir, standIn.url(), 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.stall-timeout", "5s"));
  }

  @AfterEach
  void stop() throws Exception {
    door.close();
    standIn.close();
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return JSON.readTree(r.body());
  }

  @Test
  void chatWithoutStreamingAnswersInOllamasShape() throws Exception {
    HttpResponse<String> r = door.post("/api/chat", """
        {"model": "chatty:1b", "stream": false, "messages": [{"role": "user", "content": "hi"}],
         "options": {"num_predict": 5}}""");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode body = json(r);
    assertEquals("chatty:1b", body.path("model").asText());
    assertEquals("assistant", body.path("message").path("role").asText());
    assertEquals("tok0 tok1 tok2 tok3 tok4 ", body.path("message").path("content").asText());
    assertTrue(body.path("done").asBoolean());
    assertEquals(5, body.path("eval_count").asInt());
  }

  @Test
  void generateStreamsNdjsonChunksThenTheFigures() throws Exception {
    HttpResponse<String> r = door.post("/api/generate", """
        {"model": "chatty:1b", "prompt": "count", "options": {"num_predict": 4}}""");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    List<JsonNode> lines = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      lines.add(JSON.readTree(line));
    }
    assertEquals(5, lines.size(), r.body());
    StringBuilder text = new StringBuilder();
    lines.subList(0, 4).forEach(l -> {
      assertFalse(l.path("done").asBoolean());
      text.append(l.path("response").asText());
    });
    assertEquals("tok0 tok1 tok2 tok3 ", text.toString());
    JsonNode last = lines.get(4);
    assertTrue(last.path("done").asBoolean());
    assertEquals("stop", last.path("done_reason").asText());
    assertTrue(last.has("eval_duration"));
  }

  @Test
  void toolCallsAndEmbeddingsComeBackInOllamasShape() throws Exception {
    HttpResponse<String> tools = door.post("/api/chat", """
        {"model": "chatty:1b", "stream": false, "messages": [{"role": "user", "content": "weather in Paris?"}],
         "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}],
         "format": {"type": "object", "properties": {"name": {"enum": ["get_weather"]},
                    "arguments": {"type": "object", "properties": {"city": {"type": "string"}}}}}}""");
    assertEquals(200, tools.statusCode(), tools.body());
    JsonNode call = json(tools).path("message").path("tool_calls").path(0).path("function");
    assertEquals("get_weather", call.path("name").asText(), tools.body());
    assertTrue(call.path("arguments").has("city"), tools.body());

    HttpResponse<String> embed = door.post("/api/embed", """
        {"model": "embedder:small", "input": ["one", "two"]}""");
    assertEquals(200, embed.statusCode(), embed.body());
    assertEquals(2, json(embed).path("embeddings").size());
    assertEquals(384, json(embed).path("embeddings").path(0).size());
  }

  @Test
  void listingsPassOllamasAnswersThrough() throws Exception {
    JsonNode tags = json(door.get("/api/tags"));
    assertEquals(List.of("chatty:1b", "embedder:small"),
        List.of(tags.path("models").path(0).path("name").asText(), tags.path("models").path(1).path("name").asText()));
    assertEquals("0.24.0", json(door.get("/api/version")).path("version").asText());
    HttpResponse<String> show = door.post("/api/show", "{\"model\": \"chatty:1b\"}");
    assertEquals(200, show.statusCode(), show.body());
    assertEquals(16, json(show).path("model_info").path("llama.block_count").asInt());
    door.post("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"stream\": false, \"options\": {\"num_predict\": 1}}");
    JsonNode ps = json(door.get("/api/ps"));
    assertEquals("chatty:1b", ps.path("models").path(0).path("name").asText(), ps.toString());
  }

  @Test
  void anUnknownModelIsA404ThatListsTheModelsThereAre() throws Exception {
    for (String stream : List.of("false", "true")) {
      HttpResponse<String> r = door.post("/api/chat", """
          {"model": "nope:7b", "stream": %s, "messages": [{"role": "user", "content": "hi"}]}""".formatted(stream));
      assertEquals(404, r.statusCode(), r.body());
      JsonNode body = json(r);
      assertTrue(body.path("error").asText().contains("nope:7b"), r.body());
      assertTrue(body.path("detail").asText().contains("chatty:1b, embedder:small"), r.body());
    }
    HttpResponse<String> show = door.post("/api/show", "{\"model\": \"nope:7b\"}");
    assertEquals(404, show.statusCode(), show.body());
  }

  @Test
  void aPromptLargerThanTheLargestContextProfileIsA400GivingBothSizes() throws Exception {
    int requests = standIn.requests();
    for (String stream : List.of("false", "true")) {
      HttpResponse<String> r = door.post("/api/chat", """
          {"model": "chatty:1b", "stream": %s, "messages": [{"role": "user", "content": "%s"}]}"""
          .formatted(stream, "x".repeat(40_000)));
      assertEquals(400, r.statusCode(), r.body());
      String error = json(r).path("error").asText();
      assertTrue(error.contains("the prompt (about 13602 tokens)") && error.contains("(8192 tokens"), r.body());
    }
    assertEquals(requests, standIn.requests(), "never sent, never cut");
  }

  @Test
  void clientsDriftingNumCtxCauseNoReloadAndTheStatusShowsTheLoadedProfile() throws Exception {
    for (String ctx : List.of("1024", "8192", "3000", "65536")) {
      HttpResponse<String> r = door.post("/api/chat", """
          {"model": "chatty:1b", "stream": false, "options": {"num_ctx": %s, "num_predict": 2},
           "messages": [{"role": "user", "content": "hi"}]}""".formatted(ctx));
      assertEquals(200, r.statusCode(), r.body());
    }
    assertEquals(1, standIn.loadsOf("chatty:1b"), "four num_ctx, one load");
    JsonNode resident = json(door.get("/api/v1/inference/status")).path("resident").get(0);
    assertEquals(2048, resident.path("context_profile").asInt(), resident.toString());
  }

  @Test
  void malformedRequestsGetClearJsonErrorsNamingTheField() throws Exception {
    record Case(String path, String body, String[] headers, int status, String mentions) {}
    List<Case> cases = List.of(
        new Case("/api/chat", "{\"model\": \"chatty:1b\", \"messages\": [", new String[0], 400, "not valid JSON"),
        new Case("/api/chat", "", new String[0], 400, "JSON object"),
        new Case("/api/chat", "[1, 2]", new String[0], 400, "JSON object"),
        new Case("/api/chat", "{\"messages\": []}", new String[0], 400, "'model'"),
        new Case("/api/chat", "{\"model\": \"chatty:1b\", \"messages\": \"hi\"}", new String[0], 400, "'messages'"),
        new Case("/api/chat", "{\"model\": \"chatty:1b\", \"messages\": [{\"content\": \"hi\"}]}", new String[0], 400, "messages[0].role"),
        new Case("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": 42}", new String[0], 400, "'prompt'"),
        new Case("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"options\": 3}", new String[0], 400, "'options'"),
        new Case("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"format\": 7}", new String[0], 400, "'format'"),
        new Case("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"stream\": \"yes\"}", new String[0], 400, "'stream'"),
        new Case("/api/embed", "{\"model\": \"embedder:small\"}", new String[0], 400, "'input'"),
        new Case("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\"}",
            new String[] {"X-Turbo-Priority", "urgent"}, 400, "X-Turbo-Priority"),
        new Case("/api/show", "{}", new String[0], 400, "'model'"));
    for (Case c : cases) {
      HttpResponse<String> r = door.post(c.path(), c.body(), c.headers());
      assertEquals(c.status(), r.statusCode(), c + " -> " + r.body());
      JsonNode body = json(r);
      assertTrue(body.has("error") && body.has("detail"), r.body());
      assertTrue((body.path("error").asText() + " " + body.path("detail").asText()).contains(c.mentions()),
          c.body() + " -> " + r.body());
    }
    assertEquals(405, door.get("/api/chat").statusCode());
  }

  @Test
  void thePriorityHeaderReachesTheQueueAndOrdersIt() throws Exception {
    // warm the model, then hold the single slot with a streamed answer that only ends when we hang up
    door.post("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"stream\": false, \"options\": {\"num_predict\": 1}}");
    HttpResponse<java.io.InputStream> blocker = door.client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(door.url + "/api/generate"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"model\": \"chatty:1b\", \"prompt\": \"hold\", \"options\": {\"num_predict\": 100000}}")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertFalse(JSON.readTree(new java.io.BufferedReader(new java.io.InputStreamReader(blocker.body())).readLine())
        .path("done").asBoolean());
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (String p : List.of("background", "agent", "interactive")) {
      all.add(door.postAsync("/api/generate", "{\"model\": \"chatty:1b\", \"prompt\": \"" + p
          + "\", \"stream\": false, \"options\": {\"num_predict\": 2}}", "X-Turbo-Priority", p));
      int queued = all.size();
      Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(queued, door.status().path("queue").size()));
    }
    JsonNode status = door.status();
    assertEquals(1, status.path("queued_per_class").path("interactive").asInt(), status.toString());
    List<String> queue = new ArrayList<>();
    status.path("queue").forEach(q -> queue.add(q.path("priority").asText().toLowerCase()));
    assertEquals(List.of("interactive", "agent", "background"), queue, status.toString());
    assertTrue(status.path("queue").path(0).has("reason"), status.toString());
    blocker.body().close(); // the client hangs up: its place goes to the queue, served one at a time in its order
    for (CompletableFuture<HttpResponse<String>> f : all) {
      assertEquals(200, f.get(60, TimeUnit.SECONDS).statusCode());
    }
    List<String> served = standIn.prompts().stream().filter(p -> List.of("interactive", "agent", "background").contains(p))
        .toList();
    assertEquals(List.of("interactive", "agent", "background"), served, "the order Ollama saw them in");
  }

  @Test
  void whileTheBreakerIsOpenACallIsRefused503WithRetryAfter() throws Exception {
    standIn.stop();
    String chat = """
        {"model": "chatty:1b", "stream": false, "messages": [{"role": "user", "content": "hi"}]}""";
    // the first call finds Ollama gone and opens the breaker; it is refused once it is open, as is the next
    for (HttpResponse<String> r : List.of(door.post("/api/chat", chat), door.post("/api/chat", chat))) {
      assertEquals(503, r.statusCode(), r.body());
      assertTrue(json(r).path("error").asText().contains("breaker is open"), r.body());
      assertTrue(r.headers().firstValue("Retry-After").isPresent(), r.headers().toString());
    }
    assertEquals("DOWN", door.status().path("backend").asText());
  }

  @Test
  void aClassThatSpentItsDailyModelTimeIsRefused429WithRetryAfterAndTheStatusSaysSo() throws Exception {
    door.close();
    door = new FrontDoor(dataDir.resolve("budget"), standIn.url(), 32 * GIB, Map.of(
        "turbo-agents.inference.daily-model-time.background", "100ms"));
    String chat = """
        {"model": "chatty:1b", "stream": false, "messages": [{"role": "user", "content": "hi"}],
         "options": {"num_predict": 60}}""";
    HttpResponse<String> r = door.post("/api/chat", chat, "X-Turbo-Priority", "background");
    for (int served = 0; r.statusCode() == 200 && served < 40; served++) {
      r = door.post("/api/chat", chat, "X-Turbo-Priority", "background");
    }
    assertEquals(429, r.statusCode(), r.body());
    String error = json(r).path("error").asText();
    assertTrue(error.contains("daily model time of the background class is spent") && error.contains("of its 0.1 s")
        && error.contains("resets at"), r.body());
    assertEquals("budget_spent", json(r).path("detail").asText(), r.body());
    long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 86_400, "seconds until midnight UTC: " + retryAfter);
    // a streaming request of the class is refused the same way, before anything is streamed
    HttpResponse<String> streamed = door.post("/api/generate", """
        {"model": "chatty:1b", "prompt": "count"}""", "X-Turbo-Priority", "background");
    assertEquals(429, streamed.statusCode(), streamed.body());
    assertEquals(200, door.post("/api/chat", chat).statusCode(), "interactive work is not limited");
    JsonNode background = null;
    for (JsonNode t : door.status().path("model_time")) {
      if (t.path("priority").asText().equals("background")) {
        background = t;
      }
    }
    assertTrue(background != null && background.path("spent").asBoolean()
        && background.path("spent_seconds").asDouble() >= 0.1 && background.path("budget_seconds").asDouble() == 0.1
        && background.path("resets_at").asText().endsWith("T00:00:00Z"), door.status().toString());
    JsonNode interactive = door.status().path("model_time").path(0);
    assertTrue(interactive.path("budget_seconds").isNull() && !interactive.path("spent").asBoolean()
        && interactive.path("spent_seconds").asDouble() > 0, interactive.toString());
  }

  @Test
  void anAnswerThatStopsProducingIs504WithTheReasonAndHealthSaysSo() throws Exception {
    String chat = """
        {"model": "chatty:1b", "stream": false, "messages": [{"role": "user", "content": "hi"}],
         "options": {"num_predict": 20}}""";
    assertEquals(200, door.post("/api/chat", chat).statusCode());
    standIn.hang(OllamaStandIn.Hang.SILENT);
    HttpResponse<String> hung = door.post("/api/chat", chat);
    assertEquals(504, hung.statusCode(), hung.body());
    assertTrue(json(hung).path("error").asText().contains("chatty:1b produced no token for 5 s"), hung.body());
    assertTrue(door.status().path("watchdog").asText().contains("produced no token"), door.status().toString());
    standIn.hang(OllamaStandIn.Hang.NONE);
    assertEquals(200, door.post("/api/chat", chat).statusCode());
    assertEquals(2, standIn.loadsOf("chatty:1b"), "unloaded by the watchdog, loaded again for the next call");
  }

  /** What the door says of one request. */
  private JsonNode request(String id) {
    try {
      return JSON.readTree(door.get("/api/v1/inference/requests/" + id).body());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String chat(int tokens) {
    return "{\"model\": \"chatty:1b\", \"stream\": false, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
        + " \"options\": {\"num_predict\": " + tokens + "}}";
  }

  @Test
  void everyResponseCarriesItsRequestIdAndTheDoorSaysWhereARequestStands() throws Exception {
    HttpResponse<String> bad = door.post("/api/chat", "{\"model\": 5}");
    assertEquals(400, bad.statusCode());
    assertTrue(bad.headers().firstValue("X-Turbo-Request-Id").orElse("").length() > 8, bad.headers().toString());
    assertEquals(404, door.get("/api/v1/inference/requests/never-sent").statusCode());

    assertEquals(200, door.post("/api/chat", chat(2)).statusCode()); // loaded: the waits below are behind a call, not a load
    standIn.hang(OllamaStandIn.Hang.SILENT); // the first call holds the one slot until the hang is lifted
    CompletableFuture<HttpResponse<String>> first = door.postAsync("/api/chat", chat(2), "X-Turbo-Request-Id", "first");
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals("running",
        request("first").path("state").asText()));
    CompletableFuture<HttpResponse<String>> second = door.postAsync("/api/chat", chat(2), "X-Turbo-Request-Id", "second");
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals("waiting", request("second").path("state").asText()));
    CompletableFuture<HttpResponse<String>> third = door.postAsync("/api/chat", chat(2), "X-Turbo-Request-Id", "third");
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      JsonNode waiting = request("third");
      assertEquals("waiting", waiting.path("state").asText(), waiting.toString());
      assertEquals(2, waiting.path("position").asInt(), waiting.toString());
      assertTrue(waiting.path("reason").asText().startsWith("behind 1 interactive request"), waiting.toString());
      assertTrue(waiting.path("estimated_start_millis").isIntegralNumber(), waiting.toString());
    });
    CompletableFuture<HttpResponse<String>> events = door.client.sendAsync(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create(door.url + "/api/v1/inference/requests/third/events")).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    Thread.sleep(300); // the stream's first event: still waiting
    standIn.hang(OllamaStandIn.Hang.NONE);
    for (var r : List.of(first, second)) {
      r.get(30, TimeUnit.SECONDS); // 200, or 504 if the watchdog caught the hang first on a slow machine
    }
    assertEquals(200, third.get(30, TimeUnit.SECONDS).statusCode(), third.get().body());
    assertEquals("third", third.get().headers().firstValue("X-Turbo-Request-Id").orElse(""));
    String stream = events.get(30, TimeUnit.SECONDS).body();
    List<String> names = stream.lines().filter(l -> l.startsWith("event:")).map(l -> l.substring(6).strip()).toList();
    assertEquals("waiting", names.getFirst(), stream);
    assertTrue(List.of("running", "done").contains(names.getLast()), "the stream ends once the request starts: " + stream);
    JsonNode done = json(door.get("/api/v1/inference/requests/third"));
    assertEquals("done", done.path("state").asText(), done.toString());
    assertEquals("completed", done.path("outcome").asText(), done.toString());
    assertTrue(done.path("waited_millis").asLong() > 0 && done.path("ran_millis").isIntegralNumber(), done.toString());
  }

  @Test
  void theStatusShowsResidentModelsAndFigures() throws Exception {
    door.post("/api/chat", """
        {"model": "chatty:1b", "messages": [{"role": "user", "content": "hi"}], "options": {"num_predict": 3}}""");
    JsonNode status = json(door.get("/api/v1/inference/status"));
    assertEquals("UP", status.path("backend").asText());
    assertEquals(32 * GIB, status.path("budget_bytes").asLong());
    assertEquals("chatty:1b", status.path("resident").path(0).path("model").asText(), status.toString());
    assertTrue(status.path("used_bytes").asLong() > GIB, status.toString());
    assertEquals(1, status.path("loads").asInt());
    assertTrue(status.path("avg_time_to_first_token_millis").isNumber(), status.toString());
    assertTrue(status.path("tokens_per_second").isNumber(), status.toString());
  }

  @Test
  void ollama4jTalksToTheFrontDoorAsToOllama() throws Exception {
    Ollama client = new Ollama(door.url);
    client.setRequestTimeoutSeconds(30);
    assertEquals(List.of("chatty:1b", "embedder:small"), client.listModels().stream().map(m -> m.getName()).toList());
    OllamaChatResult result = client.chat(OllamaChatRequest.builder().withModel("chatty:1b")
        .withMessage(OllamaChatMessageRole.USER, "hello")
        .withOptions(new io.github.ollama4j.utils.OptionsBuilder().setNumPredict(3).build()).build(), null);
    assertEquals("tok0 tok1 tok2 ", result.getResponseModel().getMessage().getResponse());
  }

  @Test
  void aStreamingClientThatGoesAwayFreesItsPlace() throws Exception {
    HttpResponse<java.io.InputStream> r = door.client.send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(door.url + "/api/generate"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"model\": \"chatty:1b\", \"prompt\": \"go on\", \"options\": {\"num_predict\": 100000}}")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body()));
    assertFalse(JSON.readTree(lines.readLine()).path("done").asBoolean());
    assertEquals(1, json(door.get("/api/v1/inference/status")).path("running").size());
    r.body().close(); // the client hangs up mid-answer (100000 tokens would take minutes)
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, door.status().path("running").size(),
        "the abandoned request still runs"));
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, standIn.generating(), "and Ollama stopped generating"));
    // and the door serves the next one at once
    HttpResponse<String> next = door.post("/api/generate",
        "{\"model\": \"chatty:1b\", \"prompt\": \"x\", \"stream\": false, \"options\": {\"num_predict\": 2}}");
    assertEquals(200, next.statusCode(), next.body());
  }
}
