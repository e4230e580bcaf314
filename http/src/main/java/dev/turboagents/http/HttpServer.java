package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import dev.turboagents.config.HttpSettings;
import dev.turboagents.http.health.HealthRoutes;
import dev.turboagents.http.openapi.OpenApiRoutes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import scala.concurrent.duration.FiniteDuration;

/**
 * Binds the daemon's HTTP API: /health, the OpenAPI document and every subsystem's endpoints. It
 * binds at once, before the subsystems are up: a subsystem still starting answers 503 with
 * {@code Retry-After} for its own paths while the others serve. Errors from any route become JSON.
 * On shutdown the port is unbound first and in-flight requests get
 * {@code turbo-agents.http.shutdown-grace} to finish.
 */
public final class HttpServer {

  private HttpServer() {}

  /** The whole API, as one route, every request counted by route and status in {@code metrics}. */
  public static Route routes(List<Endpoints> subsystems, HealthRoutes health, Duration retryAfter,
      dev.turboagents.http.metrics.HttpMetrics metrics) {
    return metrics.measure(routes(subsystems, health, retryAfter));
  }

  /** As above, and each request an HTTP server span in {@code spans} (which record nothing while telemetry is off). */
  public static Route routes(List<Endpoints> subsystems, HealthRoutes health, Duration retryAfter,
      dev.turboagents.http.metrics.HttpMetrics metrics, dev.turboagents.actors.telemetry.GenAiSpans spans) {
    return metrics.measure(routes(subsystems, health, retryAfter), java.util.Optional.of(spans));
  }

  /** The whole API, as one route. */
  public static Route routes(List<Endpoints> subsystems, HealthRoutes health, Duration retryAfter) {
    List<Route> all = new ArrayList<>();
    all.add(health.route());
    all.add(new OpenApiRoutes(subsystems.stream().map(Endpoints::openApi).toList()).route());
    subsystems.forEach(s -> all.add(s.route(retryAfter)));
    return handleExceptions(ApiError.exceptionHandler(), () ->
        handleRejections(ApiError.rejectionHandler(), () ->
            concat(all.get(0), all.subList(1, all.size()).toArray(Route[]::new))));
  }

  /**
   * @param longestCall the longest a request may legitimately take (a model call waiting its whole
   *     deadline): the connection's idle timeout is raised to outlast it
   */
  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, HttpSettings http, Duration longestCall, Route routes) {
    return Http.get(system)
        .newServerAt(http.bind(), http.port())
        .adaptSettings(s -> idleAtLeast(s, longestCall.plus(http.idleMargin())))
        .bind(routes)
        .thenApply(binding -> binding.addToCoordinatedShutdown(http.shutdownGrace(), system));
  }

  /** Pekko's default idle timeout (60 s) would close a connection whose request still waits its turn. */
  public static ServerSettings idleAtLeast(ServerSettings settings, Duration wanted) {
    FiniteDuration at = FiniteDuration.fromNanos(wanted.toNanos());
    ServerSettings.Timeouts timeouts = settings.getTimeouts();
    return timeouts.idleTimeout().isFinite() && timeouts.idleTimeout().lt(at)
        ? settings.withTimeouts(timeouts.withIdleTimeout(at)) : settings;
  }
}
