package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.persistence.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Ollama is the authority on what is loaded: the door against a stand-in that, like Ollama, keeps
 * at most a number of models of its own (OLLAMA_MAX_LOADED_MODELS) and evicts on its own to stay
 * there, reports sizes in /api/ps other than the door's estimate from /api/tags and /api/show, and
 * reports a load_duration on the answer that loaded. The door's budget and model count would allow
 * more than the stand-in keeps: only what it learns from Ollama keeps it right.
 */
class OllamaAuthorityTest {
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

  /** 1.5 GiB of weights + 0.5 GiB of KV cache at num_ctx 4096; loads in 2 s (40 ms at time scale 0.02). */
  private static StandInModel model(String name) {
    return new StandInModel(name, 3 * GIB / 2, 32, 8, 128, Duration.ofMillis(2000), 50, 0, List.of("completion"));
  }

  private OllamaStandIn standIn(int maxLoaded, double overhead) {
    return standIn(maxLoaded, overhead, Duration.ofMillis(40));
  }

  /** With {@code unloadLag}: how long an unloaded model stays listed (and holds its memory), in wall time. */
  private OllamaStandIn standIn(int maxLoaded, double overhead, Duration unloadLag) {
    OllamaStandIn s = new OllamaStandIn(List.of(model("a"), model("b"), model("c")), 100 * GIB, maxLoaded, 0.02)
        .runnerOverhead(overhead).unloadLag(unloadLag).start();
    open.add(s);
    return s;
  }

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, long budget) {
    return door(s, budget, Map.of());
  }

  private ActorRef<InferenceActor.Command> door(OllamaStandIn s, long budget, Map<String, Object> more) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("turbo-agents.inference.total-concurrency", 2);
    overrides.put("turbo-agents.inference.max-resident-models", 3);
    // one context size (no profiles): the sizes and load times these tests reason about are at 4096 tokens
    overrides.put("turbo-agents.inference.default-options.num_ctx", 4096);
    overrides.put("turbo-agents.inference.load-seen-threshold", "15ms");
    // the periodic look at /api/ps must not be what corrects the picture here
    overrides.put("turbo-agents.inference.reconcile-interval", "1h");
    overrides.putAll(more);
    var settings = StandInSettings.inference(overrides);
    OllamaBackend backend = new OllamaBackend(s.url(), settings);
    open.add(backend);
    var door = kit.spawn(InferenceActor.create(settings, backend, new MemoryBudget(budget, "test")));
    open.add(() -> kit.stop(door)); // before its backend closes: its timers must not reach a closed backend
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(BackendHealth.State.UP, status(door).backend()));
    return door;
  }

  private static InferenceStatus status(ActorRef<InferenceActor.Command> door) {
    TestProbe<InferenceStatus> probe = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(probe.ref()));
    return probe.receiveMessage();
  }

  private static List<String> resident(InferenceStatus st) {
    return st.resident().stream().map(InferenceStatus.ResidentModel::model).toList();
  }

  private static void ask(ActorRef<InferenceActor.Command> door, String id, String model, TestProbe<Reply> probe) {
    ask(door, id, id, model, probe);
  }

  private static void ask(ActorRef<InferenceActor.Command> door, String id, String prompt, String model,
      TestProbe<Reply> probe) {
    door.tell(new InferenceActor.Submit(id, new InferenceCall.Chat(model, List.of(ChatMessage.of("user", prompt)), List.of(),
        AnswerFormat.TEXT, ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 3), Thinking.SERVER_DEFAULT),
        Priority.AGENT, Optional.empty(), Optional.empty(), probe.ref()));
  }

  private static void chat(ActorRef<InferenceActor.Command> door, String id, String model) {
    TestProbe<Reply> probe = kit.createTestProbe();
    ask(door, id, model, probe);
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
  }

  @Test
  void anEvictionTheDoorDidNotOrderCorrectsItsPictureAndTeachesItTheLimit() {
    OllamaStandIn s = standIn(1, 0);
    var door = door(s, 100 * GIB);
    chat(door, "first", "a");
    assertEquals(List.of("a"), resident(status(door)));
    // by its own budget and count the door may keep a beside b; Ollama keeps one model and evicts a
    chat(door, "second", "b");
    assertEquals(1, s.evictions(), "the stand-in evicted a on its own");
    Eventually.assertThat(Duration.ofSeconds(5), () -> {
      InferenceStatus st = status(door);
      assertEquals(List.of("b"), resident(st), "the door's picture follows Ollama's");
      assertEquals(Optional.of(1), st.learnedResidentLimit());
      assertEquals(1, st.maxResident());
      assertTrue(st.recentDisagreements().stream().anyMatch(d -> d.contains("evicted a on its own")),
          st.recentDisagreements().toString());
    });
    assertEquals(s.loads(), status(door).loads() + status(door).serverLoads(), "every load Ollama made is counted");
  }

  @Test
  void theLearntLimitIsRespected() {
    OllamaStandIn s = standIn(1, 0);
    var door = door(s, 100 * GIB);
    chat(door, "learn-1", "a");
    chat(door, "learn-2", "b");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(Optional.of(1), status(door).learnedResidentLimit()));
    int evictionsBefore = s.evictions();
    int loadsBefore = s.loads();
    int doorLoadsBefore = status(door).loads();
    s.resetPeakModelsAsked();
    // alternating work for both, some of it at once: the door unloads before it loads, and never asks
    // Ollama for two models at once (so Ollama never evicts, and never reloads one for the other)
    TestProbe<Reply> probe = kit.createTestProbe();
    for (int round = 0; round < 3; round++) {
      for (String m : List.of("a", "b", "a", "b")) {
        ask(door, "r" + round + m + probe.hashCode() + System.nanoTime(), m, probe);
      }
      for (int i = 0; i < 4; i++) {
        probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
      }
      chat(door, "alone-" + round, round % 2 == 0 ? "a" : "b");
    }
    assertEquals(evictionsBefore, s.evictions(), "Ollama evicted nothing on its own once the door knew its limit");
    assertEquals(1, s.peakModelsAsked(), "requests for one model at a time");
    InferenceStatus st = status(door);
    assertEquals(s.loads() - loadsBefore, st.loads() - doorLoadsBefore, "Ollama made exactly the loads the door made");
    assertEquals(0, st.serverLoads());
    assertTrue(st.resident().size() <= 1, st.resident().toString());
  }

  @Test
  void theLimitLearntWhileBothModelsHaveWorkStopsTheAlternationAtOnce() {
    // as on the real tier: the door does not know the limit yet and work for both models keeps
    // coming, so the first eviction happens while calls for both are queued or in flight
    OllamaStandIn s = standIn(1, 0);
    var door = door(s, 100 * GIB);
    chat(door, "warm", "a");
    TestProbe<Reply> probe = kit.createTestProbe();
    int sent = 0;
    for (int wave = 0; wave < 4; wave++) {
      for (String m : List.of("a", "b", "a", "b", "a", "b")) {
        ask(door, "w" + wave + "-" + sent++ + m, m, probe);
      }
      for (int i = 0; i < 6; i++) {
        probe.expectMessageClass(Completed.class, Duration.ofSeconds(30));
      }
    }
    InferenceStatus st = status(door);
    assertEquals(Optional.of(1), st.learnedResidentLimit());
    // learning costs at most one eviction and one reload behind the door's back; after that the door
    // swaps itself: each wave then needs at most two loads (to the other model and maybe back)
    assertTrue(s.evictions() <= 1, "Ollama evicted " + s.evictions() + " times on its own");
    assertTrue(st.serverLoads() <= 1, "Ollama reloaded " + st.serverLoads() + " times behind the door's back: "
        + st.recentDisagreements());
    assertEquals(s.loads(), st.loads() + st.serverLoads(), "every load Ollama made is counted");
  }

  @Test
  void anEvictionOllamaMadeOnItsOwnSendsTheEvictedModelsCallsWithoutATokenBackToTheDoorAndEachIsServedOnce()
      throws Exception {
    // Ollama keeps one model. Another tool asks for c (slow to load) while the door's a1 runs, then
    // the door sends a2 and a3: in Ollama's queue they wait behind c, with nothing streamed yet. When
    // a1 ends Ollama evicts a for c; the door sees it in /api/ps and takes a2 and a3 back, so Ollama
    // skips them (a2, at the head already, still evicts c when it is done, but loads nothing) and the
    // door loads a itself: one load of a, the door's own, and each request is answered once
    OllamaStandIn s = new OllamaStandIn(List.of(model("a"), new StandInModel("c", 3 * GIB / 2, 32, 8, 128,
        Duration.ofSeconds(50), 50, 0, List.of("completion"))), 100 * GIB, 1, 0.02).start();
    open.add(s);
    s.promptRate(10); // 10 prompt tokens a second (simulated): a long prompt keeps a1 running a while
    var door = door(s, 100 * GIB, Map.of("turbo-agents.inference.reconcile-interval", "50ms",
        "turbo-agents.inference.total-concurrency", 3, "turbo-agents.inference.per-model-concurrency", 3));
    chat(door, "warm", "a");
    TestProbe<Reply> probe = kit.createTestProbe();
    ask(door, "a1", "a1 " + "long prompt ".repeat(300), "a", probe);
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(1, s.generating(), "a1 reads its prompt"));
    var other = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(URI.create(s.url() + "/api/generate"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"c\", \"prompt\": \"hi\", \"stream\": false,"
            + " \"options\": {\"num_predict\": 3}}")).build(), HttpResponse.BodyHandlers.ofString());
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(1, s.waitingAtAdmission(), "c waits for a"));
    ask(door, "a2", "a", probe);
    ask(door, "a3", "a", probe);
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(3, s.waitingAtAdmission(), "a2, a3 wait behind c"));
    List<String> answered = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      answered.add(((Completed) probe.expectMessageClass(Completed.class, Duration.ofSeconds(30))).requestId());
    }
    probe.expectNoMessage(Duration.ofMillis(300));
    assertEquals(List.of("a1", "a2", "a3"), answered.stream().sorted().toList(), "each answered once");
    assertEquals(200, other.get().statusCode());
    InferenceStatus st = status(door);
    assertTrue(st.recentDisagreements().stream().anyMatch(d -> d.contains("taken back") && d.contains("a2")
        && d.contains("a3")), st.recentDisagreements().toString());
    assertEquals(2, s.skipped(), "Ollama skipped both calls the door took back");
    assertEquals(2, s.loadsOf("a"), "a was loaded again once");
    assertEquals(0, st.serverLoads(), "and by the door, not behind its back: " + st.recentDisagreements());
    assertEquals(2, st.loads(), "the warm-up's load and the reload");
  }

  // ---- an unload: Ollama acknowledges at once and lists the model until its runner has ended ----

  @Test
  void onceOllamasLimitIsLearntASwapSendsTheNextModelWithoutWaitingForTheUnloadedOneToLeave() {
    OllamaStandIn s = standIn(1, 0, Duration.ofMillis(400));
    var door = door(s, 100 * GIB);
    chat(door, "learn-1", "a");
    chat(door, "learn-2", "b");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(Optional.of(1), status(door).learnedResidentLimit()));
    int evictions = s.evictions();
    long disagreements = status(door).disagreements();
    chat(door, "back-to-a", "a");
    // Ollama, keeping one model, makes a's request wait for b's runner to end: the door need not wait too
    assertEquals(1, s.requestsWhileUnloading(), "a's chat was sent while Ollama still listed b");
    assertEquals(evictions, s.evictions(), "b went because the door unloaded it, not evicted by Ollama");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(List.of("a"), resident(status(door))));
    assertEquals(disagreements, status(door).disagreements(), "b listed while it left is no disagreement: "
        + status(door).recentDisagreements());
    assertEquals(s.loads(), status(door).loads() + status(door).serverLoads(), "every load Ollama made is counted");
  }

  @Test
  void aSwapForTheDoorsBudgetWaitsUntilOllamaNoLongerListsTheUnloadedModel() {
    // Ollama would keep both (no limit of its own, memory enough): only the door's budget says one
    OllamaStandIn s = standIn(8, 0, Duration.ofMillis(400));
    long budget = 3 * GIB;
    var door = door(s, budget);
    chat(door, "first", "a");
    chat(door, "second", "b");
    assertEquals(0, s.requestsWhileUnloading(), "b's chat waited until Ollama had freed a's memory");
    assertTrue(s.peakResidentBytes() <= budget, "peak " + s.peakResidentBytes() + " > budget " + budget);
    assertEquals(List.of("b"), s.loadedModels());
  }

  @Test
  void aModelListedWhileItsUnloadIsUnderWayIsNotTakenAsHeld() throws Exception {
    // Ollama takes 1.5 s to end b's runner; the door looks at /api/ps every 300 ms meanwhile
    OllamaStandIn s = standIn(1, 0, Duration.ofMillis(1500));
    var door = door(s, 100 * GIB, Map.of("turbo-agents.inference.reconcile-interval", "300ms"));
    chat(door, "learn-1", "a");
    chat(door, "learn-2", "b");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(Optional.of(1), status(door).learnedResidentLimit()));
    long disagreements = status(door).disagreements();
    TestProbe<Reply> probe = kit.createTestProbe();
    ask(door, "back-to-a", "a", probe);
    Thread.sleep(1000); // a few looks at /api/ps while it lists b
    assertEquals(List.of("b"), s.loadedModels(), "Ollama still lists b");
    assertEquals(List.of("a"), resident(status(door)), "the door does not take the leaving b as held");
    probe.expectMessageClass(Completed.class, Duration.ofSeconds(20));
    assertEquals(disagreements, status(door).disagreements(), status(door).recentDisagreements().toString());
  }

  @Test
  void aModelOllamaStillListsLongAfterItsUnloadWasAcknowledgedIsTakenAsHeld() {
    // Ollama takes 2.5 s to end b's runner; the door reads a listing of b within 300 ms as the unload
    // under way, and one after that as Ollama keeping b
    OllamaStandIn s = standIn(1, 0, Duration.ofMillis(2500));
    var door = door(s, 100 * GIB, Map.of("turbo-agents.inference.unload-confirm-timeout", "300ms",
        "turbo-agents.inference.reconcile-interval", "400ms"));
    chat(door, "learn-1", "a");
    chat(door, "learn-2", "b");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(Optional.of(1), status(door).learnedResidentLimit()));
    chat(door, "back-to-a", "a");
    InferenceStatus st = status(door);
    assertTrue(st.recentDisagreements().stream().anyMatch(d -> d.contains("Ollama still holds b 300 ms after it"
        + " acknowledged unloading it")), st.recentDisagreements().toString());
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(List.of("a"), resident(status(door))));
    assertEquals(List.of("a"), s.loadedModels());
  }

  @Test
  void sizesComeFromOllamasRunningSetAndAreRememberedForTheNextPlan() {
    // each model is planned at 2 GiB (weights + KV), but Ollama holds it at 3 GiB: by the estimate two
    // fit a 4.5 GiB budget, by Ollama's figure only one
    OllamaStandIn s = standIn(8, 0.5);
    long budget = 9 * GIB / 2;
    var door = door(s, budget);
    chat(door, "first", "a");
    Eventually.assertThat(Duration.ofSeconds(5), () -> {
      InferenceStatus.ResidentModel a = status(door).resident().getFirst();
      assertTrue(a.sizeFromServer() && a.bytes() == 3 * GIB, a.toString());
    });
    assertTrue(status(door).recentDisagreements().stream().anyMatch(d -> d.contains("Ollama holds a at 3072 MiB")),
        status(door).recentDisagreements().toString());
    chat(door, "second", "b");
    assertEquals(List.of("b"), s.loadedModels(), "the door unloaded a before loading b, by Ollama's figure");
    // the running set read after b's load may answer after b's chat (its load ends at the first token)
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertTrue(status(door).resident().getFirst().sizeFromServer()));
    long disagreements = status(door).disagreements();
    chat(door, "third", "a");
    assertEquals(List.of("a"), s.loadedModels());
    assertTrue(s.peakResidentBytes() <= budget, "peak " + s.peakResidentBytes() + " > budget " + budget);
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertTrue(status(door).resident().getFirst().sizeFromServer()));
    assertEquals(disagreements, status(door).disagreements(), "a's second load was planned at Ollama's figure");
    assertEquals(0, s.evictions());
  }

  @Test
  void aModelOllamaDroppedBehindTheDoorsBackIsSeenOnTheAnswerThatReloadedIt() throws Exception {
    OllamaStandIn s = standIn(1, 0);
    var door = door(s, 100 * GIB);
    chat(door, "first", "a");
    // another tool loads c straight into Ollama: Ollama evicts a, the door is not told
    HttpResponse<String> loaded = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(s.url() + "/api/generate"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"c\"}")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, loaded.statusCode(), loaded.body());
    assertEquals(List.of("a"), resident(status(door)), "the door still believes a loaded");
    chat(door, "second", "a");
    Eventually.assertThat(Duration.ofSeconds(5), () -> {
      InferenceStatus st = status(door);
      assertEquals(1, st.serverLoads(), "the answer's load_duration showed Ollama loaded a again");
      assertEquals(List.of("a"), resident(st));
      assertTrue(st.recentDisagreements().stream().anyMatch(d -> d.contains("Ollama loaded a on its own")),
          st.recentDisagreements().toString());
    });
    assertEquals(s.loads(), status(door).loads() + status(door).serverLoads() + 1, "Ollama's loads: the door's, the"
        + " one it made on its own, and the other tool's");
  }

  // ---- load-with-first-call: Ollama loads the model within the first request queued for it ----

  private static final Map<String, Object> LOAD_WITH_FIRST_CALL = Map.of("turbo-agents.inference.load-with-first-call", true);

  @Test
  void withLoadWithFirstCallEverySwapIsOneRequestAndOllamaMakesExactlyTheDoorsLoads() {
    OllamaStandIn s = standIn(1, 0);
    var door = door(s, 100 * GIB, LOAD_WITH_FIRST_CALL);
    List<String> order = List.of("a", "b", "a", "b", "b", "a");
    for (int i = 0; i < order.size(); i++) {
      chat(door, "swap-" + i, order.get(i));
    }
    InferenceStatus st = status(door);
    assertEquals(0, s.emptyLoads(), "no load without a prompt: each model was loaded within a chat");
    assertEquals(order.size() + st.unloads(), s.requests(), "one request per chat, and the unloads: nothing else");
    assertEquals(s.loads(), st.loads() + st.serverLoads(), "every load Ollama made is counted");
    assertEquals(5, st.loads(), "a, b, a, b, a: the second b used the resident model");
    assertEquals(0, st.serverLoads(), "the load_duration of a chat that loaded its model is no surprise");
    assertEquals(List.of("a"), resident(st));
    assertTrue(st.resident().getFirst().measuredLoadMillis().isPresent(), "the load's time, from the chat's load_duration");
  }

  @Test
  void aCallCarryingItsModelsLoadThatIsCancelledBeforeItsFirstPieceLeavesTheModelLoadedTheExplicitWay() {
    // a load of 50 s modelled: 1 s at the stand-in's time scale, long enough to cancel within it
    StandInModel slow = new StandInModel("slow", 3 * GIB / 2, 32, 8, 128, Duration.ofSeconds(50), 50, 0, List.of("completion"));
    OllamaStandIn s = new OllamaStandIn(List.of(slow), 100 * GIB, 1, 0.02).start();
    open.add(s);
    var door = door(s, 100 * GIB, LOAD_WITH_FIRST_CALL);
    TestProbe<Reply> carrier = kit.createTestProbe();
    ask(door, "carrier", "slow", carrier);
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(1, s.requests(), "the carrier reached Ollama"));
    door.tell(new InferenceActor.Cancel("carrier"));
    InferenceActor.Failed cancelled = carrier.expectMessageClass(InferenceActor.Failed.class, Duration.ofSeconds(5));
    assertEquals(Failure.CANCELLED, cancelled.failure());
    // the stand-in, as Ollama, loads nothing for a client that left: the door loads it explicitly
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      InferenceStatus st = status(door);
      assertEquals(List.of("slow"), resident(st));
      assertEquals("ready", st.resident().getFirst().phase(), st.resident().toString());
    });
    assertEquals(1, s.emptyLoads());
    chat(door, "after", "slow");
    assertEquals(1, s.loads(), "loaded once");
    assertEquals(1, status(door).loads());
  }

  @Test
  void aCallCarryingItsModelsLoadIsAllowedTheTimeToReadItsPromptOnTopOfTheLoadTimeout() {
    // a load of 75 s modelled: 1.5 s at the stand-in's time scale, beyond a load-timeout of 1 s
    StandInModel slow = new StandInModel("slow", 3 * GIB / 2, 32, 8, 128, Duration.ofSeconds(75), 50, 0, List.of("completion"));
    OllamaStandIn s = new OllamaStandIn(List.of(slow), 100 * GIB, 1, 0.02).start();
    open.add(s);
    Map<String, Object> more = new HashMap<>(LOAD_WITH_FIRST_CALL);
    more.put("turbo-agents.inference.load-timeout", "1s");
    var door = door(s, 100 * GIB, more);
    // a prompt of some 400 characters: at 50 tokens/s assumed, several seconds allowed for reading it
    TestProbe<Reply> probe = kit.createTestProbe();
    ask(door, "long-prompt", "explain ".repeat(50), "slow", probe);
    Reply reply = probe.expectMessageClass(Reply.class, Duration.ofSeconds(15));
    assertInstanceOf(Completed.class, reply, "the load plus its prompt is not a hung load: " + reply);
    assertEquals(1, s.loads());
  }

  @Test
  void aCallCarryingItsModelsLoadThatGetsNoPieceIsCaughtByTheLoadTimeout() {
    OllamaStandIn s = standIn(1, 0);
    Map<String, Object> more = new HashMap<>(LOAD_WITH_FIRST_CALL);
    more.put("turbo-agents.inference.load-timeout", "1s");
    var door = door(s, 100 * GIB, more);
    s.hang(OllamaStandIn.Hang.SILENT);
    TestProbe<Reply> probe = kit.createTestProbe();
    ask(door, "silent", "a", probe);
    InferenceActor.Failed stalled = probe.expectMessageClass(InferenceActor.Failed.class, Duration.ofSeconds(10));
    assertEquals(Failure.STALLED, stalled.failure());
    assertTrue(stalled.message().contains("loading a did not finish within 1 s"), stalled.message());
    s.hang(OllamaStandIn.Hang.NONE);
    chat(door, "after", "a");
    assertEquals(List.of("a"), resident(status(door)));
  }
}
