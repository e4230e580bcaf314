package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.workflows.Workflows;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.workflows.WorkflowRoutes;
import dev.turboagents.persistence.tracker.Tracker;
import dev.turboagents.supervisors.WorkflowsSupervisor;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The multi-agent workflows (implement → review → revise → gate → comment) under /agents/workflows,
 * and the work the tracker's events start (triage of a new issue, a reply to a comment).
 */
public final class WorkflowsSubsystem extends Subsystem<Workflows> {
  private final Settings settings;
  private final CompletionStage<AgentJobs> agents;
  private final CompletionStage<Tracker> tracker;
  private final BooleanSupplier paused;
  private final Optional<CompletionStage<ActorRef<InferenceActor.Command>>> inference;

  /** Never paused. */
  public WorkflowsSubsystem(Settings settings, CompletionStage<AgentJobs> agents, CompletionStage<Tracker> tracker) {
    this(settings, agents, tracker, () -> false);
  }

  /** @param paused whether autonomy is paused now: the tracker's triggers start nothing meanwhile */
  public WorkflowsSubsystem(Settings settings, CompletionStage<AgentJobs> agents, CompletionStage<Tracker> tracker,
      BooleanSupplier paused) {
    this(settings, agents, tracker, paused, Optional.empty());
  }

  /**
   * @param inference the door the triggers ask whether the background class spent its daily model
   *     time: their work is then skipped, saying so
   */
  public WorkflowsSubsystem(Settings settings, CompletionStage<AgentJobs> agents, CompletionStage<Tracker> tracker,
      BooleanSupplier paused, Optional<CompletionStage<ActorRef<InferenceActor.Command>>> inference) {
    super("workflows", "workflows", "waiting for the agents and the tracker");
    this.inference = inference;
    this.paused = paused;
    this.settings = settings;
    this.agents = agents;
    this.tracker = tracker;
  }

  @Override
  protected Behavior<?> supervisor() {
    return WorkflowsSupervisor.create(settings, agents, tracker, paused, inference, startup);
  }

  @Override
  protected List<HealthCheck> healthChecks(Workflows workflows, ActorSystem<?> system) {
    return List.of();
  }

  @Override
  protected Route routes(Workflows workflows, ActorSystem<?> system) {
    return new WorkflowRoutes(workflows, settings.http().maxBodyBytes()).route();
  }
}
