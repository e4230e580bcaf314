package dev.turboagents.persistence.graph;

import dev.turboagents.persistence.entity.TrackerEntity;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.projects.ProjectEntity;
import dev.turboagents.persistence.projects.ProjectStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * What each work-tracker event means for the knowledge graph: the nodes as they are now, and for an
 * issue's status, assignee, priority, labels, blockers and duplicate the dated facts
 * ({@link GraphWrite.SetFacts}, {@link GraphWrite.AddFact}, {@link GraphWrite.EndFact}) that keep
 * what was true when.
 */
final class TrackerEventWrites {

  private TrackerEventWrites() {}

  /** Fact attributes, as they appear in {@code GET /graph/changes}. */
  static final String STATUS = "status";
  static final String ASSIGNEE = "assignee";
  static final String PRIORITY = "priority";
  static final String LABEL = "label";
  static final String BLOCKED_BY = "blocked_by";
  static final String DUPLICATE_OF = "duplicate_of";

  /** The graph writes for one event of the entity with persistence id {@code persistenceId}. */
  static List<GraphWrite> of(String persistenceId, Object event) {
    return of(persistenceId, event, java.util.Optional.empty());
  }

  /** The same, with the dated facts of the event when {@code source} (where it is in the journal) is known. */
  static List<GraphWrite> of(String persistenceId, Object event, java.util.Optional<GraphWrite.FactSource> source) {
    String id = TrackerEntity.idOf(persistenceId);
    return switch (event) {
      case IssueEntity.Event e -> {
        List<GraphWrite> writes = new ArrayList<>(issue(id, e));
        source.ifPresent(s -> writes.addAll(facts(EntityRef.issue(id), e, s)));
        yield List.copyOf(writes);
      }
      case ProjectEntity.Event e -> project(id, e);
      default -> List.of();
    };
  }

  private static List<GraphWrite> facts(EntityRef self, IssueEntity.Event event, GraphWrite.FactSource s) {
    return switch (event) {
      case IssueEntity.IssueCreated e -> List.of(
          new GraphWrite.SetFacts(self, STATUS, Set.of(IssueStatus.OPEN.wire()), s),
          new GraphWrite.SetFacts(self, PRIORITY, Set.of(e.priority().wire()), s),
          new GraphWrite.SetFacts(self, ASSIGNEE, e.assignee().map(Set::of).orElse(Set.of()), s),
          new GraphWrite.SetFacts(self, LABEL, Set.copyOf(e.labels()), s));
      case IssueEntity.StatusChanged e -> List.of(new GraphWrite.SetFacts(self, STATUS, Set.of(e.to().wire()), s));
      case IssueEntity.PriorityChanged e -> List.of(new GraphWrite.SetFacts(self, PRIORITY, Set.of(e.to().wire()), s));
      case IssueEntity.LabelsChanged e -> List.of(new GraphWrite.SetFacts(self, LABEL, Set.copyOf(e.labels()), s));
      case IssueEntity.AssigneeChanged e -> List.of(new GraphWrite.SetFacts(self, ASSIGNEE, e.assignee().map(Set::of).orElse(Set.of()), s));
      case IssueEntity.BlockerAdded e -> List.of(new GraphWrite.AddFact(self, BLOCKED_BY, e.blockerId(), s));
      case IssueEntity.BlockerRemoved e -> List.of(new GraphWrite.EndFact(self, BLOCKED_BY, e.blockerId(), s));
      case IssueEntity.DuplicateMarked e -> List.of(new GraphWrite.SetFacts(self, STATUS, Set.of(IssueStatus.CLOSED.wire()), s),
          new GraphWrite.AddFact(self, DUPLICATE_OF, e.duplicateOf(), s));
      case IssueEntity.TitleChanged e -> List.of();
      case IssueEntity.DescriptionChanged e -> List.of();
      case IssueEntity.ProjectChanged e -> List.of();
      case IssueEntity.CommentAdded e -> List.of();
      case IssueEntity.KeyRecorded e -> List.of();
      case IssueEntity.Triaged e -> List.of();
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
