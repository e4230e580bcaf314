package dev.turboagents.persistence.tracker;

import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The tracker's read side: every issue and project by id, for listings, existence checks and the
 * reverse "blocks" relation. At start it replays the tagged events from the journal (queries wait
 * until it has caught up); after that the entities tell it each change before they reply, so a
 * listing right after an acknowledged write includes it. Updates carry versions, so a replayed
 * event and a direct update of the same change are applied once.
 */
public final class TrackerIndex {

  /** What the index answers and what keeps it current. */
  public sealed interface Command permits IssueChanged, ProjectChanged, Replayed, ReplayEnded, ListIssues, FindIssue,
      ListProjects, FindProject, CheckDependency, GetStats {}

  /** Sent by an issue entity after it persisted a change. */
  public record IssueChanged(Issue issue) implements Command {}

  /** Sent by a project entity after it persisted a change. */
  public record ProjectChanged(Project project) implements Command {}

  record Replayed(EventEnvelope envelope) implements Command {}

  record ReplayEnded(Optional<String> failure) implements Command {}

  public record ListIssues(IssueFilter filter, ActorRef<List<IndexedIssue>> replyTo) implements Command {}

  public record FindIssue(String id, ActorRef<Optional<IndexedIssue>> replyTo) implements Command {}

  public record ListProjects(ActorRef<List<Project>> replyTo) implements Command {}

  public record FindProject(String id, ActorRef<Optional<Project>> replyTo) implements Command {}

  /**
   * Would "{@code issueId} is blocked by {@code blockerId}" close a cycle? Replies with the chain
   * that would become circular, or empty when the dependency is fine.
   */
  public record CheckDependency(String issueId, String blockerId, ActorRef<Optional<String>> replyTo) implements Command {}

  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /** For the health report. */
  public record Stats(boolean caughtUp, int issues, int projects, long replayedEvents, Optional<String> replayFailure) {}

  public static Behavior<Command> create() {
    return Behaviors.withStash(100_000, stash -> Behaviors.setup(ctx -> new TrackerIndex(ctx, stash).replaying()));
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final Map<String, Issue> issues = new HashMap<>();
  private final Map<String, Project> projects = new HashMap<>();
  private final Map<String, Set<String>> blocks = new HashMap<>();
  private long replayed;
  private int pendingTags = 2;
  private Optional<String> replayFailure = Optional.empty();

  private TrackerIndex(ActorContext<Command> ctx, StashBuffer<Command> stash) {
    this.ctx = ctx;
    this.stash = stash;
    LeveldbReadJournal journal = PersistenceQuery.get(ctx.getSystem())
        .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
    ActorRef<Command> self = ctx.getSelf();
    for (String tag : List.of(IssueEntity.TAG, ProjectEntity.TAG)) {
      journal.currentEventsByTag(tag, NoOffset.getInstance())
          .runWith(Sink.foreach(env -> self.tell(new Replayed(env))), ctx.getSystem())
          .whenComplete((done, error) -> self.tell(new ReplayEnded(Optional.ofNullable(error).map(Throwable::toString))));
    }
  }

  private Behavior<Command> replaying() {
    return Behaviors.receive(Command.class)
        .onMessage(IssueChanged.class, m -> { putIssue(m.issue()); return Behaviors.same(); })
        .onMessage(ProjectChanged.class, m -> { putProject(m.project()); return Behaviors.same(); })
        .onMessage(Replayed.class, m -> { replay(m.envelope()); return Behaviors.same(); })
        .onMessage(ReplayEnded.class, this::replayEnded)
        .onMessage(GetStats.class, m -> { m.replyTo().tell(stats(false)); return Behaviors.same(); })
        .onAnyMessage(m -> { stash.stash(m); return Behaviors.same(); })
        .build();
  }

  private Behavior<Command> replayEnded(ReplayEnded m) {
    m.failure().ifPresent(f -> {
      replayFailure = Optional.of(f);
      ctx.getLog().error("Tracker index could not replay the journal: {}", f);
    });
    if (--pendingTags > 0) {
      return Behaviors.same();
    }
    ctx.getLog().info("Tracker index caught up: {} issues, {} projects from {} events", issues.size(), projects.size(), replayed);
    return stash.unstashAll(serving());
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(IssueChanged.class, m -> { putIssue(m.issue()); return Behaviors.same(); })
        .onMessage(ProjectChanged.class, m -> { putProject(m.project()); return Behaviors.same(); })
        .onMessage(ListIssues.class, this::listIssues)
        .onMessage(FindIssue.class, m -> {
          m.replyTo().tell(Optional.ofNullable(issues.get(m.id())).map(this::indexed));
          return Behaviors.same();
        })
        .onMessage(ListProjects.class, m -> {
          m.replyTo().tell(projects.values().stream().sorted(Comparator.comparing(Project::createdAt).thenComparing(Project::id)).toList());
          return Behaviors.same();
        })
        .onMessage(FindProject.class, m -> { m.replyTo().tell(Optional.ofNullable(projects.get(m.id()))); return Behaviors.same(); })
        .onMessage(CheckDependency.class, m -> { m.replyTo().tell(cycle(m.issueId(), m.blockerId())); return Behaviors.same(); })
        .onMessage(GetStats.class, m -> { m.replyTo().tell(stats(true)); return Behaviors.same(); })
        .build();
  }

  /** Walks blocked-by edges from the blocker; reaching the issue means the new edge closes a cycle. */
  private Optional<String> cycle(String issueId, String blockerId) {
    Map<String, String> cameFrom = new HashMap<>();
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(blockerId));
    cameFrom.put(blockerId, "");
    while (!todo.isEmpty()) {
      String at = todo.poll();
      if (at.equals(issueId)) {
        List<String> chain = new ArrayList<>();
        for (String step = at; !step.isEmpty(); step = cameFrom.get(step)) {
          chain.add(0, step);
        }
        return Optional.of(String.join(" is blocked by ", chain));
      }
      Issue issue = issues.get(at);
      for (String next : issue == null ? List.<String>of() : issue.blockedBy()) {
        if (cameFrom.putIfAbsent(next, at) == null) {
          todo.add(next);
        }
      }
    }
    return Optional.empty();
  }

  private Behavior<Command> listIssues(ListIssues m) {
    List<IndexedIssue> out = new ArrayList<>();
    issues.values().stream()
        .filter(m.filter()::matches)
        .sorted(Comparator.comparing(Issue::createdAt).thenComparing(Issue::id))
        .forEach(i -> out.add(indexed(i)));
    m.replyTo().tell(out);
    return Behaviors.same();
  }

  private IndexedIssue indexed(Issue issue) {
    return new IndexedIssue(issue, List.copyOf(blocks.getOrDefault(issue.id(), Set.of())));
  }

  private void replay(EventEnvelope env) {
    replayed++;
    switch (env.event()) {
      case IssueEntity.Event e -> {
        String id = TrackerEntity.idOf(env.persistenceId());
        Issue current = issues.get(id);
        if (current == null && e instanceof IssueEntity.IssueCreated created) {
          putIssue(Issue.created(id, created));
        } else if (current != null && env.sequenceNr() == current.version() + 1) {
          putIssue(current.apply(e));
        }
      }
      case ProjectEntity.Event e -> {
        String id = TrackerEntity.idOf(env.persistenceId());
        Project current = projects.get(id);
        if (current == null && e instanceof ProjectEntity.ProjectCreated created) {
          putProject(Project.created(id, created));
        } else if (current != null && env.sequenceNr() == current.version() + 1) {
          putProject(current.apply(e));
        }
      }
      default -> ctx.getLog().warn("Tracker index ignores unknown event {}", env.event().getClass().getName());
    }
  }

  /** Keeps the newest version only: a late replayed or duplicate update never rolls an issue back. */
  private void putIssue(Issue issue) {
    Issue previous = issues.get(issue.id());
    if (previous != null && previous.version() >= issue.version()) {
      return;
    }
    issues.put(issue.id(), issue);
    List<String> before = previous == null ? List.of() : previous.blockedBy();
    for (String gone : before) {
      if (!issue.blockedBy().contains(gone)) {
        blocks.computeIfPresent(gone, (k, v) -> { v.remove(issue.id()); return v.isEmpty() ? null : v; });
      }
    }
    for (String blocker : issue.blockedBy()) {
      blocks.computeIfAbsent(blocker, k -> new TreeSet<>()).add(issue.id());
    }
  }

  private void putProject(Project project) {
    Project previous = projects.get(project.id());
    if (previous == null || previous.version() < project.version()) {
      projects.put(project.id(), project);
    }
  }

  private Stats stats(boolean caughtUp) {
    return new Stats(caughtUp, issues.size(), projects.size(), replayed, replayFailure);
  }
}
