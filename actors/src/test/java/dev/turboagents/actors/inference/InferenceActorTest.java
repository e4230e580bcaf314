package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.InferenceActor.Chunk;
import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.persistence.Eventually;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The inference actor with its Ollama backend against the stand-in over loopback HTTP: what only
 * the actor shows (deadlines, cancel, a full queue, streams cut by a restarted Ollama, Ollama down
 * and back, the budget kept for real, typed answers and listings). The order in which it serves
 * work is the policy's and is tested exactly in {@link SwapPolicyTest}.
 */
class InferenceActorTest {
  private static final long GIB = StandInModel.GIB;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ActorTestKit kit = ActorTestKit.create();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterAll
  static void shutdown() {
    kit.shutdownTestKit();
  }

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private static StandInModel model(String name, long bytes, int loadMillis) {
    return new StandInModel(name, bytes, 32, 8, 128, Duration.ofMillis(loadMillis), 50, 0, List.of("completion", "tools"));
  }

  private OllamaStandIn standIn(List<StandInModel> models, long memory) {
    OllamaStandIn s = new OllamaStandIn(models, memory, 8, 0.02).start();
    open.add(s);
    return s;
  }

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, long budget, Map<String, Object> overrides, boolean up) {
    var settings = StandInSettings.inference(overrides);
    OllamaBackend backend = new OllamaBackend(s.url(), settings);
    open.add(backend);
    var door = kit.spawn(InferenceActor.create(settings, backend, new MemoryBudget(budget, "test")));
    if (up) {
      awaitBackend(door, BackendHealth.State.UP);
    }
    return door;
  }

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, long budget, Map<String, Object> overrides) {
    return door(s, budget, overrides, true);
  }

  private static InferenceStatus status(ActorRef<InferenceActor.Command> door) {
    TestProbe<InferenceStatus> probe = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private static void awaitBackend(ActorRef<InferenceActor.Command> door, BackendHealth.State state) {
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(state, status(door).backend()));
  }

  private static void awaitRunning(ActorRef<InferenceActor.Command> door, String requestId) {
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertTrue(status(door).running().stream()
        .anyMatch(r -> r.requestId().equals(requestId)), requestId + " runs"));
  }

  private static InferenceCall chat(String model, int tokens) {
    return new InferenceCall.Chat(model, List.of(ChatMessage.of("user", "hello")), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, tokens), Thinking.SERVER_DEFAULT);
  }

  private static InferenceActor.Submit submit(String id, InferenceCall call, Priority p, ActorRef<Reply> to) {
    return new InferenceActor.Submit(id, call, p, Optional.empty(), Optional.empty(), to);
  }

  @Test
  void theResidentModelsNeverExceedTheBudget() {
    // the stand-in itself could hold everything; only our planner keeps the set inside 6 GiB
    List<StandInModel> models = List.of(model("big", 3 * GIB, 80), model("mid", 2 * GIB, 60), model("small", GIB, 40));
    OllamaStandIn s = standIn(models, 100 * GIB);
    long budget = 6 * GIB;
    var door = door(s, budget, Map.of("turbo-agents.inference.total-concurrency", 2));
    TestProbe<Reply> probe = kit.createTestProbe();
    Random random = new Random(7);
    int n = 30;
    for (int i = 0; i < n; i++) {
      String m = models.get(random.nextInt(3)).name();
      door.tell(submit("r" + i, chat(m, 3), Priority.values()[random.nextInt(3)], probe.ref()));
    }
    for (int i = 0; i < n; i++) {
      probe.expectMessageClass(Completed.class, Duration.ofSeconds(30));
    }
    assertTrue(s.peakResidentBytes() <= budget, "peak " + s.peakResidentBytes() + " > budget " + budget);
    assertTrue(s.loads() >= 3, "every model was loaded at least once");
  }

  private static RequestState request(ActorRef<InferenceActor.Command> door, String requestId) {
    TestProbe<RequestState> probe = kit.createTestProbe();
    door.tell(new InferenceActor.GetRequest(requestId, probe.ref()));
    return probe.receiveMessage();
  }

  /**
   * A door on a stand-in in real time (time scale 1) whose service time of {@code m} is measured by
   * three background calls: no interactive traffic seen yet.
   */
  private ActorRef<InferenceActor.Command> measuredDoor(StandInModel m, Map<String, Object> settings,
      TestProbe<Reply> replies) {
    OllamaStandIn server = new OllamaStandIn(List.of(m), 64 * GIB, 8, 1.0).start();
    open.add(server);
    var door = door(server, 32 * GIB, settings);
    for (int i = 0; i < 3; i++) {
      door.tell(submit("warm" + i, chat(m.name(), 10), Priority.BACKGROUND, replies.ref()));
      replies.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    }
    return door;
  }

  /**
   * A background request's estimated start through the actor: behind one running call on a quiet
   * door it is about that call's rest; behind interactive traffic that keeps the model busy it
   * counts the interactive work still to come, which does overtake it. Real time (time scale 1):
   * 10 tokens at 50 tokens/s hold the model 200 ms, and the traffic brings one such call every
   * 200 ms, so the queue does not empty while it lasts. Only the two forecasts are compared, and
   * the order the requests were served in is checked; no timing is asserted.
   */
  @Test
  void aBackgroundRequestBehindSteadyInteractiveTrafficIsForecastToWaitForIt() throws Exception {
    Map<String, Object> settings = Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.demand-window", "20s");
    StandInModel m = new StandInModel("m", GIB, 32, 8, 128, Duration.ofMillis(20), 50, 0, List.of("completion"));

    // quiet: one call runs while the background request waits
    TestProbe<Reply> quietReplies = kit.createTestProbe();
    var quiet = measuredDoor(m, settings, quietReplies);
    quiet.tell(submit("running", chat("m", 10), Priority.BACKGROUND, quietReplies.ref()));
    awaitRunning(quiet, "running");
    quiet.tell(submit("bg", chat("m", 10), Priority.BACKGROUND, quietReplies.ref()));
    long quietEstimate = assertInstanceOf(RequestState.Waiting.class, request(quiet, "bg")).estimatedStartMillis();

    // busy: one interactive call every 200 ms for 2 s before the background request and 2 s after
    TestProbe<Reply> busyReplies = kit.createTestProbe();
    var busy = measuredDoor(m, settings, busyReplies);
    int before = 10;
    int after = 10;
    for (int i = 0; i < before; i++) {
      busy.tell(submit("i" + i, chat("m", 10), Priority.INTERACTIVE, busyReplies.ref()));
      Thread.sleep(200);
    }
    busy.tell(submit("bg", chat("m", 10), Priority.BACKGROUND, busyReplies.ref()));
    long busyEstimate = assertInstanceOf(RequestState.Waiting.class, request(busy, "bg")).estimatedStartMillis();
    for (int i = before; i < before + after; i++) {
      busy.tell(submit("i" + i, chat("m", 10), Priority.INTERACTIVE, busyReplies.ref()));
      Thread.sleep(200);
    }
    List<String> served = new ArrayList<>();
    for (int i = 0; i < before + after + 1; i++) {
      served.add(busyReplies.expectMessageClass(Completed.class, Duration.ofSeconds(30)).requestId());
    }

    long overtook = served.subList(0, served.indexOf("bg")).stream()
        .filter(id -> id.startsWith("i") && Integer.parseInt(id.substring(1)) >= before).count();
    assertTrue(overtook >= 2, "interactive calls sent after the background request went first: " + served);
    assertTrue(busyEstimate > 3 * Math.max(1, quietEstimate),
        "behind the traffic the forecast counts what is still to come: " + busyEstimate + " ms, against "
            + quietEstimate + " ms behind one running call on a quiet door");
  }

  @Test
  void aModelLargerThanTheBudgetIsServedAloneWithAWarning() {
    OllamaStandIn s = standIn(List.of(model("huge", 10 * GIB, 50), model("small", GIB, 20)), 100 * GIB);
    var door = door(s, 4 * GIB, Map.of());
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("a", chat("small", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    door.tell(submit("b", chat("huge", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    assertEquals(List.of("huge"), s.loadedModels());
    InferenceStatus st = status(door);
    assertTrue(st.warnings().stream().anyMatch(w -> w.contains("huge") && w.contains("alone")), st.warnings().toString());
  }

  @Test
  void aRequestPastItsDeadlineFailsAndACancelledOneLeaves() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("blocker", chat("m", 3000), Priority.INTERACTIVE, probe.ref()));
    door.tell(new InferenceActor.Submit("late", chat("m", 2), Priority.INTERACTIVE, Optional.of(Duration.ofMillis(300)),
        Optional.empty(), probe.ref()));
    door.tell(submit("cancelled", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(new InferenceActor.Cancel("cancelled"));
    Failed cancelled = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals("cancelled", cancelled.requestId());
    assertEquals(Failure.CANCELLED, cancelled.failure());
    Failed late = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals("late", late.requestId());
    assertEquals(Failure.DEADLINE, late.failure());
    door.tell(new InferenceActor.Cancel("blocker"));
    Failed blocker = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.CANCELLED, blocker.failure());
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(0, s.generating(), "the cancelled call was abandoned"));
  }

  @Test
  void aFullQueueRefusesAtOnce() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.max-queued", 2));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("running", chat("m", 300), Priority.INTERACTIVE, probe.ref()));
    awaitRunning(door, "running"); // so the queue holds only what follows
    door.tell(submit("q1", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("q2", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("q3", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    Failed busy = probe.expectMessageClass(Failed.class, Duration.ofSeconds(5));
    assertEquals("q3", busy.requestId());
    assertEquals(Failure.BUSY, busy.failure());
  }

  @Test
  void anUnknownModelIsRefusedWithTheModelsThereAre() {
    OllamaStandIn s = standIn(List.of(model("alpha", GIB, 20), model("beta", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of());
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("x", chat("gamma", 2), Priority.INTERACTIVE, probe.ref()));
    Failed failed = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.UNKNOWN_MODEL, failed.failure());
    assertEquals(List.of("alpha", "beta"), failed.availableModels());
    assertTrue(failed.message().contains("gamma") && failed.message().contains("alpha, beta"), failed.message());
  }

  @Test
  void clientsChangingNumCtxDoNotReloadThePinnedModel() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.models.\"m\".num_ctx", 2048));
    TestProbe<Reply> probe = kit.createTestProbe();
    for (int ctx : new int[] {1024, 8192, 4096}) {
      door.tell(submit("c" + ctx, new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "hi")), List.of(),
          AnswerFormat.TEXT, ModelOptions.of(Map.of("num_ctx", ctx, "num_predict", 2)), Thinking.SERVER_DEFAULT),
          Priority.AGENT, probe.ref()));
      probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    }
    assertEquals(1, s.loadsOf("m"));
  }

  @Test
  void ollamaRestartedMidStreamCutsTheStreamCleanlyAndQueuedWorkCarriesOn() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 2));
    TestProbe<Reply> probe = kit.createTestProbe();
    TestProbe<Chunk> stream = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("streamed", chat("m", 500), Priority.INTERACTIVE, Optional.empty(),
        Optional.of(stream.ref()), probe.ref()));
    stream.expectMessageClass(InferenceActor.Token.class, Duration.ofSeconds(10));
    s.restart();
    door.tell(submit("after", chat("m", 3), Priority.INTERACTIVE, probe.ref()));
    InferenceActor.End end = stream.fishForMessage(Duration.ofSeconds(10), c -> c instanceof InferenceActor.End
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).stream()
        .filter(InferenceActor.End.class::isInstance).map(InferenceActor.End.class::cast).findFirst().orElseThrow();
    Failed cut = assertInstanceOf(Failed.class, end.reply());
    assertEquals(Failure.BROKEN_STREAM, cut.failure());
    Reply first = probe.receiveMessage(Duration.ofSeconds(10));
    Reply second = probe.receiveMessage(Duration.ofSeconds(20));
    List<Reply> both = List.of(first, second);
    assertTrue(both.stream().anyMatch(r -> r instanceof Completed c && c.requestId().equals("after")), both.toString());
  }

  @Test
  void requestsWaitForOllamaToComeBackAndTheStatusSaysItIsDown() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    int port = s.port();
    s.stop();
    var door = door(s, 32 * GIB, Map.of(), false);
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("waits", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    awaitBackend(door, BackendHealth.State.DOWN);
    assertTrue(status(door).queue().getFirst().reason().contains("unreachable"), status(door).queue().toString());
    probe.expectNoMessage(Duration.ofMillis(200));
    s.start(port);
    Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    assertEquals("waits", done.requestId());
  }

  @Test
  void whileTheBreakerIsOpenAFailFastCallIsRefusedAtOnceAndAgentWorkWaits() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    int port = s.port();
    s.stop();
    var door = door(s, 32 * GIB, Map.of(), false);
    TestProbe<Reply> person = kit.createTestProbe();
    TestProbe<Reply> agent = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("person-early", chat("m", 2), Priority.INTERACTIVE, Optional.empty(),
        Optional.empty(), person.ref(), true));
    door.tell(submit("agent", chat("m", 2), Priority.AGENT, agent.ref()));
    awaitBackend(door, BackendHealth.State.DOWN);
    // queued before the breaker opened: refused once it is open, not left waiting minutes
    Failed early = person.expectMessageClass(Failed.class, Duration.ofSeconds(5));
    assertEquals(Failure.UNAVAILABLE, early.failure());
    door.tell(new InferenceActor.Submit("person", chat("m", 2), Priority.INTERACTIVE, Optional.empty(),
        Optional.empty(), person.ref(), true));
    Failed refused = person.expectMessageClass(Failed.class, Duration.ofSeconds(1));
    assertEquals(Failure.UNAVAILABLE, refused.failure());
    assertTrue(refused.message().contains("breaker is open") && refused.message().contains("retry in"), refused.message());
    agent.expectNoMessage(Duration.ofMillis(300));
    s.start(port);
    assertEquals("agent", agent.expectMessageClass(Completed.class, Duration.ofSeconds(20)).requestId());
  }

  @Test
  void anAnswerThatStopsProducingFailsAndItsModelIsUnloadedThenLoadedAgain() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.stall-timeout", "1s"));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("warm", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    s.hang(OllamaStandIn.Hang.MID_STREAM);
    TestProbe<Chunk> stream = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("hung", chat("m", 50), Priority.INTERACTIVE, Optional.empty(),
        Optional.of(stream.ref()), probe.ref()));
    Failed stalled = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.STALLED, stalled.failure());
    assertTrue(stalled.message().contains("no token for 1 s"), stalled.message());
    assertTrue(status(door).watchdogAlarm().orElseThrow().contains("m produced no token"), status(door).toString());
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertTrue(s.loadedModels().isEmpty(), "unloaded: " + s.loadedModels()));
    s.hang(OllamaStandIn.Hang.NONE);
    door.tell(submit("after", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    assertEquals("after", probe.expectMessageClass(Completed.class, Duration.ofSeconds(10)).requestId());
    assertEquals(2, s.loadsOf("m"), "loaded again after the stall");
  }

  @Test
  void aLongPromptReadSlowlyIsNotTakenForAStallButASilentServerStillIs() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    s.promptRate(10); // 500 prompt tokens a second at the test's time scale: 2 ms a token
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.stall-timeout", "1s"));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("short", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    // about 1,000 prompt tokens: 2 s before the first token, twice the stall timeout
    InferenceCall longPrompt = new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "word ".repeat(800))),
        List.of(), AnswerFormat.TEXT, ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 2), Thinking.SERVER_DEFAULT);
    door.tell(submit("long", longPrompt, Priority.INTERACTIVE, probe.ref()));
    Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(20));
    assertTrue(reply instanceof Completed, "a prompt being read is no stall: " + reply);
    assertTrue(status(door).watchdogAlarm().isEmpty(), status(door).toString());
    s.hang(OllamaStandIn.Hang.SILENT);
    door.tell(submit("silent", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    Failed stalled = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.STALLED, stalled.failure());
    assertTrue(stalled.message().contains("allowed for reading its prompt"), stalled.message());
  }

  @ParameterizedTest(name = "load-with-first-call = {0}")
  @ValueSource(booleans = {false, true})
  void aLoadThatNeverEndsFailsItsRequestsAndIsTriedAgainOnTheNextOne(boolean loadWithFirstCall) {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.load-timeout", "1s",
        "turbo-agents.inference.load-with-first-call", loadWithFirstCall));
    s.hang(OllamaStandIn.Hang.LOAD);
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("waits-for-load", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    Failed stalled = probe.expectMessageClass(Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.STALLED, stalled.failure());
    assertTrue(stalled.message().contains("loading m did not finish within 1 s"), stalled.message());
    assertTrue(status(door).watchdogAlarm().isPresent());
    s.hang(OllamaStandIn.Hang.NONE);
    door.tell(submit("after", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    assertEquals("after", probe.expectMessageClass(Completed.class, Duration.ofSeconds(10)).requestId());
  }

  @Test
  void structuredOutputAndToolCallsComeBackTyped() throws Exception {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of());
    TestProbe<Reply> probe = kit.createTestProbe();
    ObjectNode schema = JSON.createObjectNode().put("type", "object");
    schema.putObject("properties").putObject("name").putArray("enum").add("get_weather");
    ((ObjectNode) schema.get("properties")).putObject("arguments").put("type", "object")
        .putObject("properties").putObject("city").put("type", "string");
    ToolSpec weather = new ToolSpec("get_weather", "weather", JsonSchema.parse(
        "{\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}"));
    door.tell(submit("tools", new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "weather in Paris?")),
        List.of(weather), new AnswerFormat.Schema(JsonSchema.of(schema)), ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 32),
        Thinking.SERVER_DEFAULT), Priority.AGENT, probe.ref()));
    Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    ToolCall call = done.completion().message().orElseThrow().toolCalls().get(0);
    assertEquals("get_weather", call.name());
    assertEquals("text", call.arguments().get("city").orElseThrow().asText(), call.arguments().toString());
    // what reached Ollama: the tool in Ollama's shape, the schema as format
    assertTrue(s.prompts().contains("weather in Paris?"), s.prompts().toString());
  }

  @Test
  void listingsHaveTheirOwnTypedAnswers() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.models.\"m\".num_ctx", 2048));
    TestProbe<ModelListings.ModelsReply> models = kit.createTestProbe();
    door.tell(new InferenceActor.Listing(new ModelListings.ListModels(models.ref())));
    ModelListings.Models listed = assertInstanceOf(ModelListings.Models.class, models.receiveMessage());
    assertEquals(List.of("m"), listed.models().stream().map(ModelSummary::name).toList());
    assertEquals(GIB, listed.models().getFirst().sizeBytes());
    assertEquals("Q4_K_M", listed.models().getFirst().details().quantizationLevel());

    TestProbe<ModelListings.ShowReply> shown = kit.createTestProbe();
    door.tell(new InferenceActor.Listing(new ModelListings.ShowModel("m", shown.ref())));
    ModelDescription d = assertInstanceOf(ModelListings.Shown.class, shown.receiveMessage()).model();
    assertEquals(Optional.of(32L * 8 * (128 + 128) * 2), d.kvBytesPerToken(), "layers x KV heads x (key + value) x 2 bytes");
    assertEquals(List.of("completion", "tools"), d.capabilities());
    assertEquals("llama", d.modelInfo().get("general.architecture").orElseThrow().asText());
    door.tell(new InferenceActor.Listing(new ModelListings.ShowModel("nope", shown.ref())));
    ModelListings.Failed unknown = assertInstanceOf(ModelListings.Failed.class, shown.receiveMessage());
    assertEquals(ModelListings.Failure.UNKNOWN_MODEL, unknown.failure());
    assertEquals(List.of("m"), unknown.availableModels());

    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("r", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    TestProbe<ModelListings.RunningReply> running = kit.createTestProbe();
    door.tell(new InferenceActor.Listing(new ModelListings.ListRunning(running.ref())));
    LoadedModel loaded = assertInstanceOf(ModelListings.Loaded.class, running.receiveMessage()).models().getFirst();
    assertEquals(Optional.of(2048), loaded.contextLength(), "loaded at the pinned context length");
    assertTrue(loaded.expiresAt().isPresent() && loaded.vramBytes() > GIB, loaded.toString());

    TestProbe<ModelListings.VersionReply> version = kit.createTestProbe();
    door.tell(new InferenceActor.Listing(new ModelListings.GetVersion(version.ref())));
    assertEquals(new ModelListings.Version("0.24.0"), version.receiveMessage());
  }

  @Test
  void modelsAnotherToolLoadedCountAgainstTheBudget() throws Exception {
    OllamaStandIn s = standIn(List.of(model("theirs", 3 * GIB, 20), model("ours", 2 * GIB, 20)), 100 * GIB);
    // another tool loads a model straight into Ollama, with a long keep_alive
    var client = java.net.http.HttpClient.newHttpClient();
    var loaded = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(s.url() + "/api/generate"))
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"model\": \"theirs\", \"keep_alive\": \"1h\"}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, loaded.statusCode(), loaded.body());
    var door = door(s, 5 * GIB, Map.of());
    InferenceStatus before = status(door);
    assertEquals(List.of("theirs"), before.resident().stream().map(InferenceStatus.ResidentModel::model).toList());
    assertTrue(before.resident().get(0).loadedByAnotherTool());
    assertTrue(before.usedBytes() >= 3 * GIB, before.toString());
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("r", chat("ours", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    // Ollama itself had room for both; the door unloaded the other tool's model to stay inside 5 GiB
    assertEquals(List.of("ours"), s.loadedModels());
  }
}
