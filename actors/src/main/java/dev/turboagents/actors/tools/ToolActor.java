package dev.turboagents.actors.tools;

import dev.turboagents.actors.inference.ToolCall;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One tool as an actor. It runs calls one at a time (its pool in the {@link ToolSupervisor} runs
 * several); a call that throws is answered with a {@link ToolResult.Failed} saying so, and then the
 * actor fails so that its supervisor restarts it with backoff.
 */
public final class ToolActor {

  /** Runs {@code call} for {@code context}; the reply always comes, unless the actor is stopped. */
  public record Run(ToolCall call, ToolContext context, ActorRef<ToolResult> replyTo) {}

  /** A tool threw: the call was answered, the actor restarts. */
  public static final class ToolCrashed extends RuntimeException {
    ToolCrashed(String tool, Throwable cause) {
      super("tool " + tool + " crashed: " + cause, cause);
    }
  }

  private ToolActor() {}

  /** @param calls where the running call is registered, so that a cancel of its job can interrupt it */
  static Behavior<Run> create(AgentTool tool, RunningToolCalls calls) {
    return Behaviors.receive(Run.class).onMessage(Run.class, run -> {
      ToolResult result;
      calls.started(run.context().jobId(), tool.name());
      try {
        result = tool.run(run.call().arguments(), run.context());
      } catch (Exception | LinkageError | AssertionError e) {
        run.replyTo().tell(new ToolResult.Failed("the tool " + tool.name() + " crashed (" + e.getClass().getSimpleName()
            + ": " + e.getMessage() + "); it is being restarted, the call may be tried again"));
        throw new ToolCrashed(tool.name(), e);
      } finally {
        calls.ended(run.context().jobId());
      }
      run.replyTo().tell(result);
      return Behaviors.same();
    }).build();
  }
}
