package dev.turboagents.persistence.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Side effects that happen once: keyed creates, comments and updates on a real LevelDB journal,
 * repeated in the same run and after the ActorSystem restarts on the same data directory. Snapshots
 * every 3 events, so the remembered keys also travel through snapshots.
 */
class TrackerIdempotencyTest {

  @TempDir
  Path dataDir;

  private ActorTestKit kit;
  private Map<String, Object> overrides = Map.of("turbo-agents.tracker.snapshot-every", 3);

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  private Tracker start() {
    Settings settings = Settings.forTest(dataDir, overrides);
    kit = ActorTestKit.create("tracker", settings.config());
    return Tracker.start(kit::spawn, kit.system(), settings.tracker(), Duration.ofSeconds(10));
  }

  private Tracker restart() {
    kit.shutdownTestKit();
    kit = null;
    return start();
  }

  private static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(15, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  private static NewIssue issue(String title) {
    return new NewIssue(title, "about " + title, Optional.of(Priority.HIGH), List.of(), Optional.empty(), Optional.empty(), "alice");
  }

  private static Optional<String> key(String k) {
    return Optional.of(k);
  }

  @Test
  void aRepeatedKeyedCommentGetsTheFirstCommentAndAddsNoneAlsoAfterARestart() {
    Tracker tracker = start();
    Issue issue = await(tracker.createIssue(issue("Flaky build")));
    Comment first = await(tracker.comment(issue.id(), "tests pass now", "code-agent", key("job-1/step-7")));
    Comment again = await(tracker.comment(issue.id(), "tests pass now", "code-agent", key("job-1/step-7")));
    assertEquals(first, again);
    await(tracker.comment(issue.id(), "an unkeyed remark", "bob"));

    tracker = restart();
    assertEquals(first, await(tracker.comment(issue.id(), "tests pass now", "code-agent", key("job-1/step-7"))));
    List<Comment> comments = await(tracker.comments(issue.id()));
    assertEquals(List.of("tests pass now", "an unkeyed remark"), comments.stream().map(Comment::text).toList());
    assertEquals(2, await(tracker.issue(issue.id())).issue().commentCount());
  }

  @Test
  void theSameKeyWithAnotherRequestIsRefusedAndWritesNothing() {
    Tracker tracker = start();
    Issue issue = await(tracker.createIssue(issue("Flaky build")));
    await(tracker.comment(issue.id(), "first text", "code-agent", key("k1")));

    TrackerRejection reused = assertThrows(TrackerRejection.class,
        () -> await(tracker.comment(issue.id(), "other text", "code-agent", key("k1"))));
    assertEquals(TrackerRejection.Reason.KEY_REUSED, reused.reason());
    assertTrue(reused.getMessage().contains("'k1'") && reused.getMessage().contains("different request"), reused.getMessage());
    // a key used for a comment cannot be reused for an update of the same issue either
    TrackerRejection asUpdate = assertThrows(TrackerRejection.class, () -> await(tracker.updateIssue(issue.id(),
        IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty(), key("k1"))));
    assertEquals(TrackerRejection.Reason.KEY_REUSED, asUpdate.reason());
    assertEquals(1, await(tracker.comments(issue.id())).size());
    assertEquals(IssueStatus.OPEN, await(tracker.issue(issue.id())).issue().status());

    TrackerRejection blank = assertThrows(TrackerRejection.class,
        () -> await(tracker.comment(issue.id(), "x", "code-agent", key("  "))));
    assertEquals(TrackerRejection.Reason.INVALID, blank.reason());
    assertEquals("Idempotency-Key", blank.field());
  }

  @Test
  void keysAreScopedToTheIssueTheyWriteTo() {
    Tracker tracker = start();
    Issue a = await(tracker.createIssue(issue("A")));
    Issue b = await(tracker.createIssue(issue("B")));
    Comment onA = await(tracker.comment(a.id(), "same text", "code-agent", key("step-1")));
    Comment onB = await(tracker.comment(b.id(), "same text", "code-agent", key("step-1")));
    assertNotEquals(onA.id(), onB.id());
    assertEquals(1, await(tracker.comments(a.id())).size());
    assertEquals(1, await(tracker.comments(b.id())).size());
  }

  @Test
  void aRepeatedKeyedCreateReachesTheSameIssueAsItWasCreated() {
    Tracker tracker = start();
    Issue created = await(tracker.createIssue(issue("Add a cache"), key("job-9/open-followup")));
    Issue again = await(tracker.createIssue(issue("Add a cache"), key("job-9/open-followup")));
    assertEquals(created, again);
    await(tracker.updateIssue(created.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));

    tracker = restart();
    Tracker t = tracker;
    assertEquals(created, await(t.createIssue(issue("Add a cache"), key("job-9/open-followup"))),
        "the repeat answers the issue as it was created, not as it is now");
    TrackerRejection reused = assertThrows(TrackerRejection.class,
        () -> await(t.createIssue(issue("Another title"), key("job-9/open-followup"))));
    assertEquals(TrackerRejection.Reason.KEY_REUSED, reused.reason());
    assertEquals(1, await(t.issues(IssueFilter.all())).size());
    assertEquals(IssueStatus.IN_PROGRESS, await(t.issue(created.id())).issue().status());
  }

  @Test
  void aRepeatedKeyedUpdateGetsTheFirstResultWithoutCheckingTheVersionAgain() {
    Tracker tracker = start();
    Issue issue = await(tracker.createIssue(issue("Slow start")));
    IssueEntity.Changes start = IssueEntity.Changes.status(IssueStatus.IN_PROGRESS);
    Issue first = await(tracker.updateIssue(issue.id(), start, OptionalLong.of(issue.version()), key("job-2/claim")));
    assertEquals(IssueStatus.IN_PROGRESS, first.status());
    int eventsAfterFirst = await(tracker.issueHistory(issue.id())).size();
    await(tracker.comment(issue.id(), "working on it", "code-agent"));

    tracker = restart();
    // the repeat still carries the version it read before the first update: not a conflict, the first result
    Issue repeat = await(tracker.updateIssue(issue.id(), start, OptionalLong.of(issue.version()), key("job-2/claim")));
    assertEquals(first, repeat);
    assertEquals(eventsAfterFirst + 1, await(tracker.issueHistory(issue.id())).size(), "only the unkeyed comment was added");
    List<HistoryEntry> history = await(tracker.issueHistory(issue.id()));
    assertEquals(List.of("IssueCreated", "StatusChanged", "KeyRecorded", "CommentAdded"),
        history.stream().map(HistoryEntry::type).toList());
    // a key does not count as a version: the issue is at version 3 (created, status, comment)
    assertEquals(3, await(tracker.issue(issue.id())).issue().version());
  }

  @Test
  void aKeyedUpdateThatChangesNothingIsRememberedToo() {
    Tracker tracker = start();
    Issue issue = await(tracker.createIssue(issue("Nothing to do")));
    Issue same = await(tracker.updateIssue(issue.id(), IssueEntity.Changes.none(), OptionalLong.empty(), key("noop")));
    await(tracker.updateIssue(issue.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty()));
    Issue repeat = await(tracker.updateIssue(issue.id(), IssueEntity.Changes.none(), OptionalLong.empty(), key("noop")));
    assertEquals(same, repeat);
    assertEquals(IssueStatus.OPEN, repeat.status());
  }

  @Test
  void anIssueRemembersItsLastKeysOnlyAndItsCreationKeyForGood() {
    overrides = Map.of("turbo-agents.tracker.snapshot-every", 3, "turbo-agents.tracker.remembered-keys", 2);
    Tracker tracker = start();
    Issue issue = await(tracker.createIssue(issue("Chatty"), key("create")));
    for (int i = 1; i <= 3; i++) {
      await(tracker.comment(issue.id(), "comment " + i, "code-agent", key("c" + i)));
    }
    tracker = restart();
    Comment c3 = await(tracker.comments(issue.id())).get(2);
    assertEquals(c3, await(tracker.comment(issue.id(), "comment 3", "code-agent", key("c3"))));
    assertEquals(3, await(tracker.comments(issue.id())).size());
    // c1 is beyond the last two keyed writes: its repeat counts as a new comment (the documented bound)
    await(tracker.comment(issue.id(), "comment 1", "code-agent", key("c1")));
    assertEquals(4, await(tracker.comments(issue.id())).size());
    assertEquals(issue, await(tracker.createIssue(issue("Chatty"), key("create"))));
    // creation keys have their own scope: the same string may key a comment on the issue it created
    Comment sameString = await(tracker.comment(issue.id(), "keyed like the creation", "code-agent", key("create")));
    assertEquals(sameString, await(tracker.comment(issue.id(), "keyed like the creation", "code-agent", key("create"))));
  }

  @Test
  void aRepeatedKeyedProjectCreateGetsTheProjectAsCreated() {
    Tracker tracker = start();
    Project created = await(tracker.createProject("Kite", "a kite", "alice", key("p1")));
    await(tracker.updateProject(created.id(), Optional.of("Kite 2"), Optional.empty(), Optional.empty(), OptionalLong.empty()));
    tracker = restart();
    Tracker t = tracker;
    assertEquals(created, await(t.createProject("Kite", "a kite", "alice", key("p1"))));
    assertEquals(TrackerRejection.Reason.KEY_REUSED, assertThrows(TrackerRejection.class,
        () -> await(t.createProject("Other", "a kite", "alice", key("p1")))).reason());
    assertEquals(1, await(t.projects()).size());
  }

  @Test
  void aRepeatedKeyedDependencyWritesNothingAndSkipsTheStaleVersion() {
    Tracker tracker = start();
    Issue ship = await(tracker.createIssue(issue("Ship search")));
    Issue index = await(tracker.createIssue(issue("Build the index")));
    Issue docs = await(tracker.createIssue(issue("Write the docs")));
    IndexedIssue first = await(tracker.addDependency(ship.id(), Optional.of(index.id()), Optional.empty(),
        OptionalLong.of(ship.version()), key("dep-1")));
    assertEquals(List.of(index.id()), first.issue().blockedBy());
    await(tracker.addDependency(ship.id(), Optional.empty(), Optional.of(docs.id()), OptionalLong.empty(), key("dep-2")));
    int events = await(tracker.issueHistory(ship.id())).size();

    tracker = restart();
    Tracker t = tracker;
    // the repeat carries the version read before the first write: no 409, no new event
    IndexedIssue again = await(t.addDependency(ship.id(), Optional.of(index.id()), Optional.empty(),
        OptionalLong.of(ship.version()), key("dep-1")));
    assertEquals(first.issue().blockedBy(), again.issue().blockedBy());
    await(t.addDependency(ship.id(), Optional.empty(), Optional.of(docs.id()), OptionalLong.empty(), key("dep-2")));
    assertEquals(events, await(t.issueHistory(ship.id())).size());
    assertEquals(List.of(ship.id()), await(t.issue(docs.id())).issue().blockedBy());
    assertEquals(2, await(t.issueHistory(docs.id())).size(), "created, blocker added: the repeat wrote nothing there");
    TrackerRejection reused = assertThrows(TrackerRejection.class, () -> await(t.addDependency(ship.id(), Optional.empty(),
        Optional.of(index.id()), OptionalLong.empty(), key("dep-1"))));
    assertEquals(TrackerRejection.Reason.KEY_REUSED, reused.reason());
  }
}
