package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import dev.turboagents.config.Settings;
import dev.turboagents.http.graph.GraphRoutes;
import dev.turboagents.http.health.HealthRoutes;
import dev.turboagents.http.inference.InferenceStatusRoutes;
import dev.turboagents.http.ollama.OllamaRoutes;
import dev.turboagents.http.openapi.OpenApiRoutes;
import dev.turboagents.http.tracker.TrackerRoutes;
import dev.turboagents.supervisors.Subsystems;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Binds the daemon's HTTP API. Every feature contributes its routes here; errors from any of them
 * become JSON. On shutdown the port is unbound first and in-flight requests get
 * {@code turbo-agents.http.shutdown-grace} to finish.
 */
public final class HttpServer {

  private HttpServer() {}

  /** The whole API, as a route (tests bind it too). */
  public static Route routes(ActorSystem<?> system, Settings settings, Subsystems subsystems) {
    List<Route> features = List.of(
        new HealthRoutes(subsystems.healthChecks(), settings.http().askTimeout()).route(),
        new OpenApiRoutes().route(),
        new TrackerRoutes(subsystems.tracker(), settings.http().maxBodyBytes()).route(),
        new GraphRoutes(subsystems.graph(), settings.graph(), settings.http().maxBodyBytes()).route(),
        new InferenceStatusRoutes(subsystems.inference(), system, settings.http().askTimeout()).route(),
        new OllamaRoutes(subsystems.inference(), system, settings.http().maxBodyBytes(), settings.http().askTimeout(),
            settings.inference().defaultDeadline().plusSeconds(5)).route());
    return handleExceptions(ApiErrors.exceptionHandler(), () ->
        handleRejections(ApiErrors.rejectionHandler(), () ->
            concat(features.get(0), features.subList(1, features.size()).toArray(Route[]::new))));
  }

  public static CompletionStage<ServerBinding> bind(ActorSystem<?> system, Settings settings, Subsystems subsystems) {
    return Http.get(system)
        .newServerAt(settings.http().bind(), settings.http().port())
        .adaptSettings(s -> OllamaRoutes.allowLongCalls(s, settings.inference().defaultDeadline()))
        .bind(routes(system, settings, subsystems))
        .thenApply(binding -> binding.addToCoordinatedShutdown(settings.http().shutdownGrace(), system));
  }
}
