package dev.turboagents.persistence.issues;

import dev.turboagents.persistence.CborSerializable;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * An issue as its events made it. {@code version} is the number of events applied: clients send it
 * back to detect a concurrent change (409). {@code blockedBy} holds the ids of issues that must
 * finish first; the reverse ("blocks") is derived by the tracker index. Comment texts stay in the
 * journal (read with the issue's history), so the state and its snapshots stay small however long
 * the conversation on an issue grows.
 */
public record Issue(
    String id,
    String title,
    String description,
    IssueStatus status,
    Priority priority,
    List<String> labels,
    Optional<String> assignee,
    Optional<String> projectId,
    int commentCount,
    List<String> blockedBy,
    Optional<String> duplicateOf,
    String createdBy,
    Instant createdAt,
    Instant updatedAt,
    long version) implements CborSerializable {

  /** The issue an IssueCreated event starts. */
  public static Issue created(String id, IssueEntity.IssueCreated e) {
    return new Issue(id, e.title(), e.description(), IssueStatus.OPEN, e.priority(), e.labels(), e.assignee(),
        e.projectId(), 0, List.of(), Optional.empty(), e.author(), e.at(), e.at(), 1);
  }

  /** The issue after one more event. */
  public Issue apply(IssueEntity.Event event) {
    if (event instanceof IssueEntity.KeyRecorded || event instanceof IssueEntity.Triaged) {
      return this; // a key or a triage mark changes no field and no version
    }
    Issue next = switch (event) {
      case IssueEntity.IssueCreated e -> created(id, e);
      case IssueEntity.TitleChanged e -> withTitle(e.title());
      case IssueEntity.DescriptionChanged e -> withDescription(e.description());
      case IssueEntity.StatusChanged e -> withStatus(e.to());
      case IssueEntity.PriorityChanged e -> withPriority(e.to());
      case IssueEntity.LabelsChanged e -> withLabels(e.labels());
      case IssueEntity.AssigneeChanged e -> withAssignee(e.assignee());
      case IssueEntity.ProjectChanged e -> withProject(e.projectId());
      case IssueEntity.CommentAdded e -> withComment();
      case IssueEntity.BlockerAdded e -> withBlockers(add(blockedBy, e.blockerId()));
      case IssueEntity.BlockerRemoved e -> withBlockers(remove(blockedBy, e.blockerId()));
      case IssueEntity.DuplicateMarked e -> markedDuplicate(e.duplicateOf());
      case IssueEntity.KeyRecorded e -> this;
      case IssueEntity.Triaged e -> this;
    };
    return next.touched(event.at(), version + 1);
  }

  private Issue withTitle(String v) {
    return new Issue(id, v, description, status, priority, labels, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withDescription(String v) {
    return new Issue(id, title, v, status, priority, labels, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withStatus(IssueStatus v) {
    return new Issue(id, title, description, v, priority, labels, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withPriority(Priority v) {
    return new Issue(id, title, description, status, v, labels, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withLabels(List<String> v) {
    return new Issue(id, title, description, status, priority, v, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withAssignee(Optional<String> v) {
    return new Issue(id, title, description, status, priority, labels, v, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withProject(Optional<String> v) {
    return new Issue(id, title, description, status, priority, labels, assignee, v, commentCount, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withComment() {
    return new Issue(id, title, description, status, priority, labels, assignee, projectId, commentCount + 1, blockedBy, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  private Issue withBlockers(List<String> v) {
    return new Issue(id, title, description, status, priority, labels, assignee, projectId, commentCount, v, duplicateOf, createdBy, createdAt, updatedAt, version);
  }

  /** A duplicate is closed: its work continues on the original. */
  private Issue markedDuplicate(String of) {
    return new Issue(id, title, description, IssueStatus.CLOSED, priority, labels, assignee, projectId, commentCount, blockedBy, Optional.of(of), createdBy, createdAt, updatedAt, version);
  }

  private Issue touched(Instant at, long newVersion) {
    return new Issue(id, title, description, status, priority, labels, assignee, projectId, commentCount, blockedBy, duplicateOf, createdBy, createdAt, at, newVersion);
  }

  private static List<String> add(List<String> ids, String id) {
    TreeSet<String> set = new TreeSet<>(ids);
    set.add(id);
    return List.copyOf(set);
  }

  private static List<String> remove(List<String> ids, String id) {
    TreeSet<String> set = new TreeSet<>(ids);
    set.remove(id);
    return List.copyOf(set);
  }
}
