package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.agents.AgentRoutes;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.tracker.Tracker;
import dev.turboagents.supervisors.AgentsHealth;
import dev.turboagents.supervisors.AgentsSupervisor;
import dev.turboagents.supervisors.CodeIndexHealth;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/** The agents: durable jobs, the code agent and its tools, under /agents. */
public final class AgentsSubsystem extends Subsystem<AgentJobs> {
  private final Settings settings;
  private final CompletionStage<Tracker> tracker;
  private final CompletionStage<ActorRef<InferenceActor.Command>> inference;
  private final CompletionStage<Graph> graph;
  private final CompletionStage<CodeIndex> codeIndex;

  /** @param codeIndex the graph's code index for search_codebase (a stage that never completes: "unavailable") */
  public AgentsSubsystem(Settings settings, CompletionStage<Tracker> tracker,
      CompletionStage<ActorRef<InferenceActor.Command>> inference, CompletionStage<Graph> graph,
      CompletionStage<CodeIndex> codeIndex) {
    super("agents", "agents", "waiting for the tracker and the inference door");
    this.settings = settings;
    this.tracker = tracker;
    this.inference = inference;
    this.graph = graph;
    this.codeIndex = codeIndex;
  }

  @Override
  protected Behavior<?> supervisor() {
    return AgentsSupervisor.create(settings, tracker, inference, graph, codeIndex, startup);
  }

  @Override
  protected List<HealthCheck> healthChecks(AgentJobs agents, ActorSystem<?> system) {
    return List.of(new AgentsHealth(agents), new CodeIndexHealth(agents));
  }

  @Override
  protected Route routes(AgentJobs agents, ActorSystem<?> system) {
    return new AgentRoutes(agents, settings.http().maxBodyBytes(),
        dev.turboagents.config.AgentSettings.of(settings).eventKeepAlive()).route();
  }
}
