package dev.turboagents.http.tracker;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.projects.ProjectEntity;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * How issues, projects, comments and history look on the wire, in the documented field order.
 * These records are the API: they are built from the entities' state and events but are not them,
 * so a change in the journal's schema cannot change the API by accident.
 */
final class TrackerViews {

  private TrackerViews() {}

  /** An issue; {@code comments} only when one issue is shown (listings carry the count). */
  record IssueView(String id, String title, String description, String status, String priority, List<String> labels,
      Optional<String> assignee, Optional<String> projectId, List<String> blockedBy, List<String> blocks,
      Optional<String> duplicateOf, int commentCount, String createdBy, Instant createdAt, Instant updatedAt, long version,
      @JsonInclude(JsonInclude.Include.NON_ABSENT) Optional<List<CommentView>> comments) {

    static IssueView of(IndexedIssue indexed) {
      return of(indexed, Optional.empty());
    }

    static IssueView of(IndexedIssue indexed, Optional<List<Comment>> comments) {
      Issue i = indexed.issue();
      return new IssueView(i.id(), i.title(), i.description(), i.status().wire(), i.priority().wire(), i.labels(),
          i.assignee(), i.projectId(), i.blockedBy(), indexed.blocks(), i.duplicateOf(), i.commentCount(), i.createdBy(),
          i.createdAt(), i.updatedAt(), i.version(), comments.map(cs -> cs.stream().map(c -> CommentView.of(i.id(), c)).toList()));
    }
  }

  record CommentView(String id, String issueId, String text, String author, Instant createdAt) {
    static CommentView of(String issueId, Comment c) {
      return new CommentView(c.id(), issueId, c.text(), c.author(), c.createdAt());
    }
  }

  record DependenciesView(String id, List<String> blockedBy, List<String> blocks, Optional<String> duplicateOf) {
    static DependenciesView of(IndexedIssue indexed) {
      return new DependenciesView(indexed.issue().id(), indexed.issue().blockedBy(), indexed.blocks(),
          indexed.issue().duplicateOf());
    }
  }

  record ProjectView(String id, String name, String description, String status, String createdBy, Instant createdAt,
      Instant updatedAt, long version) {
    static ProjectView of(Project p) {
      return new ProjectView(p.id(), p.name(), p.description(), p.status().wire(), p.createdBy(), p.createdAt(),
          p.updatedAt(), p.version());
    }
  }

  /** One event of an issue's or project's history: its number, kind ("status_changed"), time and what changed. */
  record HistoryView(long sequence, String type, Instant at, EventView event) {
    static HistoryView of(HistoryEntry e) {
      return new HistoryView(e.sequence(), snake(e.type()), e.at(), EventView.of(e.event()));
    }
  }

  /** What an event changed, one record per kind, with values as the API writes them. */
  sealed interface EventView {
    record IssueCreated(String title, String description, String priority, List<String> labels, Optional<String> assignee,
        Optional<String> projectId, String author) implements EventView {}

    record ProjectCreated(String name, String description, String author) implements EventView {}

    record Title(String title) implements EventView {}

    record Name(String name) implements EventView {}

    record Description(String description) implements EventView {}

    /** A status or priority that moved. */
    record Move(String from, String to) implements EventView {}

    record Labels(List<String> labels) implements EventView {}

    record Assignee(Optional<String> assignee) implements EventView {}

    record InProject(Optional<String> projectId) implements EventView {}

    record Commented(CommentBody comment) implements EventView {}

    record CommentBody(String id, String text, String author, Instant createdAt) {}

    record Blocker(String blockerId) implements EventView {}

    record Duplicate(String duplicateOf) implements EventView {}

    /** A triage job saw the issue. */
    record TriagedBy(String jobId) implements EventView {}

    /** The update just before carried this idempotency key. */
    record Keyed(String idempotencyKey) implements EventView {}

    static EventView of(Object event) {
      return switch (event) {
        case IssueEntity.IssueCreated e -> new IssueCreated(e.title(), e.description(), e.priority().wire(), e.labels(),
            e.assignee(), e.projectId(), e.author());
        case IssueEntity.TitleChanged e -> new Title(e.title());
        case IssueEntity.DescriptionChanged e -> new Description(e.description());
        case IssueEntity.StatusChanged e -> new Move(e.from().wire(), e.to().wire());
        case IssueEntity.PriorityChanged e -> new Move(e.from().wire(), e.to().wire());
        case IssueEntity.LabelsChanged e -> new Labels(e.labels());
        case IssueEntity.AssigneeChanged e -> new Assignee(e.assignee());
        case IssueEntity.ProjectChanged e -> new InProject(e.projectId());
        case IssueEntity.CommentAdded e -> new Commented(new CommentBody(e.comment().id(), e.comment().text(),
            e.comment().author(), e.comment().createdAt()));
        case IssueEntity.BlockerAdded e -> new Blocker(e.blockerId());
        case IssueEntity.BlockerRemoved e -> new Blocker(e.blockerId());
        case IssueEntity.DuplicateMarked e -> new Duplicate(e.duplicateOf());
        case IssueEntity.KeyRecorded e -> new Keyed(e.key().key());
        case IssueEntity.Triaged e -> new TriagedBy(e.jobId());
        case ProjectEntity.ProjectCreated e -> new ProjectCreated(e.name(), e.description(), e.author());
        case ProjectEntity.ProjectRenamed e -> new Name(e.name());
        case ProjectEntity.ProjectDescriptionChanged e -> new Description(e.description());
        case ProjectEntity.ProjectStatusChanged e -> new Move(e.from().wire(), e.to().wire());
        default -> throw new IllegalStateException("no API view for the event " + event.getClass().getName());
      };
    }
  }

  /** IssueCreated -> issue_created. */
  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
  }
}
