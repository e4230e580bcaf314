package dev.turboagents.actors.tools;

import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.inference.ToolSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;

/**
 * The agents' tools, each a pool of {@link ToolActor}s on the blocking dispatcher, restarted with
 * backoff when one crashes. Every call is checked against the {@link ToolPolicy} first: a tool the
 * agent may not use, or one that does not exist, is refused without running anything.
 */
public final class ToolSupervisor {

  public sealed interface Command {}

  /** Runs {@code call} for {@code context.agent()}; the reply is always a {@link ToolResult}. */
  public record Call(ToolCall call, ToolContext context, ActorRef<ToolResult> replyTo) implements Command {}

  /**
   * Interrupts the running tool calls of job {@code jobId} (a cancel): a running command has its
   * process tree killed and its call answers at once. The reply names the tools interrupted (none:
   * the job ran no tool just then).
   */
  public record Interrupt(String jobId, ActorRef<Interrupted> replyTo) implements Command {}

  public record Interrupted(List<String> tools) {}

  /** The tools of a daemon and who may use which. */
  public record ToolBox(List<AgentTool> tools, ToolPolicy policy) {
    /** The specs of the tools {@code agent} may use, in the order the box lists them. */
    public List<ToolSpec> specsFor(String agent) {
      return tools.stream().filter(t -> policy.toolsOf(agent).contains(t.name())).map(AgentTool::spec).toList();
    }

    public Optional<AgentTool> tool(String name) {
      return tools.stream().filter(t -> t.name().equals(name)).findFirst();
    }
  }

  private ToolSupervisor() {}

  /**
   * @param poolSize calls of one tool that may run at once (the jobs that may run at once)
   */
  public static Behavior<Command> create(ToolBox box, int poolSize, Duration minBackoff, Duration maxBackoff) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ToolActor.Run>> pools = new HashMap<>();
      RunningToolCalls running = new RunningToolCalls();
      for (AgentTool tool : box.tools()) {
        Behavior<ToolActor.Run> supervised = Behaviors.supervise(ToolActor.create(tool, running))
            .onFailure(SupervisorStrategy.restartWithBackoff(minBackoff, maxBackoff, 0.2));
        pools.put(tool.name(), context.spawn(Routers.pool(poolSize, supervised).withRoundRobinRouting()
            .withRouteeProps(DispatcherSelector.blocking()), tool.name()));
      }
      return Behaviors.receive(Command.class).onMessage(Call.class, call -> {
        String name = call.call().name();
        Optional<String> refusal = box.policy().refusal(call.context().agent(), name);
        if (refusal.isPresent()) {
          call.replyTo().tell(new ToolResult.Refused(refusal.get()));
        } else if (!pools.containsKey(name)) {
          call.replyTo().tell(new ToolResult.Refused("there is no tool named '" + name + "'"));
        } else {
          pools.get(name).tell(new ToolActor.Run(call.call(), call.context(), call.replyTo()));
        }
        return Behaviors.same();
      }).onMessage(Interrupt.class, i -> {
        i.replyTo().tell(new Interrupted(running.interrupt(i.jobId())));
        return Behaviors.same();
      }).build();
    });
  }
}
