package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.Endpoints;
import dev.turboagents.http.metrics.GraphMetrics;
import dev.turboagents.http.metrics.HttpMetrics;
import dev.turboagents.http.metrics.InferenceMetrics;
import dev.turboagents.http.metrics.JobMetrics;
import dev.turboagents.http.metrics.MetricsRoutes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.turboagents.persistence.graph.Graph;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics} in Prometheus' text format: the daemon's one meter registry, HTTP requests by
 * route and status (measured around every route by {@link #http}), and the inference door's figures
 * taken from its status at each scrape. It serves once the inference subsystem does.
 */
public final class MetricsSubsystem extends Subsystem<ActorRef<InferenceActor.Command>> {
  private final Settings settings;
  private final CompletionStage<ActorRef<InferenceActor.Command>> inference;
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final InferenceMetrics figures = new InferenceMetrics(registry);
  private final JobMetrics jobFigures = new JobMetrics(registry);
  private final GraphMetrics graphFigures = new GraphMetrics(registry);
  private final CompletionStage<AgentJobs> agents;
  private final CompletionStage<Graph> graph;

  /** @param agents and @param graph are counted once they serve; until then their meters have no value */
  public MetricsSubsystem(Settings settings, CompletionStage<ActorRef<InferenceActor.Command>> inference,
      CompletionStage<AgentJobs> agents, CompletionStage<Graph> graph) {
    super("metrics", "metrics", "waiting for the inference subsystem");
    this.settings = settings;
    this.inference = inference;
    this.agents = agents;
    this.graph = graph;
  }

  /** The request meter around the whole API: routes labelled by the documented path templates of {@code endpoints}. */
  public HttpMetrics http(List<Endpoints> endpoints) {
    return new HttpMetrics(registry, endpoints.stream().map(Endpoints::openApi).toList());
  }

  @Override
  protected Behavior<?> supervisor() {
    return servesOnce(inference);
  }

  @Override
  protected List<HealthCheck> healthChecks(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    return List.of();
  }

  @Override
  protected Route routes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    MetricsRoutes.Figures jobs = () -> serving(agents).map(a -> a.jobs(ALL_JOBS).thenAccept(jobFigures::update))
        .orElse(CompletableFuture.completedFuture(null));
    MetricsRoutes.Figures projection = () -> serving(graph).map(g -> g.projectionStatus().thenAccept(graphFigures::update))
        .orElse(CompletableFuture.completedFuture(null));
    return new MetricsRoutes(registry, figures, inference, system, settings.http().askTimeout(), List.of(jobs, projection))
        .route();
  }

  private static final AgentJobs.JobFilter ALL_JOBS = new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.empty());

  private static <T> Optional<T> serving(CompletionStage<T> api) {
    CompletableFuture<T> f = api.toCompletableFuture();
    return f.isDone() && !f.isCompletedExceptionally() ? Optional.of(f.join()) : Optional.empty();
  }
}
