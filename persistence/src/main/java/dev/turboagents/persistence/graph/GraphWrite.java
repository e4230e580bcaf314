package dev.turboagents.persistence.graph;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One change to the knowledge graph. Every write is idempotent (MERGE by id, SET of absolute values),
 * so applying the same list twice leaves the graph as applying it once: a replay is harmless.
 * Absent optionals leave the property as it is.
 */
public sealed interface GraphWrite {

  record UpsertProject(String id, Optional<String> name, Optional<String> description, Optional<String> status)
      implements GraphWrite {

    public static UpsertProject of(String id) {
      return new UpsertProject(id, Optional.empty(), Optional.empty(), Optional.empty());
    }

    public UpsertProject withName(String value) {
      return new UpsertProject(id, Optional.of(value), description, status);
    }

    public UpsertProject withDescription(String value) {
      return new UpsertProject(id, name, Optional.of(value), status);
    }

    public UpsertProject withStatus(String value) {
      return new UpsertProject(id, name, description, Optional.of(value));
    }
  }

  record UpsertIssue(String id, Optional<String> projectId, Optional<String> title, Optional<String> description,
      Optional<String> status, Optional<String> priority, Optional<List<String>> labels,
      Optional<String> assignee) implements GraphWrite {

    public static UpsertIssue of(String id) {
      return new UpsertIssue(id, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** An empty {@code project} takes the issue out of its project. */
    public UpsertIssue inProject(String project) {
      return new UpsertIssue(id, Optional.of(project), title, description, status, priority, labels, assignee);
    }

    public UpsertIssue withTitle(String value) {
      return new UpsertIssue(id, projectId, Optional.of(value), description, status, priority, labels, assignee);
    }

    public UpsertIssue withDescription(String value) {
      return new UpsertIssue(id, projectId, title, Optional.of(value), status, priority, labels, assignee);
    }

    public UpsertIssue withStatus(String value) {
      return new UpsertIssue(id, projectId, title, description, Optional.of(value), priority, labels, assignee);
    }

    public UpsertIssue withPriority(String value) {
      return new UpsertIssue(id, projectId, title, description, status, Optional.of(value), labels, assignee);
    }

    public UpsertIssue withLabels(List<String> value) {
      return new UpsertIssue(id, projectId, title, description, status, priority, Optional.of(List.copyOf(value)), assignee);
    }

    public UpsertIssue withAssignee(String value) {
      return new UpsertIssue(id, projectId, title, description, status, priority, labels, Optional.of(value));
    }
  }

  /** A comment on an issue; {@code commentId} must be unique across all comments. */
  record AddComment(String issueId, String commentId, String author, String text) implements GraphWrite {}

  /** A decision, with the issue or job it was taken in. */
  record RecordDecision(String id, String title, String text, EntityRef decidedIn) implements GraphWrite {}

  record RecordJob(String id, String title, String text, String status) implements GraphWrite {}

  record RecordCommit(String sha, String message) implements GraphWrite {}

  /** A job's status changed; {@code text} (its result or failure) replaces the job's text when present. */
  record UpdateJob(String id, String status, Optional<String> text) implements GraphWrite {}

  /** A job or commit touched a file (the file node is created on first touch). */
  record TouchFile(EntityRef by, String path) implements GraphWrite {}

  /** A relationship between two nodes; nodes that do not exist yet are created as bare ids. */
  record Link(EntityRef from, Relation relation, EntityRef to) implements GraphWrite {}

  record Unlink(EntityRef from, Relation relation, EntityRef to) implements GraphWrite {}

  /**
   * Dated facts: from event {@code source} on, {@code attribute} of {@code subject} has exactly
   * {@code values} (one value for status or priority, none for a cleared assignee, every label).
   * Facts with other values that were true until then end at {@code source}; values already true
   * stay as they are. Only facts older than the event are touched, so a replay changes nothing.
   */
  record SetFacts(EntityRef subject, String attribute, Set<String> values, FactSource source) implements GraphWrite {
    public SetFacts {
      values = Set.copyOf(values);
    }
  }

  /** From {@code source} on, {@code value} is one more value of {@code attribute} (a blocker, a duplicate). */
  record AddFact(EntityRef subject, String attribute, String value, FactSource source) implements GraphWrite {}

  /** At {@code source} the fact {@code attribute} = {@code value} of {@code subject} stops being true. */
  record EndFact(EntityRef subject, String attribute, String value, FactSource source) implements GraphWrite {}

  /**
   * The journal event a fact comes from: the entity's persistence id and sequence number (facts of one
   * subject are ordered by it), the tag stream offset, and when it happened.
   */
  record FactSource(String persistenceId, long sequenceNr, String tag, long offset, Instant at) {
    /** {@code issue-42#7}: how a fact names the event it came from. */
    public String id() {
      return persistenceId + "#" + sequenceNr;
    }
  }

  /** Removes a node and its relationships. */
  record Remove(EntityRef entity) implements GraphWrite {}
}
