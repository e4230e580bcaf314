package dev.turboagents.actors.agents.calling;

import dev.turboagents.actors.inference.ToolCall;

/** What a model's answer turned out to be. */
public sealed interface ParsedTurn {

  /** A well-formed call of an allowed tool, its arguments checked against the tool's schema. */
  record Call(ToolCall call) implements ParsedTurn {}

  /** The final answer. */
  record Final(String answer) implements ParsedTurn {}

  /**
   * Nothing usable: not JSON, an invented tool, or arguments that break the schema.
   *
   * @param problem what was wrong, precisely (the tool, the field)
   * @param correction what the model is told next: the problem and the shape it must answer in
   */
  record Invalid(String problem, String correction) implements ParsedTurn {}
}
