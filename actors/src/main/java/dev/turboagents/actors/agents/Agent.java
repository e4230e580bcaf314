package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.persistence.jobs.Job;
import java.util.List;
import java.util.Optional;

/**
 * What makes one agent: a role, a model, its tools, the task it builds from a job's input, and
 * what it does with the final answer. The loop ({@link AgentLoop}) is the same for every agent.
 */
public interface Agent {
  String name();

  /** Who the model is told it is, in the system prompt. */
  String role();

  String model();

  List<ToolSpec> tools();

  /**
   * The schema of the final answer's arguments when the agent wants a structured one (the issue
   * agent's decisions: labels from an enum, a priority): constrained decoding can then produce only
   * an answer that fits, and {@link #finish} gets those arguments as JSON. Empty = the plain
   * {@code {"answer": "..."}} whose text {@link #finish} gets.
   */
  default Optional<JsonSchema> answerSchema(Job job) {
    return Optional.empty();
  }

  /** The task as the model sees it (the issue, graph context, recent commits), and where it came from. */
  Task gather(Job job) throws Exception;

  /** The job's own checkout, for the file tools; empty for agents that work on no code. */
  Optional<JobCheckout> checkout(Job job);

  /** What the final answer comes to: the quality gate of the code agent. {@code step} keys its side effects. */
  Finish finish(Job job, String answer, int step) throws Exception;

  /**
   * What the job comes to when a budget is spent before the model gave its final answer ({@code
   * reason} says which): empty, the default, and the job fails with that reason.
   */
  default Optional<Finish> whenSpent(Job job, String reason) throws Exception {
    return Optional.empty();
  }

  record Task(String text, List<String> sources) {}

  sealed interface Finish {
    /** @param output the result as structured JSON (decisions, findings), for agents that give one */
    record Succeeded(String result, Optional<String> output, Optional<String> branch, Optional<String> commit)
        implements Finish {
      /** A result that is text only: no structured output, no branch, no commit. */
      public static Succeeded text(String result) {
        return new Succeeded(result, Optional.empty(), Optional.empty(), Optional.empty());
      }
    }

    record Failed(String reason) implements Finish {}
  }
}
