package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor.Chunk;
import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceActorTest {
  private static final long GIB = StandInModel.GIB;
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

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, long budget, Map<String, Object> overrides) {
    OllamaBackend backend = new OllamaBackend(s.url(), Duration.ofSeconds(30));
    open.add(backend);
    var door = kit.spawn(InferenceActor.create(StandInSettings.inference(overrides), backend,
        new MemoryBudget(budget, "test")));
    if (isUp(s)) {
      awaitBackend(door, "UP");
    }
    return door;
  }

  private static boolean isUp(OllamaStandIn s) {
    try (var socket = new java.net.Socket("127.0.0.1", s.port())) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** Waits (bounded) until the door reports the backend in {@code state}. */
  private static void awaitBackend(ActorRef<InferenceActor.Command> door, String state) {
    TestProbe<InferenceActor.Status> status = kit.createTestProbe();
    for (int i = 0; i < 200; i++) {
      door.tell(new InferenceActor.GetStatus(status.ref()));
      if (status.receiveMessage().backend().equals(state)) {
        return;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("backend never became " + state);
  }

  private static InferenceCall chat(String model, int tokens) {
    return new InferenceCall.Chat(model, List.of(ChatMessage.of("user", "hello")), List.of(), Optional.empty(),
        Map.of("num_predict", tokens), Optional.empty());
  }

  private static InferenceActor.Submit submit(String id, InferenceCall call, Priority p, ActorRef<Reply> to) {
    return new InferenceActor.Submit(id, call, p, Optional.empty(), Optional.empty(), to);
  }

  @Test
  void servesHigherClassesFirstWhateverTheArrivalOrder() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 100)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("warm-up", chat("m", 1), Priority.BACKGROUND, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    door.tell(submit("blocker", chat("m", 200), Priority.BACKGROUND, probe.ref()));
    door.tell(submit("background", chat("m", 2), Priority.BACKGROUND, probe.ref()));
    door.tell(submit("agent", chat("m", 2), Priority.AGENT, probe.ref()));
    door.tell(submit("interactive", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(((Completed) probe.expectMessageClass(Completed.class, Duration.ofSeconds(20))).requestId());
    }
    assertEquals(List.of("blocker", "interactive", "agent", "background"), order);
  }

  @Test
  void aWaitingBackgroundRequestIsServedWhileInteractiveWorkKeepsComing() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 50)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.aging-step", "300ms"));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("i-0", chat("m", 20), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("background", chat("m", 2), Priority.BACKGROUND, probe.ref()));
    // keep three interactive requests queued at all times: without aging the background one never runs
    int submitted = 1;
    for (int i = 0; i < 3; i++) {
      door.tell(submit("i-" + submitted++, chat("m", 20), Priority.INTERACTIVE, probe.ref()));
    }
    boolean backgroundDone = false;
    while (!backgroundDone && submitted < 200) {
      Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
      backgroundDone = done.requestId().equals("background");
      door.tell(submit("i-" + submitted++, chat("m", 20), Priority.INTERACTIVE, probe.ref()));
    }
    assertTrue(backgroundDone, "the background request starved behind " + submitted + " interactive ones");
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
    TestProbe<InferenceActor.Status> status = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(status.ref()));
    InferenceActor.Status st = status.receiveMessage();
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
  }

  @Test
  void aFullQueueRefusesAtOnce() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.max-queued", 2));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("running", chat("m", 300), Priority.INTERACTIVE, probe.ref()));
    TestProbe<InferenceActor.Status> status = kit.createTestProbe();
    // wait until it runs, so the queue holds only what follows
    for (int i = 0; i < 200; i++) {
      door.tell(new InferenceActor.GetStatus(status.ref()));
      if (!status.receiveMessage().running().isEmpty()) {
        break;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
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
          Optional.empty(), Map.of("num_ctx", ctx, "num_predict", 2), Optional.empty()), Priority.AGENT, probe.ref()));
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
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).stream()
        .filter(InferenceActor.End.class::isInstance).map(InferenceActor.End.class::cast).findFirst().orElseThrow();
    Failed cut = assertInstanceOf(Failed.class, end.reply());
    assertEquals(Failure.BROKEN_STREAM, cut.failure());
    Reply first = probe.receiveMessage(Duration.ofSeconds(10));
    Reply second = probe.receiveMessage(Duration.ofSeconds(20));
    List<Reply> both = List.of(first, second);
    assertTrue(both.stream().anyMatch(r -> r instanceof Completed c && c.requestId().equals("after")), both.toString());
  }

  @Test
  void requestsWaitForOllamaToComeBackAndTheStatusSaysItIsDown() throws Exception {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    int port = s.port();
    s.stop();
    var door = door(s, 32 * GIB, Map.of());
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("waits", chat("m", 2), Priority.INTERACTIVE, probe.ref()));
    awaitBackend(door, "DOWN");
    probe.expectNoMessage(Duration.ofMillis(200));
    s.start(port);
    Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    assertEquals("waits", done.requestId());
  }

  @Test
  void structuredOutputAndToolCallsComeBackTyped() {
    OllamaStandIn s = standIn(List.of(model("m", GIB, 20)), 64 * GIB);
    var door = door(s, 32 * GIB, Map.of());
    TestProbe<Reply> probe = kit.createTestProbe();
    var schema = OllamaJson.MAPPER.createObjectNode();
    schema.put("type", "object");
    schema.putObject("properties").putObject("name").putArray("enum").add("get_weather");
    ((com.fasterxml.jackson.databind.node.ObjectNode) schema.get("properties")).putObject("arguments").put("type", "object")
        .putObject("properties").putObject("city").put("type", "string");
    var tool = OllamaJson.MAPPER.createObjectNode().put("type", "function");
    tool.putObject("function").put("name", "get_weather").put("description", "weather");
    door.tell(submit("tools", new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "weather in Paris?")),
        List.of(tool), Optional.of(schema), Map.of("num_predict", 32), Optional.empty()), Priority.AGENT, probe.ref()));
    Completed done = probe.expectMessageClass(Completed.class, Duration.ofSeconds(10));
    ToolCall call = done.completion().message().orElseThrow().toolCalls().get(0);
    assertEquals("get_weather", call.name());
    assertTrue(call.arguments().has("city"), call.arguments().toString());
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
    TestProbe<InferenceActor.Status> status = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(status.ref()));
    InferenceActor.Status before = status.receiveMessage();
    assertEquals(List.of("theirs"), before.resident().stream().map(InferenceActor.ResidentModel::model).toList());
    assertTrue(before.resident().get(0).loadedByAnotherTool());
    assertTrue(before.usedBytes() >= 3 * GIB, before.toString());
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("r", chat("ours", 2), Priority.INTERACTIVE, probe.ref()));
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    // Ollama itself had room for both; the door unloaded the other tool's model to stay inside 5 GiB
    assertEquals(List.of("ours"), s.loadedModels());
  }

  @Test
  void queuedWorkIsBatchedByModelInsteadOfSwappingForEveryRequest() {
    // two models that cannot be resident together; requests alternate between them
    OllamaStandIn s = standIn(List.of(model("a", 3 * GIB, 500), model("b", 3 * GIB, 500)), 100 * GIB);
    var door = door(s, 5 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("a1", chat("a", 100), Priority.AGENT, probe.ref()));
    for (String id : List.of("b1", "a2", "b2", "a3", "b3")) {
      door.tell(submit(id, chat(id.substring(0, 1), 2), Priority.AGENT, probe.ref()));
    }
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      order.add(probe.expectMessageClass(Completed.class, Duration.ofSeconds(20)).requestId());
    }
    assertEquals(List.of("a1", "a2", "a3", "b1", "b2", "b3"), order);
    assertEquals(2, s.loads(), "one load per model; first come first served would load six times");
  }

  @Test
  void workQueuedForTheResidentModelIsDrainedBeforeSwappingForOtherNonInteractiveWork() {
    // a and b cannot be resident together; a is loaded and still has background work when agent work for b waits
    OllamaStandIn s = standIn(List.of(model("a", 3 * GIB, 500), model("b", 3 * GIB, 500)), 100 * GIB);
    var door = door(s, 5 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("a1", chat("a", 100), Priority.AGENT, probe.ref()));
    door.tell(submit("b1", chat("b", 2), Priority.AGENT, probe.ref()));
    door.tell(submit("a2", chat("a", 2), Priority.BACKGROUND, probe.ref()));
    door.tell(submit("b2", chat("b", 2), Priority.AGENT, probe.ref()));
    door.tell(submit("a3", chat("a", 2), Priority.BACKGROUND, probe.ref()));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      order.add(probe.expectMessageClass(Completed.class, Duration.ofSeconds(20)).requestId());
    }
    assertEquals(List.of("a1", "a2", "a3", "b1", "b2"), order, "background work rides on the resident model");
    assertEquals(2, s.loads(), "swapping for b first would load a a second time for its background work");
  }

  @Test
  void anInteractiveRequestPastItsWaitTargetIsAnsweredBeforeLaterInteractiveWorkForTheResidentModel() {
    OllamaStandIn s = standIn(List.of(model("a", 3 * GIB, 500), model("b", 3 * GIB, 500)), 100 * GIB);
    var door = door(s, 5 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.interactive-wait-target", "1ms"));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("a1", chat("a", 1000), Priority.INTERACTIVE, probe.ref()));
    awaitRunning(door, "a1");
    // b1 asked first: interactive questions for the resident model that come later do not overtake it
    door.tell(submit("b1", chat("b", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("a2", chat("a", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("a3", chat("a", 2), Priority.INTERACTIVE, probe.ref()));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(probe.expectMessageClass(Completed.class, Duration.ofSeconds(20)).requestId());
    }
    assertEquals(List.of("a1", "b1", "a2", "a3"), order);
  }

  @Test
  void whileAnInteractiveRequestCanStillMeetItsWaitTargetShortWorkForTheResidentModelGoesFirst() {
    OllamaStandIn s = standIn(List.of(model("a", 3 * GIB, 500), model("b", 3 * GIB, 500)), 100 * GIB);
    var door = door(s, 5 * GIB, Map.of("turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.interactive-wait-target", "20s"));
    TestProbe<Reply> probe = kit.createTestProbe();
    door.tell(submit("a1", chat("a", 1000), Priority.INTERACTIVE, probe.ref()));
    awaitRunning(door, "a1");
    door.tell(submit("b1", chat("b", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("a2", chat("a", 2), Priority.INTERACTIVE, probe.ref()));
    door.tell(submit("a3", chat("a", 2), Priority.AGENT, probe.ref()));
    List<String> order = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      order.add(probe.expectMessageClass(Completed.class, Duration.ofSeconds(20)).requestId());
    }
    assertEquals(List.of("a1", "a2", "a3", "b1"), order, "b1 has time to wait: a's short work goes before the swap");
    assertEquals(2, s.loads(), "a is not loaded again for a2 and a3");
  }

  /** Waits (bounded) until {@code requestId} runs. */
  private static void awaitRunning(ActorRef<InferenceActor.Command> door, String requestId) {
    TestProbe<InferenceActor.Status> status = kit.createTestProbe();
    for (int i = 0; i < 400; i++) {
      door.tell(new InferenceActor.GetStatus(status.ref()));
      if (status.receiveMessage().running().stream().anyMatch(r -> r.requestId().equals(requestId))) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError(requestId + " never ran");
  }
}
