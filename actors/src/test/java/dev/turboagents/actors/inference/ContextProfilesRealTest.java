package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Context profiles against a REAL Ollama with smollm2:135m (its own context length 8192): the
 * loads are counted on Ollama's side, by polling /api/ps every 20 ms for the context length it
 * holds the model at (a change, or the model appearing, is a load), with the profiles 512, 1024 and
 * 16384 (capped at 8192). Clients drifting num_ctx (1024, 8192, 4096, 512, none) cause none; a prompt
 * that needs more than the loaded 512 causes exactly one, to 1024; a prompt above the model's 8192
 * is refused before Ollama sees it.
 */
@Tag("real-ollama")
class ContextProfilesRealTest {
  private static final String SMOL = "smollm2:135m";
  private static final String SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank. ";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void driftingNumCtxNeverReloadsALargerPromptReloadsOnceAnOversizedOneIsRefused() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    post(http, "{\"model\":\"" + SMOL + "\",\"keep_alive\":0}");
    Eventually.assertThat(Duration.ofSeconds(20), () -> assertEquals(Optional.empty(), heldAt(http)));

    List<Integer> seen = new ArrayList<>(); // Ollama's side: each context length it was seen holding the model at
    AtomicBoolean polling = new AtomicBoolean(true);
    Thread poller = Thread.ofVirtual().start(() -> {
      Optional<Integer> last = Optional.empty();
      while (polling.get()) {
        try {
          Optional<Integer> now = heldAt(http);
          if (now.isPresent() && !now.equals(last)) {
            synchronized (seen) {
              seen.add(now.get());
            }
          }
          last = now;
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        } catch (RuntimeException e) {
          // a poll that failed is retried at the next tick
        }
      }
    });

    ActorTestKit kit = ActorTestKit.create();
    // small profiles keep the prompts short (two shared cores evaluate ~20-100 tokens/s); the largest,
    // 16384, is above smollm2's own 8192 and capped at it. A long prompt on a busy CPU is evaluated
    // for longer than the watchdog's 20 s without a token.
    var settings = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "120s",
        "turbo-agents.inference.default-deadline", "300s", "turbo-agents.inference.stall-timeout", "110s",
        "turbo-agents.inference.model-context-profiles.\"" + SMOL + "\"", List.of(512, 1024, 16384)));
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), settings)) {
      ActorRef<InferenceActor.Command> door = kit.spawn(InferenceActor.create(settings, backend,
          new MemoryBudget(2L << 30, "test")));
      TestProbe<InferenceStatus> statusProbe = kit.createTestProbe();
      Eventually.assertThat(Duration.ofSeconds(20), () -> {
        door.tell(new InferenceActor.GetStatus(statusProbe.ref()));
        assertEquals(BackendHealth.State.UP, statusProbe.receiveMessage().backend());
      });
      TestProbe<Reply> replies = kit.createTestProbe();
      int i = 0;
      for (Map<String, Object> options : List.<Map<String, Object>>of(Map.of(), Map.of("num_ctx", 1024),
          Map.of("num_ctx", 8192), Map.of("num_ctx", 4096), Map.of("num_ctx", 512))) {
        door.tell(submit("drift-" + i++, SENTENCE.repeat(4), options, replies.ref()));
        replies.expectMessageClass(Completed.class, Duration.ofSeconds(120));
      }
      Thread.sleep(200); // the poller's last look
      synchronized (seen) {
        assertEquals(List.of(512), seen, "one load, at the smallest profile, whatever num_ctx the clients sent");
      }

      // ~2 400 characters: about 530 tokens with SmolLM2's tokenizer, more than 512
      door.tell(submit("larger", SENTENCE.repeat(37), Map.of(), replies.ref()));
      replies.expectMessageClass(Completed.class, Duration.ofSeconds(120));
      door.tell(submit("small-after", SENTENCE.repeat(4), Map.of("num_ctx", 512), replies.ref()));
      replies.expectMessageClass(Completed.class, Duration.ofSeconds(120));
      Thread.sleep(200);
      synchronized (seen) {
        assertEquals(List.of(512, 1024), seen, "one reload, to the profile the larger prompt needs; none after");
      }

      door.tell(submit("huge", SENTENCE.repeat(800), Map.of(), replies.ref()));
      Failed huge = replies.expectMessageClass(Failed.class, Duration.ofSeconds(30));
      assertEquals(Failure.CONTEXT_EXCEEDED, huge.failure(), huge.message());
      assertTrue(huge.message().contains("(8192 tokens"), "capped at smollm2's own 8192: " + huge.message());

      door.tell(new InferenceActor.GetStatus(statusProbe.ref()));
      InferenceStatus st = statusProbe.receiveMessage();
      assertEquals(2, st.loads(), "the door counted the two loads Ollama made: " + st);
      assertEquals(0, st.serverLoads(), "no load Ollama made on its own: " + st.recentDisagreements());
      assertEquals(Optional.of(1024), st.resident().getFirst().contextProfile(), st.resident().toString());
    } finally {
      polling.set(false);
      poller.join();
      kit.shutdownTestKit();
    }
  }

  private static InferenceActor.Submit submit(String id, String prompt, Map<String, Object> options, ActorRef<Reply> to) {
    return new InferenceActor.Submit(id, new InferenceCall.Chat(SMOL, List.of(ChatMessage.of("user", prompt)), List.of(),
        AnswerFormat.TEXT, ModelOptions.of(options).with(ModelOption.NUM_PREDICT, 4), Thinking.SERVER_DEFAULT),
        Priority.INTERACTIVE, Optional.empty(), Optional.empty(), to);
  }

  /** The context length Ollama holds smollm2 at, by its /api/ps; empty when it does not hold it. */
  private static Optional<Integer> heldAt(HttpClient http) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(RealOllama.url() + "/api/ps")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      for (JsonNode m : JSON.readTree(r.body()).path("models")) {
        if (m.path("name").asText().equals(SMOL)) {
          return Optional.of(m.path("context_length").asInt());
        }
      }
      return Optional.empty();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static void post(HttpClient http, String body) throws Exception {
    http.send(HttpRequest.newBuilder(URI.create(RealOllama.url() + "/api/generate"))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
