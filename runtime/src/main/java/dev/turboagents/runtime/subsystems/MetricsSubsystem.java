package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.Endpoints;
import dev.turboagents.http.metrics.HttpMetrics;
import dev.turboagents.http.metrics.InferenceMetrics;
import dev.turboagents.http.metrics.JobMetrics;
import dev.turboagents.http.metrics.MetricsRoutes;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.turboagents.persistence.jobs.Job;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
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
  private final CompletionStage<AgentJobs> agents;

  /** @param agents counted once they serve; until then (or without them) the jobs gauge has no rows */
  public MetricsSubsystem(Settings settings, CompletionStage<ActorRef<InferenceActor.Command>> inference,
      CompletionStage<AgentJobs> agents) {
    super("metrics", "metrics", "waiting for the inference subsystem");
    this.settings = settings;
    this.inference = inference;
    this.agents = agents;
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
    Supplier<CompletionStage<List<Job>>> jobs = () -> Optional.ofNullable(agents.toCompletableFuture().getNow(null))
        .map(a -> a.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.empty())))
        .orElse(CompletableFuture.completedFuture(List.of()));
    return new MetricsRoutes(registry, figures, inference, system, settings.http().askTimeout(),
        Optional.of(new MetricsRoutes.Jobs(jobFigures, jobs))).route();
  }
}
