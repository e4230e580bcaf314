package dev.turboagents.persistence.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.TestJournal;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import dev.turboagents.persistence.projects.ProjectStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tracker index on its own, on a real LevelDB journal: replay, versions, the reverse relation, cycles, filters. */
class TrackerIndexTest {

  @TempDir
  Path dataDir;

  private Settings settings;
  private ActorTestKit kit;

  @BeforeEach
  void start() {
    settings = TestJournal.settings(dataDir);
    kit = ActorTestKit.create("tracker-index", settings.config());
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private ActorRef<TrackerIndex.Command> index() {
    return kit.spawn(TrackerIndex.create(TrackerJournal.get(kit.system()), 1000));
  }

  private static final Instant T0 = Instant.parse("2026-11-01T10:00:00Z");

  private static Issue issue(String id, int minute, List<String> labels, Optional<String> assignee, Optional<String> project) {
    return Issue.created(id, new IssueEntity.IssueCreated("issue " + id, "", Priority.MEDIUM, labels, assignee, project, "alice",
        T0.plusSeconds(60L * minute)));
  }

  private static Issue blockedBy(Issue issue, String... blockers) {
    Issue next = issue;
    for (String b : blockers) {
      next = next.apply(new IssueEntity.BlockerAdded(b, T0));
    }
    return next;
  }

  private Optional<IndexedIssue> find(ActorRef<TrackerIndex.Command> index, String id) {
    TestProbe<Optional<IndexedIssue>> probe = kit.createTestProbe();
    index.tell(new TrackerIndex.FindIssue(id, probe.getRef()));
    return probe.receiveMessage();
  }

  private List<String> list(ActorRef<TrackerIndex.Command> index, IssueFilter filter) {
    TestProbe<List<IndexedIssue>> probe = kit.createTestProbe();
    index.tell(new TrackerIndex.ListIssues(filter, probe.getRef()));
    return probe.receiveMessage().stream().map(i -> i.issue().id()).toList();
  }

  private Optional<String> cycle(ActorRef<TrackerIndex.Command> index, String issueId, String blockerId) {
    TestProbe<Optional<String>> probe = kit.createTestProbe();
    index.tell(new TrackerIndex.CheckDependency(issueId, blockerId, probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void replaysTheJournalBeforeItAnswersAQuery() {
    // entities that tell no index: what the index knows it read from the journal
    var a = kit.spawn(IssueEntity.create("a", settings.tracker(), changed -> {}));
    var b = kit.spawn(IssueEntity.create("b", settings.tracker(), changed -> {}));
    var p = kit.spawn(ProjectEntity.create("p", settings.tracker(), changed -> {}));
    TestProbe<StatusReply<Issue>> issueReplies = kit.createTestProbe();
    TestProbe<StatusReply<Project>> projectReplies = kit.createTestProbe();
    p.tell(new ProjectEntity.Create("Kite", "", "alice", projectReplies.getRef()));
    projectReplies.receiveMessage();
    for (var entity : List.of(a, b)) {
      entity.tell(new IssueEntity.Create(new IssueEntity.Draft("title", "", Priority.LOW, List.of("perf"), Optional.empty(),
          Optional.of("p"), "alice"), issueReplies.getRef()));
      issueReplies.receiveMessage();
    }
    a.tell(new IssueEntity.AddBlocker("b", OptionalLong.empty(), issueReplies.getRef()));
    issueReplies.receiveMessage();
    b.tell(new IssueEntity.Update(IssueEntity.Changes.status(IssueStatus.IN_PROGRESS), OptionalLong.empty(), issueReplies.getRef()));
    issueReplies.receiveMessage();

    ActorRef<TrackerIndex.Command> index = index();
    // asked at once: the index holds the query until the replay is done
    assertEquals(List.of("a", "b"), list(index, IssueFilter.all()));
    assertEquals(List.of("a"), find(index, "b").orElseThrow().blocks(), "the reverse relation comes from the replay");
    assertEquals(IssueStatus.IN_PROGRESS, find(index, "b").orElseThrow().issue().status());
    assertEquals(2, find(index, "a").orElseThrow().issue().version());
    TestProbe<List<Project>> projects = kit.createTestProbe();
    index.tell(new TrackerIndex.ListProjects(projects.getRef()));
    assertEquals("Kite", projects.receiveMessage().getFirst().name());
    TestProbe<TrackerIndex.Stats> stats = kit.createTestProbe();
    index.tell(new TrackerIndex.GetStats(stats.getRef()));
    assertEquals(new TrackerIndex.Stats(true, 2, 1, 5), stats.receiveMessage());
  }

  @Test
  void anOlderVersionNeverReplacesANewerOne() {
    ActorRef<TrackerIndex.Command> index = index();
    Issue v1 = issue("a", 0, List.of(), Optional.empty(), Optional.empty());
    Issue v2 = v1.apply(new IssueEntity.TitleChanged("second", T0));
    Issue v3 = v2.apply(new IssueEntity.StatusChanged(IssueStatus.OPEN, IssueStatus.IN_PROGRESS, T0));
    index.tell(new TrackerIndex.IssueChanged(v3));
    index.tell(new TrackerIndex.IssueChanged(v2));
    index.tell(new TrackerIndex.IssueChanged(v1));
    assertEquals(v3, find(index, "a").orElseThrow().issue());

    Project p1 = Project.created("p", new ProjectEntity.ProjectCreated("Kite", "", "alice", T0));
    Project p2 = p1.apply(new ProjectEntity.ProjectStatusChanged(ProjectStatus.ACTIVE, ProjectStatus.ARCHIVED, T0));
    index.tell(new TrackerIndex.ProjectChanged(p2));
    index.tell(new TrackerIndex.ProjectChanged(p1));
    TestProbe<Optional<Project>> project = kit.createTestProbe();
    index.tell(new TrackerIndex.FindProject("p", project.getRef()));
    assertEquals(ProjectStatus.ARCHIVED, project.receiveMessage().orElseThrow().status());
  }

  @Test
  void theBlocksRelationFollowsTheNewestBlockedBy() {
    ActorRef<TrackerIndex.Command> index = index();
    Issue a = issue("a", 0, List.of(), Optional.empty(), Optional.empty());
    index.tell(new TrackerIndex.IssueChanged(issue("b", 1, List.of(), Optional.empty(), Optional.empty())));
    index.tell(new TrackerIndex.IssueChanged(issue("c", 2, List.of(), Optional.empty(), Optional.empty())));
    Issue blocked = blockedBy(a, "b", "c");
    index.tell(new TrackerIndex.IssueChanged(blocked));
    assertEquals(List.of("a"), find(index, "b").orElseThrow().blocks());
    assertEquals(List.of("a"), find(index, "c").orElseThrow().blocks());
    index.tell(new TrackerIndex.IssueChanged(blocked.apply(new IssueEntity.BlockerRemoved("b", T0))));
    assertEquals(List.of(), find(index, "b").orElseThrow().blocks(), "a no longer waits for b");
    assertEquals(List.of("a"), find(index, "c").orElseThrow().blocks());
    assertEquals(Optional.empty(), find(index, "nobody"));
  }

  @Test
  void namesTheChainADependencyWouldCloseIntoACycle() {
    ActorRef<TrackerIndex.Command> index = index();
    index.tell(new TrackerIndex.IssueChanged(blockedBy(issue("a", 0, List.of(), Optional.empty(), Optional.empty()), "b")));
    index.tell(new TrackerIndex.IssueChanged(blockedBy(issue("b", 1, List.of(), Optional.empty(), Optional.empty()), "c")));
    index.tell(new TrackerIndex.IssueChanged(issue("c", 2, List.of(), Optional.empty(), Optional.empty())));
    assertEquals(Optional.of("a is blocked by b is blocked by c"), cycle(index, "c", "a"), "c blocked by a closes a -> b -> c");
    assertEquals(Optional.of("b is blocked by c"), cycle(index, "c", "b"));
    assertEquals(Optional.empty(), cycle(index, "a", "c"), "a waiting for c as well makes no cycle");
    assertEquals(Optional.empty(), cycle(index, "c", "unknown"));
  }

  @Test
  void listsWhatEveryFilterCriterionMatchesOldestFirst() {
    ActorRef<TrackerIndex.Command> index = index();
    Issue perf = issue("perf", 3, List.of("perf"), Optional.of("alice"), Optional.of("p"));
    Issue bug = issue("bug", 1, List.of("bug", "perf"), Optional.of("bob"), Optional.empty());
    Issue docs = issue("docs", 2, List.of("docs"), Optional.empty(), Optional.of("p"))
        .apply(new IssueEntity.StatusChanged(IssueStatus.OPEN, IssueStatus.IN_PROGRESS, T0));
    for (Issue i : List.of(perf, bug, docs)) {
      index.tell(new TrackerIndex.IssueChanged(i));
    }
    assertEquals(List.of("bug", "docs", "perf"), list(index, IssueFilter.all()), "oldest first");
    assertEquals(List.of("bug", "perf"), list(index, new IssueFilter(Optional.of(IssueStatus.OPEN), Optional.empty(), Optional.empty(),
        Optional.empty())));
    assertEquals(List.of("bug", "perf"), list(index, new IssueFilter(Optional.empty(), Optional.of("perf"), Optional.empty(),
        Optional.empty())));
    assertEquals(List.of("docs", "perf"), list(index, new IssueFilter(Optional.empty(), Optional.empty(), Optional.of("p"),
        Optional.empty())));
    assertEquals(List.of("bug"), list(index, new IssueFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of("bob"))));
    assertEquals(List.of("perf"), list(index, new IssueFilter(Optional.of(IssueStatus.OPEN), Optional.of("perf"), Optional.of("p"),
        Optional.of("alice"))), "every criterion must match");
    assertTrue(list(index, new IssueFilter(Optional.of(IssueStatus.DONE), Optional.empty(), Optional.empty(), Optional.empty())).isEmpty());
  }
}
