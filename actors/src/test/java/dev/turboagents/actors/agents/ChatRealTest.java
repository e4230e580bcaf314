package dev.turboagents.actors.agents;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.RealOllama;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tier: the v1.0 question through the chat on smollm2:135m (routing and the chat job on the
 * real model). It ends well-formed — an answer with citations that are all real issue ids — or a
 * clear failure saying why; never a crash or an unparsed answer, and within 90 s.
 */
@Tag("real-ollama")
class ChatRealTest {
  private static final String MODEL = "smollm2:135m";

  @TempDir
  Path dataDir;

  @Test
  void aChatAnswerEndsWellFormedOrAsAClearFailure() throws Exception {
    Settings settings = Settings.forTest(dataDir, Map.of(
        "turbo-agents.agents.chat-model", MODEL,
        "turbo-agents.agents.answer-tokens", 200,
        "turbo-agents.agents.max-wall-time", "60s",
        "turbo-agents.chat.max-steps", 3,
        "turbo-agents.chat.route-timeout", "10s"));
    var inference = StandInSettings.inference(Map.of("turbo-agents.inference.request-timeout", "60s",
        "turbo-agents.inference.default-deadline", "60s"));
    ActorTestKit kit = ActorTestKit.create("chat-real", settings.config());
    long started = System.nanoTime();
    try (OllamaBackend backend = new OllamaBackend(RealOllama.url(), inference)) {
      var door = kit.spawn(InferenceActor.create(inference, backend, new MemoryBudget(8L << 30, "test")));
      Tracker tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
      Project v1 = await(tracker.createProject("v1.0", "the first release", "ada"));
      String installer = await(tracker.createIssue(new NewIssue("Ship the installer", "", Optional.of(Priority.HIGH),
          List.of(), Optional.empty(), Optional.of(v1.id()), "ada"))).id();
      String crash = await(tracker.createIssue(new NewIssue("Crash on start", "", Optional.of(Priority.CRITICAL),
          List.of(), Optional.empty(), Optional.empty(), "ada"))).id();
      await(tracker.addBlocker(installer, crash, java.util.OptionalLong.empty()));
      Set<String> real = new HashSet<>(Set.of(installer, crash, v1.id()));
      AgentJobs agents = AgentJobs.start(kit::spawn, kit.system(), settings, AgentSettings.of(settings), door, tracker,
          new CompletableFuture<Graph>(), new CompletableFuture<CodeIndex>());
      Chat.Taken taken = agents.chat().take(new Chat.Request("What issues are blocking the v1.0 release?", false,
          Optional.empty(), "real-test")).toCompletableFuture().get(30, TimeUnit.SECONDS);
      Chat.Reply reply = taken.reply().toCompletableFuture().get(85, TimeUnit.SECONDS);
      String report = MODEL + ": routed " + reply.route() + " by " + reply.routedBy() + reply.routeNote().map(n -> " (" + n
          + ")").orElse("") + ", " + reply.status() + ": " + reply.answer() + " cites " + reply.citations() + " invented "
          + reply.invented() + " in " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) + " s";
      System.out.println(report);
      assertTrue(reply.status().equals("succeeded") || reply.status().equals("failed") || reply.status().equals("accepted"),
          report);
      assertFalse(reply.answer().isBlank(), "an answer or a failure that says why: " + report);
      assertTrue(real.containsAll(reply.citations()), "every citation is a real id: " + report);
      assertFalse(reply.answer().contains("crashed"), report);
      assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(90), "within 90 s: " + report);
    } finally {
      kit.shutdownTestKit();
    }
  }

  private static <T> T await(java.util.concurrent.CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}
