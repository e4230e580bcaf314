package dev.turboagents.persistence.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.TestJournal;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules that span entities, raced: many conflicting requests sent at once through the real
 * tracker on a real LevelDB journal, then the invariant each rule promises is checked on what the
 * entities and their journals hold. Check-then-act without {@link RuleCheckedWrites} lets pairs
 * of these through.
 */
class RuleCheckedWritesTest {

  private static final int PAIRS = 30;

  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private Tracker tracker;

  @BeforeEach
  void start() {
    Settings settings = TestJournal.settings(dataDir);
    kit = ActorTestKit.create("rule-checked-writes", settings.config());
    tracker = Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(20));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  /** Either the value or the rule's refusal; any other failure (a timeout) fails the test. */
  private record Outcome<T>(Optional<T> value, Optional<TrackerRejection> refused) {
    boolean ok() {
      return value.isPresent();
    }
  }

  private static <T> CompletableFuture<Outcome<T>> outcome(CompletionStage<T> stage) {
    return stage.toCompletableFuture().handle((value, failure) -> {
      if (failure == null) {
        return new Outcome<>(Optional.of(value), Optional.<TrackerRejection>empty());
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      if (cause instanceof TrackerRejection rejection) {
        return new Outcome<T>(Optional.empty(), Optional.of(rejection));
      }
      throw new AssertionError("a raced request failed instead of being accepted or refused: " + cause, cause);
    });
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private List<Issue> issues(int n, String prefix) {
    List<CompletableFuture<Issue>> created = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      created.add(tracker.createIssue(new NewIssue(prefix + " " + i, "", Optional.of(Priority.LOW), List.of(), Optional.empty(),
          Optional.empty(), "racer")).toCompletableFuture());
    }
    return created.stream().map(RuleCheckedWritesTest::await).toList();
  }

  // ---- the queue itself -----------------------------------------------------------------------

  private <T> RuleCheckedWrites.Run<T> run(Supplier<CompletionStage<T>> work, Duration within, TestProbe<StatusReply<T>> replies) {
    return new RuleCheckedWrites.Run<>(work, System.nanoTime() + within.toNanos(), replies.getRef());
  }

  @Test
  void theQueueStartsAWriteOnlyWhenThePreviousOneAnswered() {
    var queue = kit.spawn(RuleCheckedWrites.create(10));
    TestProbe<StatusReply<String>> replies = kit.createTestProbe();
    List<String> started = new CopyOnWriteArrayList<>();
    CompletableFuture<String> first = new CompletableFuture<>();
    queue.tell(run(() -> {
      started.add("first");
      return first;
    }, Duration.ofSeconds(10), replies));
    queue.tell(run(() -> {
      started.add("second");
      return CompletableFuture.completedFuture("second done");
    }, Duration.ofSeconds(10), replies));
    Eventually.assertThat(Duration.ofSeconds(5), () -> assertEquals(List.of("first"), started));
    replies.expectNoMessage(Duration.ofMillis(200));
    assertEquals(List.of("first"), started, "the second waits while the first has not answered");
    first.complete("first done");
    assertEquals("first done", replies.receiveMessage().getValue());
    assertEquals("second done", replies.receiveMessage().getValue());
    assertEquals(List.of("first", "second"), started);
  }

  @Test
  void theQueueRefusesWhenFullAndDropsWhatOutlivedItsDeadline() {
    var queue = kit.spawn(RuleCheckedWrites.create(1));
    TestProbe<StatusReply<String>> replies = kit.createTestProbe();
    CompletableFuture<String> blocking = new CompletableFuture<>();
    AtomicBoolean lateRan = new AtomicBoolean();
    queue.tell(run(() -> blocking, Duration.ofSeconds(10), replies));
    queue.tell(run(() -> {
      lateRan.set(true);
      return CompletableFuture.completedFuture("late");
    }, Duration.ofMillis(-1), replies)); // its asker has given up already
    queue.tell(run(() -> CompletableFuture.completedFuture("one too many"), Duration.ofSeconds(10), replies));
    StatusReply<String> full = replies.receiveMessage();
    assertTrue(full.isError() && full.getError() instanceof TimeoutException, "the queue holds one: " + full);
    blocking.complete("done");
    assertEquals("done", replies.receiveMessage().getValue());
    StatusReply<String> late = replies.receiveMessage();
    assertTrue(late.isError() && late.getError() instanceof TimeoutException, "past its deadline: " + late);
    assertFalse(lateRan.get(), "a write whose asker gave up never runs");
  }

  // ---- the rules, raced ------------------------------------------------------------------------

  @Test
  void twoDependenciesThatCloseACycleNeverBothLand() {
    List<Issue> pairs = issues(2 * PAIRS, "pair");
    List<Issue> triangles = issues(3 * PAIRS, "triangle");
    List<CompletableFuture<Outcome<Issue>>> pairOutcomes = new ArrayList<>();
    List<CompletableFuture<Outcome<Issue>>> triangleOutcomes = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      String a = pairs.get(2 * i).id();
      String b = pairs.get(2 * i + 1).id();
      pairOutcomes.add(outcome(tracker.addBlocker(a, b, OptionalLong.empty())));
      pairOutcomes.add(outcome(tracker.addBlocker(b, a, OptionalLong.empty())));
      String x = triangles.get(3 * i).id();
      String y = triangles.get(3 * i + 1).id();
      String z = triangles.get(3 * i + 2).id();
      triangleOutcomes.add(outcome(tracker.addBlocker(x, y, OptionalLong.empty())));
      triangleOutcomes.add(outcome(tracker.addBlocker(y, z, OptionalLong.empty())));
      triangleOutcomes.add(outcome(tracker.addBlocker(z, x, OptionalLong.empty())));
    }
    for (int i = 0; i < PAIRS; i++) {
      Outcome<Issue> ab = await(pairOutcomes.get(2 * i));
      Outcome<Issue> ba = await(pairOutcomes.get(2 * i + 1));
      assertTrue(ab.ok() ^ ba.ok(), "pair " + i + ": exactly one of a<-b and b<-a lands: " + ab + " / " + ba);
      (ab.ok() ? ba : ab).refused().ifPresent(r -> assertTrue(r.getMessage().contains("cycle"), r.getMessage()));
      long landed = triangleOutcomes.subList(3 * i, 3 * i + 3).stream().map(RuleCheckedWritesTest::await).filter(Outcome::ok).count();
      assertEquals(2, landed, "triangle " + i + ": two of its three edges land, the third would close the cycle");
    }
    // what the entities hold (the source of truth) has no cycle either
    for (int i = 0; i < PAIRS; i++) {
      Issue a = await(tracker.issue(pairs.get(2 * i).id())).issue();
      Issue b = await(tracker.issue(pairs.get(2 * i + 1).id())).issue();
      assertFalse(a.blockedBy().contains(b.id()) && b.blockedBy().contains(a.id()), "pair " + i + " blocks itself");
    }
  }

  @Test
  void anIssueNeverBecomesDoneAfterAnUnfinishedBlockerWasAdded() {
    List<Issue> work = issues(PAIRS, "work");
    List<Issue> blockers = issues(PAIRS, "blocker");
    List<CompletableFuture<Outcome<Issue>>> done = new ArrayList<>();
    List<CompletableFuture<Outcome<Issue>>> blocked = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      String a = work.get(i).id();
      // half of them in each order, so either request may reach the issue first
      if (i % 2 == 0) {
        done.add(outcome(tracker.updateIssue(a, IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty())));
        blocked.add(outcome(tracker.addBlocker(a, blockers.get(i).id(), OptionalLong.empty())));
      } else {
        blocked.add(outcome(tracker.addBlocker(a, blockers.get(i).id(), OptionalLong.empty())));
        done.add(outcome(tracker.updateIssue(a, IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty())));
      }
    }
    for (int i = 0; i < PAIRS; i++) {
      Outcome<Issue> d = await(done.get(i));
      assertTrue(await(blocked.get(i)).ok(), "adding a dependency on an existing issue is always allowed");
      // the blocker stays open throughout, so in the issue's own journal a blocker added before
      // the move to done means the move broke the rule
      List<String> history = await(tracker.issueHistory(work.get(i).id())).stream().map(e -> switch (e.event()) {
        case IssueEntity.BlockerAdded b -> "blocked";
        case IssueEntity.StatusChanged s when s.to() == IssueStatus.DONE -> "done";
        default -> "other";
      }).filter(s -> !s.equals("other")).toList();
      if (d.ok()) {
        assertEquals(List.of("done", "blocked"), history, "issue " + i + " became done, so before the blocker came");
      } else {
        assertEquals(List.of("blocked"), history, "issue " + i);
        assertEquals("status", d.refused().orElseThrow().field());
      }
    }
  }

  @Test
  void anIssueNeverBecomesDoneWhileItsBlockerIsReopened() {
    List<Issue> work = issues(PAIRS, "work");
    List<Issue> blockers = issues(PAIRS, "blocker");
    for (int i = 0; i < PAIRS; i++) {
      await(tracker.addBlocker(work.get(i).id(), blockers.get(i).id(), OptionalLong.empty()));
      await(tracker.updateIssue(blockers.get(i).id(), IssueEntity.Changes.status(IssueStatus.CLOSED), OptionalLong.empty()));
    }
    List<CompletableFuture<Outcome<Issue>>> done = new ArrayList<>();
    List<CompletableFuture<Outcome<Issue>>> reopened = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      done.add(outcome(tracker.updateIssue(work.get(i).id(), IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty())));
      reopened.add(outcome(tracker.updateIssue(blockers.get(i).id(), IssueEntity.Changes.status(IssueStatus.OPEN), OptionalLong.empty())));
    }
    for (int i = 0; i < PAIRS; i++) {
      Outcome<Issue> d = await(done.get(i));
      Issue blocker = await(reopened.get(i)).value().orElseThrow(() -> new AssertionError("reopening is always allowed"));
      if (d.ok()) {
        // both landed: then the move to done came first, while the blocker was still closed
        assertTrue(d.value().get().updatedAt().isBefore(blocker.updatedAt()),
            "pair " + i + ": done at " + d.value().get().updatedAt() + ", blocker reopened at " + blocker.updatedAt());
      } else {
        assertEquals("status", d.refused().orElseThrow().field());
      }
    }
  }

  @Test
  void twoIssuesNeverBecomeDuplicatesOfEachOther() {
    List<Issue> pairs = issues(2 * PAIRS, "report");
    List<CompletableFuture<Outcome<Issue>>> marks = new ArrayList<>();
    for (int i = 0; i < PAIRS; i++) {
      String a = pairs.get(2 * i).id();
      String b = pairs.get(2 * i + 1).id();
      marks.add(outcome(tracker.markDuplicate(a, b, OptionalLong.empty())));
      marks.add(outcome(tracker.markDuplicate(b, a, OptionalLong.empty())));
    }
    for (int i = 0; i < PAIRS; i++) {
      Outcome<Issue> ab = await(marks.get(2 * i));
      Outcome<Issue> ba = await(marks.get(2 * i + 1));
      assertTrue(ab.ok() ^ ba.ok(), "pair " + i + ": exactly one becomes the duplicate: " + ab + " / " + ba);
      assertEquals("duplicate_of", (ab.ok() ? ba : ab).refused().orElseThrow().field());
    }
  }

  @Test
  void noIssueEntersAProjectAfterItWasArchived() {
    Project project = await(tracker.createProject("Kite", "", "racer"));
    List<CompletableFuture<Outcome<Issue>>> created = new ArrayList<>();
    CompletableFuture<Outcome<Project>> archived = null;
    for (int i = 0; i < 2 * PAIRS; i++) {
      created.add(outcome(tracker.createIssue(new NewIssue("in project " + i, "", Optional.empty(), List.of(), Optional.empty(),
          Optional.of(project.id()), "racer"))));
      if (i == PAIRS) {
        archived = outcome(tracker.updateProject(project.id(), Optional.empty(), Optional.empty(), Optional.of(ProjectStatus.ARCHIVED),
            OptionalLong.empty()));
      }
    }
    Project archive = await(archived).value().orElseThrow(() -> new AssertionError("archiving is always allowed"));
    int landed = 0;
    for (CompletableFuture<Outcome<Issue>> c : created) {
      Outcome<Issue> o = await(c);
      if (o.ok()) {
        landed++;
        assertTrue(o.value().get().createdAt().isBefore(archive.updatedAt()),
            "an issue created at " + o.value().get().createdAt() + " entered a project archived at " + archive.updatedAt());
      } else {
        assertEquals("project_id", o.refused().orElseThrow().field());
      }
    }
    assertEquals(landed, await(tracker.issues(new IssueFilter(Optional.empty(), Optional.empty(), Optional.of(project.id()),
        Optional.empty()))).size());
    if (landed == 2 * PAIRS) {
      fail("the archive was sent among the creates, yet every create landed");
    }
  }
}
