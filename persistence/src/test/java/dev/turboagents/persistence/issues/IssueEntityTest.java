package dev.turboagents.persistence.issues;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.turboagents.config.TrackerSettings;
import dev.turboagents.persistence.entity.TrackerRejection;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The issue entity on its own: what it persists, what it refuses and why. */
class IssueEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create(
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));
  private static final TrackerSettings SETTINGS = new TrackerSettings(100, 2, Duration.ofMinutes(1), 50, 1000, 100,
      Duration.ofMillis(200), Duration.ofSeconds(1), 100, 3);

  private EventSourcedBehaviorTestKit<IssueEntity.Command, IssueEntity.Event, IssueEntity.State> kit;
  private TestProbe<Issue> index;

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    index = testKit.createTestProbe();
    kit = EventSourcedBehaviorTestKit.create(testKit.system(), IssueEntity.create("i-1", SETTINGS, index.getRef()::tell));
  }

  private Issue create(String title) {
    var result = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Create(new IssueEntity.Draft(title, "body",
        Priority.HIGH, List.of("Bug", "bug ", "perf"), Optional.of("alice"), Optional.empty(), "bob"), r));
    assertInstanceOf(IssueEntity.IssueCreated.class, result.event());
    return result.reply().getValue();
  }

  private TrackerRejection rejection(StatusReply<?> reply) {
    assertTrue(reply.isError(), "expected a refusal, got " + reply);
    return (TrackerRejection) reply.getError();
  }

  @Test
  void createsAnOpenIssueAndTellsTheIndex() {
    Issue issue = create("Search is slow");
    assertEquals(IssueStatus.OPEN, issue.status());
    assertEquals(List.of("bug", "perf"), issue.labels(), "labels are normalised, de-duplicated and sorted");
    assertEquals(1, issue.version());
    assertEquals(issue, index.receiveMessage(), "the listener heard of the change");
  }

  @Test
  void commandsOnAnIssueThatWasNeverCreatedAreNotFound() {
    var result = kit.<StatusReply<Issue>>runCommand(IssueEntity.Get::new);
    assertEquals(TrackerRejection.Reason.NOT_FOUND, rejection(result.reply()).reason());
    assertTrue(result.hasNoEvents());
  }

  @Test
  void refusesAnEmptyOrOverlongTitleNamingTheField() {
    var empty = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Create(new IssueEntity.Draft("  ", "", Priority.LOW,
        List.of(), Optional.empty(), Optional.empty(), "bob"), r));
    assertEquals("title", rejection(empty.reply()).field());
    var tooLong = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Create(new IssueEntity.Draft("x".repeat(51), "", Priority.LOW,
        List.of(), Optional.empty(), Optional.empty(), "bob"), r));
    assertTrue(rejection(tooLong.reply()).getMessage().contains("at most 50"));
  }

  @Test
  void walksTheAllowedStatusPathAndRefusesTheRest() {
    create("Add caching");
    var toReview = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(IssueEntity.Changes.status(IssueStatus.REVIEW), OptionalLong.empty(), r));
    TrackerRejection refused = rejection(toReview.reply());
    assertEquals("status", refused.field());
    assertTrue(refused.getMessage().contains("open cannot move to review"), refused.getMessage());
    assertTrue(toReview.hasNoEvents());

    for (IssueStatus next : List.of(IssueStatus.IN_PROGRESS, IssueStatus.REVIEW, IssueStatus.DONE, IssueStatus.CLOSED, IssueStatus.OPEN)) {
      var moved = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(IssueEntity.Changes.status(next), OptionalLong.empty(), r));
      assertEquals(next, moved.reply().getValue().status());
    }
    var closedToReview = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty(), r));
    assertEquals(IssueStatus.DONE, closedToReview.reply().getValue().status(), "a reopened issue can be finished again");
  }

  @Test
  void aStaleVersionIsAConflictAndChangesNothing() {
    create("Add caching");
    var changes = new IssueEntity.Changes(Optional.of("Add a cache"), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
    var stale = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(changes, OptionalLong.of(7), r));
    assertEquals(TrackerRejection.Reason.CONFLICT, rejection(stale.reply()).reason());
    var fresh = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(changes, OptionalLong.of(1), r));
    assertEquals("Add a cache", fresh.reply().getValue().title());
    assertEquals(2, fresh.reply().getValue().version());
  }

  @Test
  void anUpdateThatChangesNothingPersistsNothing() {
    Issue issue = create("Same");
    var same = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.Update(new IssueEntity.Changes(Optional.of("Same"),
        Optional.of("body"), Optional.of(IssueStatus.OPEN), Optional.of(Priority.HIGH), Optional.of(List.of("perf", "bug")),
        Optional.of("alice"), Optional.empty()), OptionalLong.empty(), r));
    assertTrue(same.hasNoEvents());
    assertEquals(issue.version(), same.reply().getValue().version());
  }

  @Test
  void commentsDependenciesAndDuplicatesAreRecorded() {
    create("Crash on start");
    var comment = kit.<StatusReply<Comment>>runCommand(r -> new IssueEntity.AddComment("c-1", "Seen on macOS 15", "code-agent", r));
    assertEquals("code-agent", comment.reply().getValue().author());
    var self = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.AddBlocker("i-1", OptionalLong.empty(), r));
    assertEquals("blocked_by", rejection(self.reply()).field());
    var blocked = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.AddBlocker("i-2", OptionalLong.empty(), r));
    assertEquals(List.of("i-2"), blocked.reply().getValue().blockedBy());
    var duplicate = kit.<StatusReply<Issue>>runCommand(r -> new IssueEntity.MarkDuplicate("i-3", OptionalLong.empty(), r));
    Issue closed = duplicate.reply().getValue();
    assertEquals(IssueStatus.CLOSED, closed.status(), "a duplicate is closed");
    assertEquals(Optional.of("i-3"), closed.duplicateOf());
    assertEquals(1, closed.commentCount());
  }
}
