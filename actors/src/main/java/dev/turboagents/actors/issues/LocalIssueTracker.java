package dev.turboagents.actors.issues;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The tracker inside this daemon, as the agents see it. */
public final class LocalIssueTracker implements IssueTracker {
  private final Tracker tracker;

  public LocalIssueTracker(Tracker tracker) {
    this.tracker = tracker;
  }

  public CompletionStage<TrackedIssue> issue(String id) {
    return tracker.issue(id).thenApply(LocalIssueTracker::tracked);
  }

  public CompletionStage<List<TrackedIssue>> issues() {
    return tracker.issues(IssueFilter.all()).thenApply(all -> all.stream().map(LocalIssueTracker::tracked).toList());
  }

  public CompletionStage<List<TrackedComment>> comments(String id) {
    return tracker.comments(id).thenApply(cs -> cs.stream().map(LocalIssueTracker::tracked).toList());
  }

  public CompletionStage<List<HistoryLine>> history(String id) {
    return tracker.issueHistory(id).thenApply(h -> h.stream().map(LocalIssueTracker::line).toList());
  }

  public CompletionStage<TrackedIssue> update(String id, Optional<List<String>> labels, Optional<String> priority,
      String key) {
    Optional<Priority> p = priority.map(v -> Priority.fromWire(v).orElseThrow(() ->
        TrackerRejection.invalid("priority", "priority must be one of " + Priority.wireNames() + ", was '" + v + "'")));
    IssueEntity.Changes changes = new IssueEntity.Changes(Optional.empty(), Optional.empty(), Optional.empty(), p, labels,
        Optional.empty(), Optional.empty());
    return tracker.updateIssue(id, changes, OptionalLong.empty(), Optional.of(key)).thenCompose(i -> issue(id));
  }

  public CompletionStage<Optional<TrackedComment>> commentOnce(String id, String text, String author, String key) {
    return tracker.comment(id, text, author, Optional.of(key)).thenApply(c -> Optional.of(tracked(c)))
        .exceptionallyCompose(e -> unwrap(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.KEY_REUSED
            ? CompletableFuture.completedFuture(Optional.empty()) : CompletableFuture.failedFuture(unwrap(e)));
  }

  public CompletionStage<TrackedIssue> markDuplicate(String id, String originalId) {
    return tracker.issue(id).thenCompose(i -> i.issue().duplicateOf().equals(Optional.of(originalId))
        ? CompletableFuture.completedStage(tracked(i))
        : tracker.markDuplicate(id, originalId, OptionalLong.empty()).thenCompose(x -> issue(id)));
  }

  public CompletionStage<TrackedIssue> markTriaged(String id, String jobId) {
    return tracker.markTriaged(id, jobId).thenCompose(i -> issue(id));
  }

  public CompletionStage<List<String>> triagedBy(String id) {
    return tracker.triagedBy(id);
  }

  static TrackedIssue tracked(IndexedIssue indexed) {
    Issue i = indexed.issue();
    return new TrackedIssue(i.id(), i.title(), i.description(), i.status().wire(), i.priority().wire(), i.labels(),
        i.blockedBy(), indexed.blocks(), i.duplicateOf(), i.createdBy(), i.createdAt());
  }

  private static TrackedComment tracked(Comment c) {
    return new TrackedComment(c.id(), c.text(), c.author(), c.createdAt());
  }

  private static HistoryLine line(HistoryEntry e) {
    String what = switch (e.event()) {
      case IssueEntity.IssueCreated c -> "created by " + c.author() + ": " + c.title() + " [" + c.priority().wire() + "] "
          + c.labels();
      case IssueEntity.TitleChanged c -> "title: " + c.title();
      case IssueEntity.DescriptionChanged c -> "description changed";
      case IssueEntity.StatusChanged c -> "status " + c.from().wire() + " -> " + c.to().wire();
      case IssueEntity.PriorityChanged c -> "priority " + c.from().wire() + " -> " + c.to().wire();
      case IssueEntity.LabelsChanged c -> "labels " + c.labels();
      case IssueEntity.AssigneeChanged c -> "assignee " + c.assignee().orElse("(none)");
      case IssueEntity.ProjectChanged c -> "project " + c.projectId().orElse("(none)");
      case IssueEntity.CommentAdded c -> "comment by " + c.comment().author() + ": " + c.comment().text();
      case IssueEntity.BlockerAdded c -> "blocked by " + c.blockerId();
      case IssueEntity.BlockerRemoved c -> "no longer blocked by " + c.blockerId();
      case IssueEntity.DuplicateMarked c -> "duplicate of " + c.duplicateOf();
      case IssueEntity.KeyRecorded c -> "(idempotency key " + c.key().key() + ")";
      case IssueEntity.Triaged c -> "triaged by job " + c.jobId();
      default -> String.valueOf(e.event());
    };
    return new HistoryLine(snake(e.type()), e.at(), what);
  }

  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  private static Throwable unwrap(Throwable e) {
    return AsyncFailure.cause(e);
  }
}
