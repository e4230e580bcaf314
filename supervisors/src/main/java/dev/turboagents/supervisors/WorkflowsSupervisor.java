package dev.turboagents.supervisors;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.ModelTimeGate;
import dev.turboagents.actors.workflows.Workflows;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.config.WorkflowSettings;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the workflows' registry (one entity per workflow) and the tracker's triggers (new issue →
 * triage, a comment addressing an agent → a reply), both restarted with backoff (the agents'
 * {@code index-min-backoff} .. {@code index-max-backoff}). It starts once the agents and the
 * tracker serve. A workflow entity that fails stops (Pekko's default for an entity) and is started
 * again by its next command; at its registry's restart every unfinished workflow resumes.
 */
public final class WorkflowsSupervisor {

  private WorkflowsSupervisor() {}

  private sealed interface Command {}

  private record Ready(AgentJobs agents, Tracker tracker) implements Command {}

  private record NotReady(Throwable cause) implements Command {}

  /**
   * @param paused whether autonomous work is paused now (the tracker's triggers then start nothing);
   *     {@code () -> false} = never
   */
  public static Behavior<?> create(Settings settings, CompletionStage<AgentJobs> agents, CompletionStage<Tracker> tracker,
      java.util.function.BooleanSupplier paused, Startup<Workflows> startup) {
    return create(settings, agents, tracker, paused, java.util.Optional.empty(), startup);
  }

  /**
   * @param inference the door the tracker's triggers ask whether the background class spent its daily
   *     model time (then they skip their work, saying so); empty = never spent
   */
  public static Behavior<?> create(Settings settings, CompletionStage<AgentJobs> agents, CompletionStage<Tracker> tracker,
      java.util.function.BooleanSupplier paused,
      java.util.Optional<CompletionStage<org.apache.pekko.actor.typed.ActorRef<InferenceActor.Command>>> inference,
      Startup<Workflows> startup) {
    return Behaviors.<Command>setup(ctx -> {
      startup.progress("waiting for the agents and the tracker");
      ctx.pipeToSelf(agents.thenCombine(tracker, Ready::new), (ready, e) -> e == null ? ready : new NotReady(e));
      return Behaviors.receive(Command.class)
          .onMessage(Ready.class, r -> {
            WorkflowSettings workflows = WorkflowSettings.of(settings);
            AgentSettings agentSettings = AgentSettings.of(settings);
            Tracker.Spawner restarting = new Tracker.Spawner() {
              public <T> org.apache.pekko.actor.typed.ActorRef<T> spawn(Behavior<T> behavior, String name) {
                return ctx.spawn(Behaviors.supervise(behavior).onFailure(SupervisorStrategy.restartWithBackoff(
                    agentSettings.indexMinBackoff(), agentSettings.indexMaxBackoff(), 0.2)), name);
              }
            };
            // always followed, also with both triggers off: the events pass, so turning one on acts from then on
            ModelTimeGate modelTime = inference.map(door -> ModelTimeGate.asking(door, ctx.getSystem(),
                agentSettings.askTimeout())).orElse(ModelTimeGate.OPEN);
            boolean dryRun = dev.turboagents.config.AutonomySettings.of(settings).dryRun();
            var triggers = restarting.spawn(dev.turboagents.actors.workflows.TrackerTriggers.create(r.agents(), r.tracker(),
                workflows, paused, modelTime, dryRun, agentSettings.maxWallTime()), "tracker-triggers");
            startup.ready(Workflows.start(restarting, ctx.getSystem(), r.agents(), r.tracker(), workflows,
                agentSettings.askTimeout()).withTriggers(new dev.turboagents.actors.workflows.TriggerStatus(triggers,
                ctx.getSystem(), workflows, paused, modelTime, dryRun, agentSettings.askTimeout())));
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
