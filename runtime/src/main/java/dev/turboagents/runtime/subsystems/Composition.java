package dev.turboagents.runtime.subsystems;

import dev.turboagents.config.Settings;
import dev.turboagents.http.Endpoints;
import dev.turboagents.http.health.HealthRoutes;
import dev.turboagents.supervisors.RootSupervisor;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The daemon's subsystems, in the order they start, and what each needs from the others. This is
 * the one list to touch when a subsystem is added: declare it (its own {@link Subsystem}), hand it
 * the APIs it depends on, and put it in {@link #all()}.
 */
public record Composition(TrackerSubsystem tracker, InferenceSubsystem inference, GraphSubsystem graph,
    OpenAiSubsystem openAi, MetricsSubsystem metrics, AgentsSubsystem agents, AutonomySubsystem autonomy,
    WorkflowsSubsystem workflows) {

  public static Composition of(Settings settings) {
    TrackerSubsystem tracker = new TrackerSubsystem(settings);
    InferenceSubsystem inference = new InferenceSubsystem(settings);
    GraphSubsystem graph = new GraphSubsystem(settings, inference.api());
    OpenAiSubsystem openAi = new OpenAiSubsystem(settings, inference.api());
    AgentsSubsystem agents = new AgentsSubsystem(settings, tracker.api(), inference.api(), graph.api(),
        graph.api().thenApply(dev.turboagents.persistence.graph.Graph::code));
    MetricsSubsystem metrics = new MetricsSubsystem(settings, inference.api(), agents.api(), graph.api());
    AutonomySubsystem autonomy = new AutonomySubsystem(settings, tracker.api(), agents.api(), graph.api());
    // the tracker's triggers start nothing while the autonomy is paused, nor while background's model time is spent
    WorkflowsSubsystem workflows = new WorkflowsSubsystem(settings, agents.api(), tracker.api(),
        autonomy.controls().knownPaused(), java.util.Optional.of(inference.api()));
    return new Composition(tracker, inference, graph, openAi, metrics, agents, autonomy, workflows);
  }

  public List<Subsystem<?>> all() {
    return List.of(tracker, inference, graph, openAi, metrics, agents, autonomy, workflows);
  }

  /** The supervisors the root supervisor starts, one per subsystem. */
  public List<RootSupervisor.Child> supervisors() {
    return all().stream().map(Subsystem::child).toList();
  }

  public List<Endpoints> endpoints(ActorSystem<?> system) {
    return all().stream().map(s -> s.endpoints(system)).toList();
  }

  public List<HealthRoutes.Source> health(ActorSystem<?> system) {
    return all().stream().map(s -> s.health(system)).toList();
  }
}
