package dev.turboagents.actors.tools;

import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.ToolSpec;

/**
 * One tool an agent may call. It runs inside its {@link ToolActor} on the blocking dispatcher; what
 * the model asked for that cannot be done is a {@link ToolResult.Refused} or {@link ToolResult.Failed}
 * value, and an exception is a crash: its actor is restarted with backoff and the job sees a typed failure.
 */
public interface AgentTool {
  /** Name, description and the JSON schema its arguments are checked against before it runs. */
  ToolSpec spec();

  ToolResult run(JsonObject arguments, ToolContext context) throws Exception;

  default String name() {
    return spec().name();
  }
}
