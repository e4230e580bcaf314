package dev.turboagents.persistence.graph;

/** Relationship types of the knowledge graph. */
public enum Relation {
  /** an issue (or job, decision) belongs to a project */
  IN_PROJECT,
  /** an issue blocks another */
  BLOCKS,
  /** two issues are related */
  RELATES_TO,
  /** an issue duplicates another */
  DUPLICATE_OF,
  /** a comment on an issue */
  ON,
  /** a text references an issue as {@code #<id>} */
  MENTIONS,
  /** a job or commit changed a file */
  TOUCHES,
  /** a decision was taken in an issue or job */
  DECIDED_IN,
  /** a job works on an issue */
  WORKS_ON,
  /** a job made a commit */
  PRODUCED
}
