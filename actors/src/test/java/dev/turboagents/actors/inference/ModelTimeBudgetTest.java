package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.DailyModelTimeTest.MovableClock;
import dev.turboagents.actors.inference.InferenceActor.Completed;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daily model time per class on the door, against the stand-in over loopback HTTP, with the
 * ledger on the real journal (LevelDB in a temp dir) and a clock the test moves: a background
 * budget of 1 s spent by real calls, the next background request refused with the reason while an
 * interactive one is served, the totals kept across a restart of everything within the day, and
 * the budget given again the next day.
 */
class ModelTimeBudgetTest {
  @TempDir
  Path dir;

  private OllamaStandIn standIn;
  private ActorTestKit kit;
  private OllamaBackend backend;

  @AfterEach
  void close() {
    stopDaemon();
    if (standIn != null) {
      standIn.close();
    }
  }

  private void stopDaemon() {
    if (kit != null) {
      kit.shutdownTestKit();
      kit = null;
    }
    if (backend != null) {
      backend.close();
      backend = null;
    }
  }

  /** The door and its ledger as the daemon starts them, on the journal in {@code dir}. */
  private ActorRef<InferenceActor.Command> startDaemon(MovableClock clock) {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of(
        "turbo-agents.inference.daily-model-time.background", "1s",
        "turbo-agents.inference.min-backoff", "50ms", "turbo-agents.inference.max-backoff", "400ms",
        "turbo-agents.inference.default-deadline", "30s"));
    kit = ActorTestKit.create("model-time", settings.config());
    backend = new OllamaBackend(standIn.url(), settings.inference());
    ActorRef<ModelTimeLedger.Command> ledger = kit.spawn(ModelTimeLedger.create(), "model-time");
    ActorRef<InferenceActor.Command> door = kit.spawn(InferenceActor.create(settings.inference(), backend,
        new MemoryBudget(8 * StandInModel.GIB, "test"), clock, ledger), "inference");
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(BackendHealth.State.UP, status(door).backend()));
    return door;
  }

  private InferenceStatus status(ActorRef<InferenceActor.Command> door) {
    TestProbe<InferenceStatus> probe = kit.createTestProbe();
    door.tell(new InferenceActor.GetStatus(probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private InferenceStatus.ModelTime background(ActorRef<InferenceActor.Command> door) {
    return status(door).modelTime().stream().filter(t -> t.priority() == Priority.BACKGROUND).findFirst().orElseThrow();
  }

  private Reply ask(ActorRef<InferenceActor.Command> door, String id, Priority priority) {
    TestProbe<Reply> probe = kit.createTestProbe();
    // 20 tokens at the stand-in's 50 tokens/s: each call holds the model about 0.4 s
    InferenceCall call = new InferenceCall.Chat("m", List.of(ChatMessage.of("user", "hello")), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 20), Thinking.SERVER_DEFAULT);
    door.tell(new InferenceActor.Submit(id, call, priority, Optional.empty(), Optional.empty(), probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(30));
  }

  @Test
  void aSpentBackgroundBudgetRefusesBackgroundWorkUntilTheNextDayAcrossARestart() {
    standIn = new OllamaStandIn(List.of(new StandInModel("m", StandInModel.GIB, 8, 4, 64, Duration.ofMillis(20), 50, 0,
        List.of("completion"))), 16 * StandInModel.GIB, 2, 1.0).start();
    MovableClock clock = new MovableClock(Instant.parse("2026-12-03T20:00:00Z"));
    var door = startDaemon(clock);

    int served = 0;
    Reply reply = ask(door, "b0", Priority.BACKGROUND);
    while (reply instanceof Completed && served < 10) {
      served++;
      reply = ask(door, "b" + served, Priority.BACKGROUND);
    }
    assertTrue(served >= 2 && served <= 4, "about 0.4 s a call against 1 s: " + served + " served before the refusal");
    Failed refused = (Failed) reply;
    assertEquals(Failure.BUDGET_SPENT, refused.failure());
    assertTrue(refused.message().contains("background") && refused.message().contains("of its 1.0 s")
        && refused.message().contains("resets at 2026-12-04T00:00:00Z"), refused.message());
    assertEquals(Optional.of(Duration.ofHours(4)), refused.retryAfter());
    assertEquals(served, standIn.prompts().stream().filter("hello"::equals).count(),
        "the refused request never reached the model");

    assertInstanceOf(Completed.class, ask(door, "i0", Priority.INTERACTIVE), "interactive has no budget");
    assertInstanceOf(Completed.class, ask(door, "a0", Priority.AGENT), "neither has agent by default");
    InferenceStatus.ModelTime spent = background(door);
    assertTrue(spent.spent() && spent.spentMillis() >= 1000, spent.toString());
    assertEquals(Optional.of(1000L), spent.budgetMillis());
    assertEquals(Instant.parse("2026-12-04T00:00:00Z"), spent.resetsAt());
    long spentBefore = spent.spentMillis();

    // the daemon stops and starts again the same evening: the day's total is read from the journal
    stopDaemon();
    clock.set(Instant.parse("2026-12-03T23:00:00Z"));
    door = startDaemon(clock);
    var again = door;
    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(spentBefore, background(again).spentMillis()));
    Failed stillRefused = (Failed) ask(door, "b-after-restart", Priority.BACKGROUND);
    assertEquals(Failure.BUDGET_SPENT, stillRefused.failure());
    assertEquals(Optional.of(Duration.ofHours(1)), stillRefused.retryAfter());

    // the next day it is served again
    clock.set(Instant.parse("2026-12-04T00:00:05Z"));
    assertInstanceOf(Completed.class, ask(door, "b-next-day", Priority.BACKGROUND));
    InferenceStatus.ModelTime nextDay = background(door);
    assertTrue(!nextDay.spent() && nextDay.spentMillis() < 1000, nextDay.toString());
    assertEquals(Instant.parse("2026-12-05T00:00:00Z"), nextDay.resetsAt());
  }

  private static void assertInstanceOf(Class<?> type, Object value, String... why) {
    assertTrue(type.isInstance(value), (why.length > 0 ? why[0] + ": " : "") + value);
  }
}
