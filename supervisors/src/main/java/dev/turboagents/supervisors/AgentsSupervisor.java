package dev.turboagents.supervisors;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the agents: the {@code ToolSupervisor} (each tool a pool restarted with backoff when it
 * crashes) and the {@code Coordinator} (one runner per job; a runner that fails records the job as
 * failed). It starts once the tracker and the inference door serve; the graph and its code index
 * are used when they come (until then the tools say they are unavailable). A workspace that is not
 * a git repository stops the start naming {@code turbo-agents.workspace.path}.
 */
public final class AgentsSupervisor {

  private AgentsSupervisor() {}

  private sealed interface Command {}

  private record Ready(Tracker tracker, ActorRef<InferenceActor.Command> door) implements Command {}

  private record NotReady(Throwable cause) implements Command {}

  public static Behavior<?> create(Settings settings, CompletionStage<Tracker> tracker,
      CompletionStage<ActorRef<InferenceActor.Command>> inference, CompletionStage<Graph> graph,
      CompletionStage<CodeIndex> codeIndex, Startup<AgentJobs> startup) {
    return Behaviors.<Command>setup(ctx -> {
      AgentSettings agents = AgentSettings.of(settings);
      startup.progress("waiting for the tracker and the inference door");
      ctx.pipeToSelf(tracker.thenCombine(inference, Ready::new), (ready, e) -> e == null ? ready : new NotReady(e));
      return Behaviors.receive(Command.class)
          .onMessage(Ready.class, r -> {
            try {
              startup.progress("opening the workspace");
              startup.ready(AgentJobs.start(ctx::spawn, ctx.getSystem(), settings, agents, r.door(), r.tracker(), graph,
                  codeIndex));
            } catch (InvalidSettingException e) {
              startup.failed(e);
              return Behaviors.stopped();
            }
            return Behaviors.receive(Command.class).build();
          })
          .onMessage(NotReady.class, n -> {
            startup.failed(n.cause());
            return Behaviors.stopped();
          })
          .build();
    });
  }
}
