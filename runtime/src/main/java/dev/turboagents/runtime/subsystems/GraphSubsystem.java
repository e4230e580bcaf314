package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.graph.GraphRoutes;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.supervisors.GraphHealth;
import dev.turboagents.supervisors.GraphSupervisor;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The knowledge graph: the tracker's events projected into Neo4j, embedded and searchable under
 * /api/v1/graph. It starts in seconds (Neo4j, the embedding model) while the rest already serves.
 */
public final class GraphSubsystem extends Subsystem<Graph> {
  private final Settings settings;
  private final CompletionStage<ActorRef<InferenceActor.Command>> inference;

  /** @param inference the inference door, for an {@code ollama:} embedding model */
  public GraphSubsystem(Settings settings, CompletionStage<ActorRef<InferenceActor.Command>> inference) {
    super("graph", "graph", "starting");
    this.settings = settings;
    this.inference = inference;
  }

  @Override
  protected Behavior<?> supervisor() {
    return GraphSupervisor.create(settings, inference, startup);
  }

  @Override
  protected List<HealthCheck> healthChecks(Graph graph, ActorSystem<?> system) {
    return List.of(new GraphHealth(graph));
  }

  @Override
  protected Route routes(Graph graph, ActorSystem<?> system) {
    return new GraphRoutes(graph, settings.graph(), settings.http().maxBodyBytes()).route();
  }
}
