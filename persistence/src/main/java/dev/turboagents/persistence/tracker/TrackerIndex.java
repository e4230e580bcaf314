package dev.turboagents.persistence.tracker;

import dev.turboagents.config.TrackerSettings;
import dev.turboagents.persistence.entity.TrackerEntity;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The tracker's read side: every issue and project by id, for listings, existence checks and the
 * reverse "blocks" relation. At start it replays the tagged events from the journal (queries wait
 * until it has caught up); after that the entities tell it each change before they reply (through
 * the {@code ChangeListener} the {@link Tracker} gives them), so a listing right after an
 * acknowledged write includes it. Updates carry versions, so a replayed event and a direct update
 * of the same change are applied once, and an older version never replaces a newer one.
 *
 * <p>Failure: the index holds nothing the journal does not, so whatever fails it (a replay that
 * cannot read the journal, more held queries than {@code index-stash-capacity}) restarts it with
 * backoff ({@link #supervised}); the new incarnation replays the journal again while queries wait,
 * exactly as at start. The replay streams of a failed incarnation are shut down on
 * {@code PreRestart} and their late messages ignored. Changes told during the restart are kept by
 * the supervisor, and every change the supervisor had to drop is in the journal the replay reads.
 */
public final class TrackerIndex {

  /** What the index answers and what keeps it current. */
  public sealed interface Command permits IssueChanged, ProjectChanged, Replayed, ReplayEnded, ListIssues, FindIssue,
      ListProjects, FindProject, CheckDependency, GetStats {}

  /** An issue entity persisted a change; this is its state after it. */
  public record IssueChanged(Issue issue) implements Command {}

  /** A project entity persisted a change; this is its state after it. */
  public record ProjectChanged(Project project) implements Command {}

  /** One event of the replay {@code replay} (an incarnation's own; others' are stale). */
  record Replayed(UUID replay, EventEnvelope envelope) implements Command {}

  record ReplayEnded(UUID replay, Optional<Throwable> failure) implements Command {}

  /** The issues {@code filter} matches, oldest first. */
  public record ListIssues(IssueFilter filter, ActorRef<List<IndexedIssue>> replyTo) implements Command {}

  public record FindIssue(String id, ActorRef<Optional<IndexedIssue>> replyTo) implements Command {}

  /** Every project, oldest first. */
  public record ListProjects(ActorRef<List<Project>> replyTo) implements Command {}

  public record FindProject(String id, ActorRef<Optional<Project>> replyTo) implements Command {}

  /**
   * Would "{@code issueId} is blocked by {@code blockerId}" close a cycle? Replies with the chain
   * that would become circular, or empty when the dependency is fine.
   */
  public record CheckDependency(String issueId, String blockerId, ActorRef<Optional<String>> replyTo) implements Command {}

  /** Answered at once, also while replaying. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  /** For the health report: {@code caughtUp} is false while the index replays the journal. */
  public record Stats(boolean caughtUp, int issues, int projects, long replayedEvents) {}

  /** The index as the tracker runs it: restarted with backoff ({@code index-min-backoff} .. {@code index-max-backoff}) when it fails. */
  public static Behavior<Command> supervised(TrackerJournal journal, TrackerSettings settings) {
    return Behaviors.supervise(create(journal, settings.indexStashCapacity()))
        .onFailure(SupervisorStrategy.restartWithBackoff(settings.indexMinBackoff(), settings.indexMaxBackoff(), RESTART_JITTER));
  }

  /** The index on its own (no supervision): it replays {@code journal}, holding up to {@code stashCapacity} queries meanwhile. */
  public static Behavior<Command> create(TrackerJournal journal, int stashCapacity) {
    return Behaviors.withStash(stashCapacity, stash -> Behaviors.setup(ctx -> new TrackerIndex(ctx, stash, journal).replaying()));
  }

  /** spreads restarts of many failing actors apart */
  private static final double RESTART_JITTER = 0.2;

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final Map<String, Issue> issues = new HashMap<>();
  private final Map<String, Project> projects = new HashMap<>();
  private final Map<String, Set<String>> blocks = new HashMap<>();
  private final UUID replay = UUID.randomUUID();
  private final SharedKillSwitch replayStreams = KillSwitches.shared("tracker-index-replay");
  private long replayed;
  private int pendingTags = TrackerJournal.TAGS.size();

  private TrackerIndex(ActorContext<Command> ctx, StashBuffer<Command> stash, TrackerJournal journal) {
    this.ctx = ctx;
    this.stash = stash;
    ActorRef<Command> self = ctx.getSelf();
    for (String tag : TrackerJournal.TAGS) {
      journal.currentEventsByTag(tag, NoOffset.getInstance())
          .via(replayStreams.flow())
          .runWith(Sink.foreach(env -> self.tell(new Replayed(replay, env))), ctx.getSystem())
          .whenComplete((done, error) -> self.tell(new ReplayEnded(replay, Optional.ofNullable(error))));
    }
  }

  private Behavior<Command> replaying() {
    return Behaviors.receive(Command.class)
        .onMessage(IssueChanged.class, m -> { putIssue(m.issue()); return Behaviors.same(); })
        .onMessage(ProjectChanged.class, m -> { putProject(m.project()); return Behaviors.same(); })
        .onMessage(Replayed.class, m -> !m.replay().equals(replay), m -> Behaviors.same())
        .onMessage(Replayed.class, m -> { replay(m.envelope()); return Behaviors.same(); })
        .onMessage(ReplayEnded.class, m -> !m.replay().equals(replay), m -> Behaviors.same())
        .onMessage(ReplayEnded.class, this::replayEnded)
        .onMessage(GetStats.class, m -> { m.replyTo().tell(stats(false)); return Behaviors.same(); })
        .onMessage(Command.class, m -> { stash.stash(m); return Behaviors.same(); })
        .onSignal(PreRestart.class, s -> stopReplay())
        .onSignal(PostStop.class, s -> stopReplay())
        .build();
  }

  private Behavior<Command> replayEnded(ReplayEnded m) {
    if (m.failure().isPresent()) {
      // the supervisor restarts the index, which replays again
      throw new IllegalStateException("the tracker index could not replay the journal: " + m.failure().get(), m.failure().get());
    }
    if (--pendingTags > 0) {
      return Behaviors.same();
    }
    ctx.getLog().info("Tracker index caught up: {} issues, {} projects from {} events", issues.size(), projects.size(), replayed);
    return stash.unstashAll(serving());
  }

  private Behavior<Command> stopReplay() {
    replayStreams.shutdown();
    return Behaviors.same();
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        // a late message of a replay that ended (or of a failed incarnation's) changes nothing
        .onMessage(Replayed.class, m -> Behaviors.same())
        .onMessage(ReplayEnded.class, m -> Behaviors.same())
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
    ArrayDeque<String> todo = new ArrayDeque<>(List.of(blockerId));
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
    return new Stats(caughtUp, issues.size(), projects.size(), replayed);
  }
}
