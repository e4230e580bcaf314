package dev.turboagents.persistence.graph;

import dev.turboagents.persistence.entity.TrackerEntity;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.projects.ProjectEntity;
import dev.turboagents.persistence.projects.ProjectStatus;
import java.util.List;

/** What each work-tracker event means for the knowledge graph. */
final class TrackerEventWrites {

  private TrackerEventWrites() {}

  /** The graph writes for one event of the entity with persistence id {@code persistenceId}. */
  static List<GraphWrite> of(String persistenceId, Object event) {
    String id = TrackerEntity.idOf(persistenceId);
    return switch (event) {
      case IssueEntity.Event e -> issue(id, e);
      case ProjectEntity.Event e -> project(id, e);
      default -> List.of();
    };
  }

  private static List<GraphWrite> issue(String id, IssueEntity.Event event) {
    GraphWrite.UpsertIssue issue = GraphWrite.UpsertIssue.of(id);
    EntityRef self = EntityRef.issue(id);
    return switch (event) {
      case IssueEntity.IssueCreated e -> {
        GraphWrite.UpsertIssue created = issue.withTitle(e.title()).withDescription(e.description())
            .withStatus(IssueStatus.OPEN.wire()).withPriority(e.priority().wire()).withLabels(e.labels())
            .withAssignee(e.assignee().orElse(""));
        yield List.of(e.projectId().map(created::inProject).orElse(created));
      }
      case IssueEntity.TitleChanged e -> List.of(issue.withTitle(e.title()));
      case IssueEntity.DescriptionChanged e -> List.of(issue.withDescription(e.description()));
      case IssueEntity.StatusChanged e -> List.of(issue.withStatus(e.to().wire()));
      case IssueEntity.PriorityChanged e -> List.of(issue.withPriority(e.to().wire()));
      case IssueEntity.LabelsChanged e -> List.of(issue.withLabels(e.labels()));
      case IssueEntity.AssigneeChanged e -> List.of(issue.withAssignee(e.assignee().orElse("")));
      case IssueEntity.ProjectChanged e -> List.of(issue.inProject(e.projectId().orElse("")));
      case IssueEntity.CommentAdded e -> List.of(
          new GraphWrite.AddComment(id, e.comment().id(), e.comment().author(), e.comment().text()));
      case IssueEntity.BlockerAdded e -> List.of(new GraphWrite.Link(EntityRef.issue(e.blockerId()), Relation.BLOCKS, self));
      case IssueEntity.BlockerRemoved e -> List.of(new GraphWrite.Unlink(EntityRef.issue(e.blockerId()), Relation.BLOCKS, self));
      case IssueEntity.DuplicateMarked e -> List.of(issue.withStatus(IssueStatus.CLOSED.wire()),
          new GraphWrite.Link(self, Relation.DUPLICATE_OF, EntityRef.issue(e.duplicateOf())));
      case IssueEntity.KeyRecorded e -> List.of(); // a key is no knowledge
      case IssueEntity.Triaged e -> List.of(); // the triage's decisions arrive as their own events
    };
  }

  private static List<GraphWrite> project(String id, ProjectEntity.Event event) {
    GraphWrite.UpsertProject project = GraphWrite.UpsertProject.of(id);
    return switch (event) {
      case ProjectEntity.ProjectCreated e -> List.of(project.withName(e.name()).withDescription(e.description()).withStatus(ProjectStatus.ACTIVE.wire()));
      case ProjectEntity.ProjectRenamed e -> List.of(project.withName(e.name()));
      case ProjectEntity.ProjectDescriptionChanged e -> List.of(project.withDescription(e.description()));
      case ProjectEntity.ProjectStatusChanged e -> List.of(project.withStatus(e.to().wire()));
    };
  }
}
