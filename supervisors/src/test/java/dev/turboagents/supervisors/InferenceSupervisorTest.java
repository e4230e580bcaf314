package dev.turboagents.supervisors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.BackendHealth;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.ModelOption;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference door under its real supervisor, made to fail for real (the test-only fault
 * command): every request it held is answered at once, its call to Ollama is abandoned, it serves
 * again after the restart, and restarts leak no threads.
 */
class InferenceSupervisorTest {
  private static final Duration AT_ONCE = Duration.ofSeconds(3);

  @TempDir
  Path dir;

  private OllamaStandIn ollama;
  private ActorTestKit kit;
  private ActorRef<Void> supervisor;
  private ActorRef<InferenceActor.Command> door;

  @BeforeEach
  void start() throws Exception {
    ollama = new OllamaStandIn(List.of(StandInModel.small("m:1b", StandInModel.GIB, Duration.ofMillis(50))),
        16 * StandInModel.GIB, 2, 0.05).start();
    Settings settings = Settings.forTest(dir, Map.of("turbo-agents.ollama.host", ollama.url(),
        "turbo-agents.inference.memory-budget", "8GiB", "turbo-agents.inference.total-concurrency", 1,
        "turbo-agents.inference.default-deadline", "60s", "turbo-agents.inference.restart-min-backoff", "50ms",
        "turbo-agents.inference.restart-max-backoff", "200ms"));
    kit = ActorTestKit.create("inference-supervision", settings.config());
    Startup<ActorRef<InferenceActor.Command>> started = new Startup<>("starting");
    supervisor = kit.spawn(InferenceSupervisor.create(settings, started), "inference");
    door = started.api().toCompletableFuture().get(10, TimeUnit.SECONDS);
    awaitUp();
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
    ollama.close();
  }

  private void awaitUp() {
    Eventually.assertThat(Duration.ofSeconds(10), () -> {
      TestProbe<InferenceStatus> status = kit.createTestProbe();
      door.tell(new InferenceActor.GetStatus(status.ref()));
      assertEquals(BackendHealth.State.UP, status.receiveMessage().backend());
    });
  }

  private static InferenceCall chat(int tokens) {
    return new InferenceCall.Chat("m:1b", List.of(ChatMessage.of("user", "hi")), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, tokens), Thinking.SERVER_DEFAULT);
  }

  private static InferenceActor.Submit submit(String id, int tokens, ActorRef<InferenceActor.Reply> to) {
    return new InferenceActor.Submit(id, chat(tokens), Priority.INTERACTIVE, Optional.empty(), Optional.empty(), to);
  }

  /**
   * Pools that grow to a configured bound on their own (Pekko's dispatchers, the virtual-thread
   * carriers) and the JDK's one-per-JVM pollers that virtual threads start lazily on their first
   * blocking socket read, whenever that happens to come.
   */
  private static final java.util.regex.Pattern BOUNDED = java.util.regex.Pattern.compile(
      "inference-supervision-pekko\\..*|ForkJoinPool-\\d+-worker-\\d+|ForkJoinPool-\\d+-delayScheduler"
          + "|MasterPoller|Read-Poller|Write-Poller");

  /** Platform threads no configured bound keeps from growing: where a leak (an HTTP client, a stream reader) shows. */
  private static List<String> unboundedThreads() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .filter(name -> !BOUNDED.matcher(name).matches()).sorted().toList();
  }

  private void restartOnce(TestProbe<InferenceActor.Reply> probe, String id) {
    TestProbe<InferenceActor.Chunk> stream = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("running-" + id, chat(100_000), Priority.INTERACTIVE, Optional.empty(),
        Optional.of(stream.ref()), probe.ref()));
    stream.expectMessageClass(InferenceActor.Token.class, Duration.ofSeconds(10));
    door.tell(new InferenceActor.SimulateFailure("restart " + id));
    assertEquals(InferenceActor.Failure.INTERRUPTED, probe.expectMessageClass(InferenceActor.Failed.class, AT_ONCE).failure());
    awaitUp();
    door.tell(submit("after-" + id, 2, probe.ref()));
    probe.expectMessageClass(InferenceActor.Completed.class, Duration.ofSeconds(10));
  }

  @Test
  void aFailedDoorAnswersEveryRequestItHeldAtOnceAndServesAgain() {
    TestProbe<InferenceActor.Reply> probe = kit.createTestProbe();
    door.tell(submit("warm-up", 2, probe.ref()));
    probe.expectMessageClass(InferenceActor.Completed.class, Duration.ofSeconds(10));

    // one request streaming on Ollama (100000 tokens would take minutes), two waiting behind it
    TestProbe<InferenceActor.Chunk> stream = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("running", chat(100_000), Priority.INTERACTIVE, Optional.empty(),
        Optional.of(stream.ref()), probe.ref()));
    stream.expectMessageClass(InferenceActor.Token.class, Duration.ofSeconds(10));
    door.tell(submit("queued-1", 2, probe.ref()));
    door.tell(submit("queued-2", 2, probe.ref()));

    door.tell(new InferenceActor.SimulateFailure("a bug"));
    List<InferenceActor.Reply> replies = List.of(probe.receiveMessage(AT_ONCE), probe.receiveMessage(AT_ONCE),
        probe.receiveMessage(AT_ONCE));
    assertEquals(List.of("running", "queued-1", "queued-2"), replies.stream()
        .map(r -> assertInstanceOf(InferenceActor.Failed.class, r).requestId()).toList(), "answered at once, long before 60 s");
    for (InferenceActor.Reply r : replies) {
      InferenceActor.Failed f = (InferenceActor.Failed) r;
      assertEquals(InferenceActor.Failure.INTERRUPTED, f.failure());
      assertTrue(f.message().contains("restarted after java.lang.IllegalStateException: simulated failure: a bug")
          && f.message().endsWith("ask again"), f.message());
    }
    InferenceActor.End end = (InferenceActor.End) stream.fishForMessage(AT_ONCE, c -> c instanceof InferenceActor.End
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore()).getLast();
    assertEquals(InferenceActor.Failure.INTERRUPTED, ((InferenceActor.Failed) end.reply()).failure(), "the stream ends too");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, ollama.generating(),
        "the call to Ollama was abandoned, not left generating"));

    awaitUp();
    door.tell(submit("after", 2, probe.ref()));
    assertEquals("after", probe.expectMessageClass(InferenceActor.Completed.class, Duration.ofSeconds(10)).requestId());
    TestProbe<InferenceStatus> status = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(status.ref()));
    assertEquals(List.of("m:1b"), status.receiveMessage().resident().stream().map(InferenceStatus.ResidentModel::model)
        .toList(), "the restarted door took Ollama's word for what is loaded");
  }

  @Test
  void restartsLeakNoThreads() {
    TestProbe<InferenceActor.Reply> probe = kit.createTestProbe();
    restartOnce(probe, "warm-up"); // every pool at its working size, every lazy thread started
    List<String> before = unboundedThreads();
    for (int i = 0; i < 5; i++) {
      restartOnce(probe, String.valueOf(i));
    }
    // a restart that left an HTTP client or a stream reader behind would add threads every time
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertTrue(unboundedThreads().size() <= before.size(),
        "before " + before + ", after five restarts " + unboundedThreads()));
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, ollama.generating()));
  }

  @Test
  void aStoppedDoorAnswersWhatItHeld() {
    TestProbe<InferenceActor.Reply> probe = kit.createTestProbe();
    TestProbe<InferenceActor.Chunk> stream = kit.createTestProbe();
    door.tell(new InferenceActor.Submit("running", chat(100_000), Priority.INTERACTIVE, Optional.empty(),
        Optional.of(stream.ref()), probe.ref()));
    stream.expectMessageClass(InferenceActor.Token.class, Duration.ofSeconds(10));
    door.tell(submit("queued", 2, probe.ref()));
    // held first: a stop's signal overtakes messages still in the door's mailbox (they go to dead letters)
    Eventually.assertThat(Duration.ofSeconds(5), () -> {
      TestProbe<InferenceStatus> status = kit.createTestProbe();
      door.tell(new InferenceActor.GetStatus(status.ref()));
      assertEquals(List.of("queued"), status.receiveMessage().queue().stream()
          .map(InferenceStatus.QueuedRequest::requestId).toList());
    });
    kit.stop(supervisor);
    for (int i = 0; i < 2; i++) {
      InferenceActor.Failed f = probe.expectMessageClass(InferenceActor.Failed.class, AT_ONCE);
      assertEquals(InferenceActor.Failure.INTERRUPTED, f.failure());
      assertTrue(f.message().contains("stopped"), f.message());
    }
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, ollama.generating()));
  }
}
