package dev.turboagents.persistence.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import dev.turboagents.persistence.TestJournal;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import java.nio.file.Path;
import java.time.Duration;
import dev.turboagents.persistence.issues.Comment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tracker on a real LevelDB journal in a temporary directory, across ActorSystem restarts. */
class TrackerTest {

  @TempDir
  Path dataDir;

  private ActorTestKit kit;

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  private Tracker start() {
    return start(TestJournal.settings(dataDir));
  }

  private Tracker start(Settings settings) {
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

  private static NewIssue issue(String title, List<String> labels, Optional<String> project) {
    return new NewIssue(title, "about " + title, Optional.of(Priority.HIGH), labels, Optional.empty(), project, "alice");
  }

  @Test
  void everythingAcknowledgedSurvivesARestartAndTheIndexIsRebuilt() {
    Tracker tracker = start();
    Project project = await(tracker.createProject("Turbo", "the platform", "alice"));
    Issue search = await(tracker.createIssue(issue("Search is slow", List.of("perf"), Optional.of(project.id()))));
    Issue cache = await(tracker.createIssue(issue("Add a cache", List.of("perf", "backend"), Optional.empty())));
    await(tracker.comment(search.id(), "Profiling shows the index is missing", "code-agent"));
    await(tracker.addBlocker(search.id(), cache.id(), OptionalLong.empty()));
    await(tracker.updateIssue(cache.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.of(1)));

    Tracker again = restart();
    IndexedIssue recovered = await(again.issue(search.id()));
    assertEquals("Search is slow", recovered.issue().title());
    assertEquals(List.of(cache.id()), recovered.issue().blockedBy());
    assertEquals(1, recovered.issue().commentCount());
    assertEquals("code-agent", await(again.comments(search.id())).get(0).author());
    assertEquals(List.of(search.id()), await(again.issue(cache.id())).blocks(), "the reverse relation is rebuilt");

    IssueFilter inProgress = new IssueFilter(Optional.of(IssueStatus.IN_PROGRESS), Optional.empty(), Optional.empty(), Optional.empty());
    assertEquals(List.of(cache.id()), await(again.issues(inProgress)).stream().map(i -> i.issue().id()).toList());
    IssueFilter inProject = new IssueFilter(Optional.empty(), Optional.of("perf"), Optional.of(project.id()), Optional.empty());
    assertEquals(List.of(search.id()), await(again.issues(inProject)).stream().map(i -> i.issue().id()).toList());
    assertEquals(List.of(project.id()), await(again.projects()).stream().map(Project::id).toList());

    List<HistoryEntry> history = await(again.issueHistory(search.id()));
    assertEquals(List.of("IssueCreated", "CommentAdded", "BlockerAdded"), history.stream().map(HistoryEntry::type).toList());
    assertEquals(List.of(1L, 2L, 3L), history.stream().map(HistoryEntry::sequence).toList());
  }

  @Test
  void idleIssuesArePassivatedAndComeBackOnTheNextCommand() {
    Tracker tracker = start(Settings.forTest(dataDir, java.util.Map.of("turbo-agents.tracker.passivate-after", "300ms")));
    Issue issue = await(tracker.createIssue(issue("Rarely touched", List.of(), Optional.empty())));
    assertEquals(1, await(tracker.activeIssueActors()));
    Eventually.assertThat(Duration.ofSeconds(5),
        () -> assertEquals(0, await(tracker.activeIssueActors()), "the idle issue actor was stopped"));
    Issue commented = await(tracker.updateIssue(issue.id(), IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.of(1)));
    assertEquals(2, commented.version(), "it came back from the journal with its history");
    assertEquals(1, await(tracker.activeIssueActors()));
  }

  @Test
  void theIndexFailsRestartsReplaysAndLosesNothingAcknowledged() {
    Tracker tracker = start();
    Project project = await(tracker.createProject("Turbo", "", "alice"));
    Issue blocked = await(tracker.createIssue(issue("Blocked", List.of("perf"), Optional.of(project.id()))));
    Issue blocker = await(tracker.createIssue(issue("Blocker", List.of(), Optional.empty())));
    await(tracker.addBlocker(blocked.id(), blocker.id(), OptionalLong.empty()));
    List<CompletableFuture<Comment>> comments = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      comments.add(tracker.comment(blocker.id(), "note " + i, "agent").toCompletableFuture());
    }
    comments.forEach(TrackerTest::await);

    // a restart with a tiny stash: the queries sent while the index replays overflow it, a real
    // failure of the index (its held queries are lost, their asks time out)
    kit.shutdownTestKit();
    Settings tiny = Settings.forTest(dataDir, Map.of("turbo-agents.tracker.index-stash-capacity", 5,
        "turbo-agents.tracker.index-min-backoff", "50ms", "turbo-agents.tracker.index-max-backoff", "200ms"));
    kit = ActorTestKit.create("tracker", tiny.config());
    Tracker again = Tracker.start(kit::spawn, kit.system(), tiny.tracker(), Duration.ofSeconds(2));
    List<CompletableFuture<List<IndexedIssue>>> flood = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      flood.add(again.issues(IssueFilter.all()).toCompletableFuture());
    }
    // written while the index fails and restarts: acknowledged by the entity, so it must be listed
    Issue during = await(again.createIssue(issue("Written during the restart", List.of(), Optional.empty())));
    long lost = flood.stream().filter(f -> f.handle((v, e) -> e != null).join()).count();
    assertTrue(lost > 0, "the overflowing stash failed the index and dropped the queries it held");

    Eventually.assertThat(Duration.ofSeconds(10), () -> assertEquals(
        java.util.Set.of(blocked.id(), blocker.id(), during.id()),
        java.util.Set.copyOf(await(again.issues(IssueFilter.all())).stream().map(i -> i.issue().id()).toList()),
        "the restarted index replayed everything acknowledged"));
    assertTrue(await(again.stats()).caughtUp());
    assertEquals(List.of(blocked.id()), await(again.issue(blocker.id())).blocks());
    assertEquals(300, await(again.issue(blocker.id())).issue().commentCount());
    assertEquals(List.of(project.id()), await(again.projects()).stream().map(Project::id).toList());
    Issue after = await(again.createIssue(issue("After the restart", List.of(), Optional.empty())));
    assertTrue(await(again.issues(IssueFilter.all())).stream().anyMatch(i -> i.issue().id().equals(after.id())),
        "it serves again: a listing right after a write includes it");
  }

  @Test
  void aListingRightAfterAWriteIncludesIt() {
    Tracker tracker = start();
    for (int i = 0; i < 20; i++) {
      Issue created = await(tracker.createIssue(issue("issue " + i, List.of("batch"), Optional.empty())));
      List<String> ids = await(tracker.issues(IssueFilter.all())).stream().map(x -> x.issue().id()).toList();
      assertTrue(ids.contains(created.id()), "listing after create " + i);
    }
  }

  @Test
  void refusesCyclesUnknownIdsAndDoneWhileBlocked() {
    Tracker tracker = start();
    Issue a = await(tracker.createIssue(issue("A", List.of(), Optional.empty())));
    Issue b = await(tracker.createIssue(issue("B", List.of(), Optional.empty())));
    Issue c = await(tracker.createIssue(issue("C", List.of(), Optional.empty())));
    await(tracker.addBlocker(a.id(), b.id(), OptionalLong.empty()));
    await(tracker.addBlocker(b.id(), c.id(), OptionalLong.empty()));

    TrackerRejection cycle = assertThrows(TrackerRejection.class, () -> await(tracker.addBlocker(c.id(), a.id(), OptionalLong.empty())));
    assertEquals("blocked_by", cycle.field());
    assertTrue(cycle.getMessage().contains("cycle"), cycle.getMessage());

    TrackerRejection unknown = assertThrows(TrackerRejection.class,
        () -> await(tracker.addBlocker(a.id(), "00000000-0000-0000-0000-000000000000", OptionalLong.empty())));
    assertEquals(TrackerRejection.Reason.INVALID, unknown.reason());
    TrackerRejection missing = assertThrows(TrackerRejection.class, () -> await(tracker.issue("00000000-0000-0000-0000-000000000000")));
    assertEquals(TrackerRejection.Reason.NOT_FOUND, missing.reason());

    TrackerRejection blocked = assertThrows(TrackerRejection.class,
        () -> await(tracker.updateIssue(a.id(), IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty())));
    assertTrue(blocked.getMessage().contains(b.id()), blocked.getMessage());

    await(tracker.updateIssue(b.id(), IssueEntity.Changes.status(IssueStatus.CLOSED), OptionalLong.empty()));
    assertEquals(IssueStatus.DONE, await(tracker.updateIssue(a.id(), IssueEntity.Changes.status(IssueStatus.DONE), OptionalLong.empty())).status());
  }

  @Test
  void aDuplicateMustPointAtAnOriginal() {
    Tracker tracker = start();
    Issue original = await(tracker.createIssue(issue("Login fails", List.of(), Optional.empty())));
    Issue dup = await(tracker.createIssue(issue("Cannot log in", List.of(), Optional.empty())));
    Issue third = await(tracker.createIssue(issue("Sign-in broken", List.of(), Optional.empty())));
    assertEquals(IssueStatus.CLOSED, await(tracker.markDuplicate(dup.id(), original.id(), OptionalLong.empty())).status());
    TrackerRejection chained = assertThrows(TrackerRejection.class, () -> await(tracker.markDuplicate(third.id(), dup.id(), OptionalLong.empty())));
    assertTrue(chained.getMessage().contains(original.id()), chained.getMessage());
    assertInstanceOf(TrackerRejection.class, chained);
  }
}
