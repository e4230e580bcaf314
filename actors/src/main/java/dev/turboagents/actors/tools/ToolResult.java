package dev.turboagents.actors.tools;

/** What a tool call came to, as the model is shown it and the job records it. */
public sealed interface ToolResult {
  String text();

  /** ok, refused or failed: the job event's outcome. */
  String outcome();

  /** The tool did it; {@code text} is its result. */
  record Ok(String text) implements ToolResult {
    public String outcome() {
      return "ok";
    }
  }

  /** Not allowed (a path outside the checkout, a tool this agent may not use): nothing was done. */
  record Refused(String text) implements ToolResult {
    public String outcome() {
      return "refused";
    }
  }

  /** The tool could not do it (it crashed, timed out, a service it needs is down). */
  record Failed(String text) implements ToolResult {
    public String outcome() {
      return "failed";
    }
  }
}
