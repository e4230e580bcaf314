package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.persistence.Eventually;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Ollama is the authority on what is loaded, against a REAL Ollama started with
 * OLLAMA_MAX_LOADED_MODELS=1 (as {@code .ci/run} starts it): the door's budget (600 MiB, the
 * measured sizes of smollm2 and gemma3 together are 638 MiB, their sizes from /api/tags 335 MiB)
 * and its max-resident-models (3) would let it keep both. Alternating requests for the two, some
 * sent at once: the loads the door counts equal the loads Ollama made (counted on Ollama's side,
 * {@link OllamaLoadCount}), and the door never has both models in flight. Once with each way of loading:
 * an empty load request then the calls, and the model loaded within its first call
 * (load-with-first-call), where the door must see the load end at the call's first token.
 */
@Tag("real-ollama")
class OllamaAuthorityRealTest {
  private static final String SMOL = "smollm2:135m";
  private static final String GEMMA = "gemma3:270m";

  @ParameterizedTest(name = "load-with-first-call = {0}")
  @ValueSource(booleans = {false, true})
  void theDoorsLoadsAreOllamasAndItNeverAsksForBothModelsAtOnce(boolean loadWithFirstCall) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (String m : List.of(SMOL, GEMMA)) {
      post(http, "/api/generate", "{\"model\":\"" + m + "\",\"keep_alive\":0}");
    }
    Eventually.assertThat(Duration.ofSeconds(20), () -> assertEquals(Set.of(), OllamaLoadCount.listed(http, RealOllama.url())));

    OllamaLoadCount ollamaLoads = OllamaLoadCount.start(RealOllama.url()); // Ollama's side

    ActorTestKit kit = ActorTestKit.create();
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("turbo-agents.inference.request-timeout", "120s");
    overrides.put("turbo-agents.inference.default-deadline", "300s");
    overrides.put("turbo-agents.inference.total-concurrency", 2);
    overrides.put("turbo-agents.inference.max-resident-models", 3);
    overrides.put("turbo-agents.inference.load-with-first-call", loadWithFirstCall);
    var settings = StandInSettings.inference(overrides);
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), settings)) {
      ActorRef<InferenceActor.Command> door = kit.spawn(InferenceActor.create(settings, backend,
          new MemoryBudget(600L << 20, "600MiB, as --memory-budget 600MiB")));
      TestProbe<InferenceStatus> statusProbe = kit.createTestProbe();
      Eventually.assertThat(Duration.ofSeconds(20), () -> {
        door.tell(new InferenceActor.GetStatus(statusProbe.ref()));
        assertEquals(BackendHealth.State.UP, statusProbe.receiveMessage().backend());
      });

      // the door's side, every 20 ms: the models with a call running or a load under way
      List<String> overlaps = new ArrayList<>();
      AtomicBoolean watching = new AtomicBoolean(true);
      TestProbe<InferenceStatus> watchProbe = kit.createTestProbe();
      Thread watcher = Thread.ofVirtual().start(() -> {
        while (watching.get()) {
          door.tell(new InferenceActor.GetStatus(watchProbe.ref()));
          InferenceStatus st = watchProbe.receiveMessage(Duration.ofSeconds(10));
          Set<String> inFlight = new HashSet<>();
          st.running().forEach(r -> inFlight.add(r.model()));
          st.resident().stream().filter(r -> r.phase().equals("loading")).forEach(r -> inFlight.add(r.model()));
          if (inFlight.size() > 1) {
            synchronized (overlaps) {
              overlaps.add(inFlight + " running " + st.running() + " resident " + st.resident());
            }
          }
          try {
            Thread.sleep(20);
          } catch (InterruptedException e) {
            return;
          }
        }
      });

      TestProbe<Reply> replies = kit.createTestProbe();
      int sent = 0;
      for (int round = 0; round < 2; round++) {
        // one after another, then three at once for both models
        for (String m : List.of(SMOL, GEMMA)) {
          door.tell(submit("seq-" + round + "-" + m, m, Priority.INTERACTIVE, replies.ref()));
          replies.expectMessageClass(Completed.class, Duration.ofSeconds(120));
        }
        List<String> burst = round % 2 == 0 ? List.of(SMOL, GEMMA, SMOL) : List.of(GEMMA, SMOL, GEMMA);
        for (int i = 0; i < burst.size(); i++) {
          door.tell(submit("burst-" + round + "-" + i, burst.get(i), Priority.values()[i], replies.ref()));
          sent++;
        }
        for (int i = 0; i < burst.size(); i++) {
          replies.expectMessageClass(Completed.class, Duration.ofSeconds(120));
        }
      }
      watching.set(false);
      watcher.join();
      int loadsOnOllamasSide = ollamaLoads.stop();

      door.tell(new InferenceActor.GetStatus(statusProbe.ref()));
      InferenceStatus st = statusProbe.receiveMessage();
      assertEquals(loadsOnOllamasSide, st.loads() + st.serverLoads(), "the door counted every load Ollama made ("
          + OllamaLoadCount.source() + "): " + st);
      assertEquals(0, st.serverLoads(), "Ollama never loaded a model on its own for the door: " + st.recentDisagreements());
      assertEquals(Optional.of(1), st.learnedResidentLimit(), "learnt from Ollama's one eviction: " + st.recentDisagreements());
      assertTrue(overlaps.isEmpty(), "both models in flight at once: " + overlaps);
      assertTrue(st.resident().stream().allMatch(InferenceStatus.ResidentModel::sizeFromServer), st.resident().toString());
      assertTrue(sent > 0);
    } finally {
      ollamaLoads.close();
      kit.shutdownTestKit();
    }
  }

  private static InferenceActor.Submit submit(String id, String model, Priority p, ActorRef<Reply> to) {
    return new InferenceActor.Submit(id, new InferenceCall.Chat(model, List.of(ChatMessage.of("user", "Say hi")), List.of(),
        AnswerFormat.TEXT, ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 8), Thinking.SERVER_DEFAULT), p,
        Optional.empty(), Optional.empty(), to);
  }

  private static void post(HttpClient http, String path, String body) throws Exception {
    http.send(HttpRequest.newBuilder(URI.create(RealOllama.url() + path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .build(), HttpResponse.BodyHandlers.ofString());
  }
}
