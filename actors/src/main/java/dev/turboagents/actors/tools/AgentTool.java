package dev.turboagents.actors.tools;

import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.ToolSpec;
import java.util.Optional;

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

  /** What a tool does with its checked arguments. */
  @FunctionalInterface
  interface Body {
    ToolResult run(JsonObject arguments, ToolContext context) throws Exception;
  }

  /**
   * The result the model sees for an exception a tool's body threw (a service that did not answer,
   * a refusal by the tracker), or empty: then it is a crash.
   */
  @FunctionalInterface
  interface FailureMapping {
    Optional<ToolResult> of(String tool, Exception thrown);
  }

  /** Every exception is a crash. */
  FailureMapping CRASHES = (tool, thrown) -> Optional.empty();

  /** The tool {@code spec} that runs {@code body}, its expected failures mapped by {@code failures}. */
  static AgentTool of(ToolSpec spec, Body body, FailureMapping failures) {
    return new Defined(spec, body, failures);
  }

  /** A tool made of its spec, body and failure mapping. */
  record Defined(ToolSpec spec, Body body, FailureMapping failures) implements AgentTool {
    public ToolResult run(JsonObject arguments, ToolContext context) throws Exception {
      try {
        return body.run(arguments, context);
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        Optional<ToolResult> mapped = failures.of(spec.name(), e);
        if (mapped.isPresent()) {
          return mapped.get();
        }
        throw e;
      }
    }
  }
}
