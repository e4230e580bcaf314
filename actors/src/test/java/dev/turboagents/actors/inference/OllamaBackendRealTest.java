package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.persistence.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Ollama backend and the inference actor against a REAL Ollama (SmolLM2-135M with tools,
 * Gemma 3 270M with JSON schema only). Every call caps num_predict so a base model cannot ramble.
 */
@Tag("real-ollama")
class OllamaBackendRealTest {
  private static final String SMOL = "smollm2:135m";
  private static final String GEMMA = "gemma3:270m";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static OllamaBackend backend;

  @BeforeAll
  static void connect() {
    backend = new OllamaBackend(RealOllama.url(), StandInSettings.inference(Map.of(
        "turbo-agents.inference.request-timeout", "120s")));
  }

  @AfterAll
  static void close() {
    backend.close();
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(120, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private static JsonNode rawTags() {
    try (var client = java.net.http.HttpClient.newHttpClient()) {
      return JSON.readTree(client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(RealOllama.url() + "/api/tags"))
          .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static BackendException failure(java.util.concurrent.CompletionStage<?> stage) {
    RuntimeException e = assertThrows(RuntimeException.class, () -> await(stage));
    Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return assertInstanceOf(BackendException.class, t);
  }

  private static ObjectNode toolSchema() {
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    props.putObject("name").put("type", "string").putArray("enum").add("get_weather");
    props.putObject("arguments").put("type", "object").putObject("properties").putObject("city").put("type", "string");
    schema.putArray("required").add("name").add("arguments");
    return schema;
  }

  @Test
  void listsShowsAndSizesTheModels() {
    assertFalse(await(backend.version()).isBlank());
    List<ModelSummary> models = await(backend.models());
    List<String> names = models.stream().map(ModelSummary::name).toList();
    assertTrue(names.containsAll(List.of(SMOL, GEMMA)), names.toString());
    ModelSummary smol = models.stream().filter(m -> m.name().equals(SMOL)).findFirst().orElseThrow();
    JsonNode raw = rawTags().path("models");
    JsonNode rawSmol = java.util.stream.StreamSupport.stream(raw.spliterator(), false)
        .filter(m -> m.path("name").asText().equals(SMOL)).findFirst().orElseThrow();
    assertEquals(rawSmol.path("size").asLong(), smol.sizeBytes(), "the size as Ollama's /api/tags says it");
    assertEquals(rawSmol.path("digest").asText(), smol.digest());
    assertTrue(smol.modifiedAt().isPresent(), smol.toString());
    assertEquals("llama", smol.details().family());
    ModelDescription facts = await(backend.show(SMOL));
    // 30 layers x 3 KV heads x (64 + 64) x 2 bytes
    assertEquals(Optional.of(23_040L), facts.kvBytesPerToken());
    assertTrue(facts.capabilities().contains("tools"), facts.capabilities().toString());
    assertEquals("llama", facts.modelInfo().get("general.architecture").orElseThrow().asText());
    assertFalse(facts.template().isBlank());
    assertEquals(BackendException.Kind.UNKNOWN_MODEL, failure(backend.show("no-such-model:1b")).kind());
  }

  @Test
  void loadsStreamsAndUnloadsExplicitly() throws Exception {
    await(backend.load(SMOL, ModelOptions.of(Map.of("num_ctx", 2048)), Duration.ofMinutes(5)));
    List<LoadedModel> running = await(backend.running());
    assertEquals(List.of(SMOL), running.stream().map(LoadedModel::name).toList());
    assertEquals(Optional.of(2048), running.getFirst().contextLength(), "loaded at the context asked for");
    assertTrue(running.getFirst().expiresAt().isPresent() && running.getFirst().sizeBytes() > 0, running.toString());
    List<Delta> deltas = Collections.synchronizedList(new ArrayList<>());
    Completion c = await(backend.call(new InferenceCall.Chat(SMOL, List.of(ChatMessage.of("user", "Say hi")), List.of(),
        AnswerFormat.TEXT, ModelOptions.of(Map.of("num_predict", 8, "num_ctx", 2048)), Thinking.SERVER_DEFAULT),
        Duration.ofMinutes(5), deltas::add).result());
    assertFalse(deltas.isEmpty());
    assertTrue(c.timings().evalCount() > 0 && c.timings().evalCount() <= 8, c.timings().toString());
    assertEquals(String.join("", deltas.stream().map(Delta::content).toList()), c.message().orElseThrow().content());
    await(backend.unload(SMOL, true));
    // the unload waits (bounded) for Ollama to free the memory; give it the rest of a few seconds
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertTrue(await(backend.running()).isEmpty(),
        "smollm2 still loaded after unload"));
  }

  @Test
  void toolsWithASchemaGiveAToolCallAndGemmaRefusesTools() {
    ToolSpec tool = new ToolSpec("get_weather", "Weather for a city", JsonSchema.parse(
        "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}"));
    Completion c = await(backend.call(new InferenceCall.Chat(SMOL, List.of(ChatMessage.of("user", "What is the weather in Paris?")),
        List.of(tool), new AnswerFormat.Schema(JsonSchema.of(toolSchema())),
        ModelOptions.of(Map.of("num_predict", 64, "temperature", 0)), Thinking.SERVER_DEFAULT),
        Duration.ofMinutes(5), d -> { }).result());
    List<ToolCall> calls = c.message().orElseThrow().toolCalls();
    assertEquals(1, calls.size(), c.toString());
    assertEquals("get_weather", calls.get(0).name());
    assertTrue(calls.get(0).arguments().has("city"), "arguments parsed: " + calls.get(0).arguments());

    BackendException refused = failure(backend.call(new InferenceCall.Chat(GEMMA, List.of(ChatMessage.of("user", "hi")),
        List.of(tool), AnswerFormat.TEXT, ModelOptions.of(Map.of("num_predict", 8)), Thinking.SERVER_DEFAULT),
        Duration.ofMinutes(5), d -> { }).result());
    assertEquals(BackendException.Kind.REJECTED, refused.kind());
    assertTrue(refused.getMessage().contains("does not support tools"), refused.getMessage());
  }

  @Test
  void gemmaFollowsAJsonSchema() throws Exception {
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    ObjectNode props = schema.putObject("properties");
    props.putObject("name").put("type", "string");
    props.putObject("age").put("type", "integer");
    schema.putArray("required").add("name").add("age");
    Completion c = await(backend.call(new InferenceCall.Generate(GEMMA, "Describe a person as JSON.", Optional.empty(),
        Optional.empty(), false, List.of(), new AnswerFormat.Schema(JsonSchema.of(schema)),
        ModelOptions.of(Map.of("num_predict", 48, "temperature", 0)), Thinking.SERVER_DEFAULT), Duration.ofMinutes(5),
        d -> { }).result());
    JsonNode answer = JSON.readTree(c.response());
    assertTrue(answer.path("name").isTextual() && answer.path("age").isIntegralNumber(), c.response());
  }

  @Test
  void smolEmbeds() {
    Completion c = await(backend.call(new InferenceCall.Embed(SMOL, List.of("one", "two"), Optional.empty(),
        Optional.empty(), ModelOptions.NONE), Duration.ofMinutes(5), d -> { }).result());
    assertEquals(2, c.embeddings().size());
    assertEquals(576, c.embeddings().get(0).size());
  }

  @Test
  void theInferenceActorServesARealModelAndNamesTheModelsThereAre() {
    ActorTestKit kit = ActorTestKit.create();
    try {
      var door = kit.spawn(InferenceActor.create(StandInSettings.inference(Map.of(
          "turbo-agents.inference.default-options.num_ctx", 2048)), backend, new MemoryBudget(1L << 30, "test")));
      TestProbe<Reply> probe = kit.createTestProbe();
      door.tell(new InferenceActor.Submit("r1", new InferenceCall.Chat(SMOL, List.of(ChatMessage.of("user", "Say hi")),
          List.of(), AnswerFormat.TEXT, ModelOptions.of(Map.of("num_predict", 8)), Thinking.SERVER_DEFAULT),
          Priority.INTERACTIVE, Optional.empty(), Optional.empty(), probe.ref()));
      Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(120));
      assertFalse(done.completion().message().orElseThrow().content().isEmpty());
      door.tell(new InferenceActor.Submit("r2", new InferenceCall.Chat("llama9:404b", List.of(ChatMessage.of("user", "x")),
          List.of(), AnswerFormat.TEXT, ModelOptions.of(Map.of("num_predict", 4)), Thinking.SERVER_DEFAULT),
          Priority.INTERACTIVE, Optional.empty(), Optional.empty(), probe.ref()));
      Failed unknown = probe.expectMessageClass(Failed.class, Duration.ofSeconds(60));
      assertEquals(InferenceActor.Failure.UNKNOWN_MODEL, unknown.failure());
      assertTrue(unknown.availableModels().containsAll(List.of(SMOL, GEMMA)), unknown.toString());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
