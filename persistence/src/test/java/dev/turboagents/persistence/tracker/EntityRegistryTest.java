package dev.turboagents.persistence.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.TestJournal;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.Priority;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry on its own: idle entities are stopped, commands for an entity that is stopping wait
 * and go to its next incarnation, and two incarnations of one entity are never alive (or writing
 * to the journal) at once.
 */
class EntityRegistryTest {

  @TempDir
  Path dataDir;

  private Settings settings;
  private ActorTestKit kit;

  @BeforeEach
  void start() {
    settings = TestJournal.settings(dataDir);
    kit = ActorTestKit.create("entity-registry", settings.config());
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  // ---- an entity that reports its life, to watch the registry from outside ----------------------

  sealed interface Probe permits Touch, Passivate, StopNow {}

  /** Answers with "incarnation:note". */
  record Touch(String note, ActorRef<String> replyTo) implements Probe {}

  record Passivate() implements Probe {}

  record StopNow() implements Probe {}

  private final AtomicInteger incarnations = new AtomicInteger();
  private final Map<String, Integer> alive = new ConcurrentHashMap<>();
  private final AtomicInteger overlaps = new AtomicInteger();

  /** Takes {@code stopTakes} to stop after Passivate, as an entity finishing a write would. */
  private Behavior<Probe> reporting(String id, Duration stopTakes, ActorRef<String> life) {
    return Behaviors.setup(ctx -> {
      int incarnation = incarnations.incrementAndGet();
      if (alive.merge(id, 1, Integer::sum) > 1) {
        overlaps.incrementAndGet();
      }
      life.tell("started " + incarnation);
      return Behaviors.withTimers(timers -> Behaviors.receive(Probe.class)
          .onMessage(Touch.class, t -> {
            t.replyTo().tell(incarnation + ":" + t.note());
            return Behaviors.same();
          })
          .onMessage(Passivate.class, p -> {
            life.tell("passivating " + incarnation);
            timers.startSingleTimer(new StopNow(), stopTakes);
            return Behaviors.same();
          })
          .onMessage(StopNow.class, s -> Behaviors.stopped())
          .onSignal(PostStop.class, s -> {
            alive.merge(id, -1, Integer::sum);
            life.tell("stopped " + incarnation);
            return Behaviors.same();
          })
          .build());
    });
  }

  private int active(ActorRef<EntityRegistry.Command<Probe>> registry) {
    TestProbe<Integer> count = kit.createTestProbe();
    registry.tell(new EntityRegistry.CountActive<>(count.getRef()));
    return count.receiveMessage();
  }

  @Test
  void stopsAnIdleEntityAndStartsItAgainOnTheNextCommand() {
    TestProbe<String> life = kit.createTestProbe();
    TestProbe<String> replies = kit.createTestProbe();
    var registry = kit.spawn(EntityRegistry.<Probe>create(id -> reporting(id, Duration.ofMillis(1), life.getRef()),
        new Passivate(), Duration.ofMillis(100)));
    registry.tell(new EntityRegistry.Deliver<>("e", new Touch("first", replies.getRef())));
    assertEquals("1:first", replies.receiveMessage());
    assertEquals(1, active(registry));
    life.expectMessage("started 1");
    life.expectMessage(Duration.ofSeconds(5), "passivating 1");
    life.expectMessage("stopped 1");
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, active(registry), "the idle entity is no longer counted"));
    registry.tell(new EntityRegistry.Deliver<>("e", new Touch("again", replies.getRef())));
    assertEquals("2:again", replies.receiveMessage(), "a fresh incarnation answers");
    assertEquals(1, active(registry));
  }

  @Test
  void commandsForAStoppingEntityWaitForItsNextIncarnation() {
    TestProbe<String> life = kit.createTestProbe();
    TestProbe<String> replies = kit.createTestProbe();
    var registry = kit.spawn(EntityRegistry.<Probe>create(id -> reporting(id, Duration.ofMillis(500), life.getRef()),
        new Passivate(), Duration.ofMillis(100)));
    registry.tell(new EntityRegistry.Deliver<>("e", new Touch("before", replies.getRef())));
    assertEquals("1:before", replies.receiveMessage());
    life.expectMessage("started 1");
    life.expectMessage(Duration.ofSeconds(5), "passivating 1");
    // incarnation 1 is still alive for ~500 ms: these must wait for it to be gone
    for (int i = 0; i < 3; i++) {
      registry.tell(new EntityRegistry.Deliver<>("e", new Touch("during " + i, replies.getRef())));
    }
    life.expectMessage(Duration.ofSeconds(5), "stopped 1");
    life.expectMessage("started 2");
    assertEquals(List.of("2:during 0", "2:during 1", "2:during 2"), replies.receiveSeveralMessages(3),
        "held in order, answered by the next incarnation");
    assertEquals(0, overlaps.get(), "two incarnations were never alive at once");
  }

  @Test
  void anIssuePassivatedBetweenBurstsKeepsEveryAcknowledgedComment() throws Exception {
    var registry = kit.spawn(EntityRegistry.<IssueEntity.Command>create(id -> IssueEntity.create(id, settings.tracker(), changed -> {}),
        new IssueEntity.Passivate(), Duration.ofMillis(40)));
    String id = "busy";
    Issue created = AskPattern.<EntityRegistry.Command<IssueEntity.Command>, StatusReply<Issue>>ask(registry,
        r -> new EntityRegistry.Deliver<>(id, new IssueEntity.Create(new IssueEntity.Draft("busy issue", "", Priority.LOW, List.of(),
            Optional.empty(), Optional.empty(), "alice"), r)), Duration.ofSeconds(10), kit.scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getValue();
    int acknowledged = 0;
    for (int round = 0; round < 8; round++) {
      List<CompletableFuture<StatusReply<Comment>>> burst = new ArrayList<>();
      for (int i = 0; i < 25; i++) {
        String text = "round " + round + " comment " + i;
        burst.add(AskPattern.<EntityRegistry.Command<IssueEntity.Command>, StatusReply<Comment>>ask(registry,
            r -> new EntityRegistry.Deliver<>(id, new IssueEntity.AddComment(text, text, "bob", r)), Duration.ofSeconds(10),
            kit.scheduler()).toCompletableFuture());
      }
      for (var reply : burst) {
        assertTrue(reply.get(10, TimeUnit.SECONDS).isSuccess());
        acknowledged++;
      }
      // the issue goes idle and is stopped; the next burst meets it stopping or gone
      Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(0, activeIssues(registry)));
    }
    Issue last = AskPattern.<EntityRegistry.Command<IssueEntity.Command>, StatusReply<Issue>>ask(registry,
        r -> new EntityRegistry.Deliver<>(id, new IssueEntity.Get(r)), Duration.ofSeconds(10), kit.scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS).getValue();
    assertEquals(created.version() + acknowledged, last.version(), "every acknowledged comment is one event, none overwritten");
    assertEquals(acknowledged, last.commentCount());
  }

  private int activeIssues(ActorRef<EntityRegistry.Command<IssueEntity.Command>> registry) {
    TestProbe<Integer> count = kit.createTestProbe();
    registry.tell(new EntityRegistry.CountActive<>(count.getRef()));
    return count.receiveMessage();
  }
}
