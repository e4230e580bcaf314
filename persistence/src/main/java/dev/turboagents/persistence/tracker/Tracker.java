package dev.turboagents.persistence.tracker;

import dev.turboagents.config.TrackerSettings;
import dev.turboagents.persistence.entity.ChangeListener;
import dev.turboagents.persistence.entity.KeyUse;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import dev.turboagents.persistence.projects.ProjectStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The work tracker as the rest of the system uses it: HTTP routes, the command-line client through
 * them, and later the agents' issue tools. It asks the entities (the source of truth) and the
 * index (for listings and rules that span issues), and fails a stage with a
 * {@link TrackerRejection} when a request breaks a rule. Writes that a rule spanning entities
 * guards run one at a time through {@link RuleCheckedWrites} (its Javadoc says why that makes them
 * race-free); every other write goes straight to its entity.
 *
 * <p>What it starts, each with its failure strategy: the index (restarted with backoff, replays
 * the journal), the issue and project registries (an entity that fails is stopped and started
 * afresh on its next command), and the rule-checked queue (restarted).
 */
public final class Tracker {

  /** Spawns a child actor; {@code ActorContext::spawn} and {@code ActorTestKit::spawn} both fit. */
  public interface Spawner {
    <T> ActorRef<T> spawn(Behavior<T> behavior, String name);
  }

  private final ActorSystem<?> system;
  private final ActorRef<EntityRegistry.Command<IssueEntity.Command>> issues;
  private final ActorRef<EntityRegistry.Command<ProjectEntity.Command>> projects;
  private final ActorRef<TrackerIndex.Command> index;
  private final ActorRef<RuleCheckedWrites.Command> ruleChecked;
  private final Duration timeout;
  private final TrackerJournal journal;

  /**
   * Starts the index, the two entity registries and the rule-checked queue as children of whoever
   * {@code spawner} belongs to, on the ActorSystem's one {@link TrackerJournal}.
   */
  public static Tracker start(Spawner spawner, ActorSystem<?> system, TrackerSettings settings, Duration askTimeout) {
    TrackerJournal journal = TrackerJournal.get(system);
    ActorRef<TrackerIndex.Command> index = spawner.spawn(TrackerIndex.supervised(journal, settings), "tracker-index");
    // the entities tell the index through these before they reply: a listing after a write includes it
    ChangeListener<Issue> issueChanged = issue -> index.tell(new TrackerIndex.IssueChanged(issue));
    ChangeListener<Project> projectChanged = project -> index.tell(new TrackerIndex.ProjectChanged(project));
    Duration idle = settings.passivateAfter();
    var issues = spawner.spawn(EntityRegistry.<IssueEntity.Command>create(
        id -> IssueEntity.create(id, settings, issueChanged), new IssueEntity.Passivate(), idle), "issues");
    var projects = spawner.spawn(EntityRegistry.<ProjectEntity.Command>create(
        id -> ProjectEntity.create(id, settings, projectChanged), new ProjectEntity.Passivate(), idle), "projects");
    var ruleChecked = spawner.spawn(RuleCheckedWrites.create(settings.ruleCheckedQueue()), "tracker-rule-checked-writes");
    return new Tracker(system, journal, issues, projects, index, ruleChecked, askTimeout);
  }

  private Tracker(ActorSystem<?> system, TrackerJournal journal, ActorRef<EntityRegistry.Command<IssueEntity.Command>> issues,
      ActorRef<EntityRegistry.Command<ProjectEntity.Command>> projects, ActorRef<TrackerIndex.Command> index,
      ActorRef<RuleCheckedWrites.Command> ruleChecked, Duration timeout) {
    this.system = system;
    this.journal = journal;
    this.issues = issues;
    this.projects = projects;
    this.index = index;
    this.ruleChecked = ruleChecked;
    this.timeout = timeout;
  }

  /** The journal the tracker reads, for other readers of the same events (the graph projection). */
  public TrackerJournal journal() {
    return journal;
  }

  // ---- issues -------------------------------------------------------------------------------

  /** Opens an issue; one in a project is rule-checked (archived projects take no issues). */
  public CompletionStage<Issue> createIssue(NewIssue request) {
    return createIssue(request, Optional.empty());
  }

  /**
   * Opens an issue once per key: with a key, the issue's id is derived from it, so a repeat (same
   * key, same request) reaches the same issue and gets it as it was created, and the same key with
   * another request fails with {@link TrackerRejection.Reason#KEY_REUSED}. Keys are scoped to issue
   * creation.
   */
  public CompletionStage<Issue> createIssue(NewIssue request, Optional<String> key) {
    String id;
    try {
      id = key.map(k -> idFromKey("issue", k)).orElseGet(() -> UUID.randomUUID().toString());
    } catch (TrackerRejection e) {
      return CompletableFuture.failedStage(e);
    }
    Supplier<CompletionStage<Issue>> create = () -> askIssue(id, replyTo -> new IssueEntity.Create(new IssueEntity.Draft(
        request.title(), request.description(), request.priority().orElse(Priority.MEDIUM), request.labels(),
        request.assignee(), request.projectId(), request.author()), key, replyTo));
    return request.projectId().isEmpty() ? create.get()
        : ruleChecked(() -> requireProject("project_id", request.projectId()).thenCompose(ok -> create.get()));
  }

  /** The issue from its entity (the source of truth) with the issues it blocks from the index. */
  public CompletionStage<IndexedIssue> issue(String id) {
    return knownIssue(id).thenCompose(indexed -> askIssue(id, IssueEntity.Get::new)
        .thenApply(issue -> new IndexedIssue(issue, indexed.blocks())));
  }

  public CompletionStage<List<IndexedIssue>> issues(IssueFilter filter) {
    return AskPattern.ask(index, (ActorRef<List<IndexedIssue>> r) -> new TrackerIndex.ListIssues(filter, r), timeout, system.scheduler());
  }

  /** Changes fields; a change of status or project is rule-checked, other edits go straight to the issue. */
  public CompletionStage<Issue> updateIssue(String id, IssueEntity.Changes changes, OptionalLong expectedVersion) {
    return updateIssue(id, changes, expectedVersion, Optional.empty());
  }

  /**
   * Changes fields once per key: the key is stored with the change, and a repeat (same key, same
   * changes and expected version) gets the issue as the first update left it, without writing or
   * checking the version again. The same key with other changes fails with
   * {@link TrackerRejection.Reason#KEY_REUSED}. Keys are scoped to the issue.
   */
  public CompletionStage<Issue> updateIssue(String id, IssueEntity.Changes changes, OptionalLong expectedVersion,
      Optional<String> key) {
    Supplier<CompletionStage<Issue>> update = () -> knownIssue(id)
        .thenCompose(indexed -> requireProject("project_id", changes.projectId().filter(p -> !p.isBlank()))
            .thenCompose(ok -> changes.status().filter(IssueStatus.DONE::equals).isPresent()
                ? requireBlockersFinished(indexed.issue()) : done()))
        .thenCompose(ok -> askIssue(id, r -> new IssueEntity.Update(changes, expectedVersion, key, r)));
    return changes.status().isPresent() || changes.projectId().isPresent() ? ruleChecked(update) : update.get();
  }

  public CompletionStage<Comment> comment(String issueId, String text, String author) {
    return comment(issueId, text, author, Optional.empty());
  }

  /**
   * Comments once per key: the key is stored with the comment, and a repeat (same key, text and
   * author) gets the first comment (same id) and adds none, also after a restart. The same key with
   * another text fails with {@link TrackerRejection.Reason#KEY_REUSED}. Keys are scoped to the issue;
   * an issue remembers its last {@code turbo-agents.tracker.remembered-keys} keyed writes.
   */
  public CompletionStage<Comment> comment(String issueId, String text, String author, Optional<String> key) {
    String commentId = UUID.randomUUID().toString();
    return knownIssue(issueId).thenCompose(i -> AskPattern.askWithStatus(issues,
        (ActorRef<StatusReply<Comment>> r) -> new EntityRegistry.Deliver<>(issueId, new IssueEntity.AddComment(commentId, text, author, key, r)),
        timeout, system.scheduler()));
  }

  /** Records that {@code issueId} cannot finish before {@code blockerId}; refuses unknown ids and cycles. */
  public CompletionStage<Issue> addBlocker(String issueId, String blockerId, OptionalLong expectedVersion) {
    return ruleChecked(() -> knownIssue(issueId)
        .thenCompose(i -> knownIssue(blockerId, "blocked_by"))
        .thenCompose(b -> AskPattern.ask(index, (ActorRef<Optional<String>> r) -> new TrackerIndex.CheckDependency(issueId, blockerId, r),
            timeout, system.scheduler()))
        .thenCompose(cycle -> cycle.isPresent()
            ? CompletableFuture.failedStage(TrackerRejection.invalid("blocked_by",
                "issue " + issueId + " cannot be blocked by " + blockerId + ": that makes a cycle (" + cycle.get() + ")"))
            : askIssue(issueId, r -> new IssueEntity.AddBlocker(blockerId, expectedVersion, r))));
  }

  /** Records that {@code blockedId} cannot finish before {@code issueId} (the same edge, seen from the blocker). */
  public CompletionStage<Issue> addBlocks(String issueId, String blockedId) {
    return knownIssue(issueId)
        .thenCompose(i -> knownIssue(blockedId, "blocks"))
        .thenCompose(b -> addBlocker(blockedId, issueId, OptionalLong.empty()));
  }

  /**
   * Adds a dependency once per key: exactly one of {@code blockedBy} (an issue {@code issueId} waits
   * for) or {@code blocks} (an issue that waits for it). The key is kept on {@code issueId} (the
   * issue the request names, whichever issue records the edge); a repeat with the same key and
   * dependency writes nothing and does not check {@code expectedVersion} again, and answers the
   * issue as it is now (adding an edge twice gives one edge, so "as it is now" is what the first
   * write made, unless something changed since). The same key with another dependency fails with
   * {@link TrackerRejection.Reason#KEY_REUSED}.
   */
  public CompletionStage<IndexedIssue> addDependency(String issueId, Optional<String> blockedBy, Optional<String> blocks,
      OptionalLong expectedVersion, Optional<String> key) {
    if (blockedBy.isPresent() == blocks.isPresent()) {
      return CompletableFuture.failedStage(TrackerRejection.invalid("blocked_by",
          "send exactly one of 'blocked_by' (an issue this one waits for) or 'blocks' (an issue that waits for this one)"));
    }
    Supplier<CompletionStage<Issue>> write = () -> blockedBy.isPresent()
        ? addBlocker(issueId, blockedBy.get(), expectedVersion)
        : addBlocks(issueId, blocks.get());
    if (key.isEmpty()) {
      return write.get().thenCompose(i -> issue(issueId));
    }
    String request = blockedBy.map(b -> "blocked_by " + b).orElseGet(() -> "blocks " + blocks.get()) + " " + expectedVersion;
    return knownIssue(issueId)
        .thenCompose(i -> askKey(issueId, r -> new IssueEntity.CheckKey(key.get(), request, r)))
        .thenCompose(unknown -> unknown
            ? write.get().thenCompose(i -> askKey(issueId, r -> new IssueEntity.RecordKey(key.get(), request, r)))
            : CompletableFuture.completedStage(false))
        .thenCompose(x -> issue(issueId));
  }

  private CompletionStage<Boolean> askKey(String issueId, Function<ActorRef<StatusReply<Boolean>>, IssueEntity.Command> command) {
    return AskPattern.askWithStatus(issues, r -> new EntityRegistry.Deliver<>(issueId, command.apply(r)), timeout, system.scheduler());
  }

  public CompletionStage<Issue> removeBlocker(String issueId, String blockerId, OptionalLong expectedVersion) {
    return knownIssue(issueId).thenCompose(i -> askIssue(issueId, r -> new IssueEntity.RemoveBlocker(blockerId, expectedVersion, r)));
  }

  public CompletionStage<Issue> markDuplicate(String issueId, String originalId, OptionalLong expectedVersion) {
    return ruleChecked(() -> knownIssue(issueId)
        .thenCompose(i -> knownIssue(originalId, "duplicate_of"))
        .thenCompose(original -> original.issue().duplicateOf().isPresent()
            ? CompletableFuture.failedStage(TrackerRejection.invalid("duplicate_of", "issue " + originalId
                + " is itself a duplicate of " + original.issue().duplicateOf().get() + "; point to that one instead"))
            : askIssue(issueId, r -> new IssueEntity.MarkDuplicate(originalId, expectedVersion, r))));
  }

  /** Records that triage job {@code jobId} saw the issue (once per job); a "new issues" batch skips it from then on. */
  public CompletionStage<Issue> markTriaged(String issueId, String jobId) {
    return knownIssue(issueId).thenCompose(i -> askIssue(issueId, r -> new IssueEntity.MarkTriaged(jobId, r)));
  }

  /** The triage jobs that saw the issue, oldest first (none for an issue triage never saw, or one from before triage). */
  public CompletionStage<List<String>> triagedBy(String issueId) {
    return issueHistory(issueId).thenApply(h -> h.stream().map(HistoryEntry::event)
        .filter(IssueEntity.Triaged.class::isInstance).map(e -> ((IssueEntity.Triaged) e).jobId()).toList());
  }

  /** Comments on an issue, oldest first, read from its journaled events. */
  public CompletionStage<List<Comment>> comments(String id) {
    return knownIssue(id).thenCompose(i -> journal.currentEvents(IssueEntity.persistenceId(id).id())
        .filter(env -> env.event() instanceof IssueEntity.CommentAdded)
        .map(env -> ((IssueEntity.CommentAdded) env.event()).comment())
        .runWith(Sink.seq(), system));
  }

  public CompletionStage<List<HistoryEntry>> issueHistory(String id) {
    return knownIssue(id).thenCompose(i -> history(IssueEntity.persistenceId(id).id()));
  }

  // ---- projects -----------------------------------------------------------------------------

  public CompletionStage<Project> createProject(String name, String description, String author) {
    return createProject(name, description, author, Optional.empty());
  }

  /** Opens a project once per key, as {@link #createIssue(NewIssue, Optional)} does an issue. */
  public CompletionStage<Project> createProject(String name, String description, String author, Optional<String> key) {
    String id;
    try {
      id = key.map(k -> idFromKey("project", k)).orElseGet(() -> UUID.randomUUID().toString());
    } catch (TrackerRejection e) {
      return CompletableFuture.failedStage(e);
    }
    return askProject(id, r -> new ProjectEntity.Create(name, description, author, key, r));
  }

  public CompletionStage<Project> project(String id) {
    return knownProject(id, "id").thenCompose(p -> askProject(id, ProjectEntity.Get::new));
  }

  public CompletionStage<List<Project>> projects() {
    return AskPattern.ask(index, TrackerIndex.ListProjects::new, timeout, system.scheduler());
  }

  /** Changes fields; a status change is rule-checked (an issue entering the project sees it), a rename is not. */
  public CompletionStage<Project> updateProject(String id, Optional<String> name, Optional<String> description,
      Optional<ProjectStatus> status, OptionalLong expectedVersion) {
    Supplier<CompletionStage<Project>> update = () -> knownProject(id, "id")
        .thenCompose(p -> askProject(id, r -> new ProjectEntity.Update(name, description, status, expectedVersion, r)));
    return status.isPresent() ? ruleChecked(update) : update.get();
  }

  public CompletionStage<List<HistoryEntry>> projectHistory(String id) {
    return knownProject(id, "id").thenCompose(p -> history(ProjectEntity.persistenceId(id).id()));
  }

  /** How many issue actors are in memory now (idle ones are passivated). */
  public CompletionStage<Integer> activeIssueActors() {
    return AskPattern.ask(issues, (ActorRef<Integer> r) -> new EntityRegistry.CountActive<IssueEntity.Command>(r), timeout, system.scheduler());
  }

  public CompletionStage<TrackerIndex.Stats> stats() {
    return AskPattern.ask(index, TrackerIndex.GetStats::new, timeout, system.scheduler());
  }

  // ---- plumbing -----------------------------------------------------------------------------

  /** The id a keyed create lands on: the same key always names the same entity, so a repeat finds it. */
  private static String idFromKey(String kind, String key) {
    return UUID.nameUUIDFromBytes((kind + ":" + KeyUse.checked(key)).getBytes(StandardCharsets.UTF_8)).toString();
  }

  /** Runs {@code checkAndWrite} in its turn among the rule-checked writes, within the ask timeout. */
  private <T> CompletionStage<T> ruleChecked(Supplier<CompletionStage<T>> checkAndWrite) {
    long deadline = System.nanoTime() + timeout.toNanos();
    return AskPattern.askWithStatus(ruleChecked, (ActorRef<StatusReply<T>> r) -> new RuleCheckedWrites.Run<>(checkAndWrite, deadline, r),
        timeout, system.scheduler());
  }

  private CompletionStage<IndexedIssue> knownIssue(String id) {
    return knownIssue(id, "id");
  }

  private CompletionStage<IndexedIssue> knownIssue(String id, String field) {
    return AskPattern.ask(index, (ActorRef<Optional<IndexedIssue>> r) -> new TrackerIndex.FindIssue(id, r), timeout, system.scheduler())
        .thenCompose(found -> found.<CompletionStage<IndexedIssue>>map(CompletableFuture::completedStage)
            .orElseGet(() -> CompletableFuture.failedStage("id".equals(field)
                ? TrackerRejection.notFound("issue", id)
                : TrackerRejection.invalid(field, field + ": no issue with id " + id))));
  }

  private CompletionStage<Project> knownProject(String id, String field) {
    return AskPattern.ask(index, (ActorRef<Optional<Project>> r) -> new TrackerIndex.FindProject(id, r), timeout, system.scheduler())
        .thenCompose(found -> found.<CompletionStage<Project>>map(CompletableFuture::completedStage)
            .orElseGet(() -> CompletableFuture.failedStage("id".equals(field)
                ? TrackerRejection.notFound("project", id)
                : TrackerRejection.invalid(field, field + ": no project with id " + id))));
  }

  private CompletionStage<Object> requireProject(String field, Optional<String> projectId) {
    return projectId.isEmpty() ? done() : knownProject(projectId.get(), field).thenCompose(p -> p.status() == ProjectStatus.ARCHIVED
        ? CompletableFuture.failedStage(TrackerRejection.invalid(field, "project " + p.id() + " is archived and takes no issues"))
        : done());
  }

  private CompletionStage<Object> requireBlockersFinished(Issue issue) {
    List<CompletableFuture<Optional<IndexedIssue>>> blockers = issue.blockedBy().stream()
        .map(id -> AskPattern.ask(index, (ActorRef<Optional<IndexedIssue>> r) -> new TrackerIndex.FindIssue(id, r), timeout, system.scheduler())
            .toCompletableFuture())
        .toList();
    return CompletableFuture.allOf(blockers.toArray(CompletableFuture[]::new)).thenCompose(x -> {
      List<String> open = blockers.stream().map(CompletableFuture::join).flatMap(Optional::stream).map(IndexedIssue::issue)
          .filter(i -> !i.status().isFinished()).map(i -> i.id() + " (" + i.status().wire() + ")").toList();
      return open.isEmpty() ? done() : CompletableFuture.failedStage(TrackerRejection.invalid("status",
          "issue " + issue.id() + " cannot be done while it is blocked by unfinished issues: " + String.join(", ", open)));
    });
  }

  private static CompletionStage<Object> done() {
    return CompletableFuture.completedStage(Boolean.TRUE);
  }

  private CompletionStage<Issue> askIssue(String id, Function<ActorRef<StatusReply<Issue>>, IssueEntity.Command> command) {
    return AskPattern.askWithStatus(issues, r -> new EntityRegistry.Deliver<>(id, command.apply(r)), timeout, system.scheduler());
  }

  private CompletionStage<Project> askProject(String id, Function<ActorRef<StatusReply<Project>>, ProjectEntity.Command> command) {
    return AskPattern.askWithStatus(projects, r -> new EntityRegistry.Deliver<>(id, command.apply(r)), timeout, system.scheduler());
  }

  private CompletionStage<List<HistoryEntry>> history(String persistenceId) {
    return journal.currentEvents(persistenceId).map(Tracker::entry).runWith(Sink.seq(), system);
  }

  private static HistoryEntry entry(EventEnvelope env) {
    Instant at = switch (env.event()) {
      case IssueEntity.Event e -> e.at();
      case ProjectEntity.Event e -> e.at();
      default -> Instant.ofEpochMilli(env.timestamp());
    };
    return new HistoryEntry(env.sequenceNr(), env.event().getClass().getSimpleName(), at, env.event());
  }
}
