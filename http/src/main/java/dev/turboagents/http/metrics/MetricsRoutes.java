package dev.turboagents.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /metrics}: every meter in Prometheus' text format (0.0.4). The inference door's figures
 * are taken from its status at each scrape; when it does not answer in time the last ones stay.
 */
public final class MetricsRoutes {
  private static final ContentType PROMETHEUS = ContentTypes.parse("text/plain; version=0.0.4; charset=utf-8");

  private final PrometheusMeterRegistry registry;
  private final InferenceMetrics figures;
  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final List<Figures> others;

  /** Figures taken at each scrape besides the door's (the jobs, the graph): asks their owner and updates their meters. */
  public interface Figures {
    CompletionStage<?> refresh();
  }

  public MetricsRoutes(PrometheusMeterRegistry registry, InferenceMetrics figures, ActorRef<InferenceActor.Command> inference,
      ActorSystem<?> system, Duration askTimeout) {
    this(registry, figures, inference, system, askTimeout, List.of());
  }

  public MetricsRoutes(PrometheusMeterRegistry registry, InferenceMetrics figures, ActorRef<InferenceActor.Command> inference,
      ActorSystem<?> system, Duration askTimeout, List<Figures> others) {
    this.others = List.copyOf(others);
    this.registry = registry;
    this.figures = figures;
    this.inference = inference;
    this.system = system;
    this.askTimeout = askTimeout;
    figures.listen(system);
  }

  public Route route() {
    return path("metrics", () -> get(() -> onComplete(refresh(), done ->
        complete(HttpResponse.create().withStatus(StatusCodes.OK)
            .withEntity(PROMETHEUS, registry.scrape().getBytes(StandardCharsets.UTF_8))))));
  }

  /** Takes the door's status and the other figures; a source that does not answer in time keeps its last figures. */
  private CompletionStage<Void> refresh() {
    CompletionStage<Void> status = AskPattern.<InferenceActor.Command, InferenceStatus>ask(inference,
        InferenceActor.GetStatus::new, askTimeout, system.scheduler()).handle((s, e) -> {
          if (s != null) {
            figures.update(s);
          }
          return null;
        });
    CompletableFuture<?>[] all = others.stream().map(f -> f.refresh().toCompletableFuture()
        .orTimeout(askTimeout.toMillis(), TimeUnit.MILLISECONDS).exceptionally(e -> null)).toArray(CompletableFuture[]::new);
    return status.thenCompose(v -> CompletableFuture.allOf(all));
  }
}
