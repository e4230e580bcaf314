package dev.turboagents.persistence.jobs;

/** How a model turn ended. */
public enum TurnKind {
  /** A well-formed call of an allowed tool, first try. */
  TOOL_CALL,
  /** The final answer. */
  FINAL,
  /** A call or answer that was accepted after a correction (the turn before it was invalid). */
  REPAIRED,
  /** Unparseable, an invented tool, or arguments that break the tool's schema: a correction follows. */
  INVALID
}
