package dev.turboagents.runtime.subsystems;

import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.Endpoints;
import dev.turboagents.http.health.HealthRoutes;
import dev.turboagents.http.openapi.OpenApiPart;
import dev.turboagents.supervisors.RootSupervisor;
import dev.turboagents.supervisors.Startup;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * One part of the daemon, declared in one place: its supervisor (which starts its actors), its
 * health checks, its routes and its part of the OpenAPI document. The daemon starts every
 * subsystem of the {@link Composition} under the root supervisor, serves its routes once it is up
 * (503 with Retry-After for its paths until then) and asks its health checks in /health.
 *
 * @param <T> what the subsystem offers once it serves: the API its routes, health checks and the
 *     subsystems that depend on it use
 */
public abstract class Subsystem<T> {
  protected final Startup<T> startup;
  private final String name;
  private final OpenApiPart openApi;

  /**
   * @param name the supervisor's actor name and the component in /health
   * @param openApi its OpenAPI part: {@code http/src/main/resources/openapi/<openApi>.json}
   * @param starting what /health says until the supervisor reports its own progress
   */
  protected Subsystem(String name, String openApi, String starting) {
    this.name = name;
    this.openApi = OpenApiPart.load(openApi);
    this.startup = new Startup<>(starting);
  }

  /** The supervisor that starts this subsystem's actors and reports to {@link #startup}. */
  protected abstract Behavior<?> supervisor();

  protected abstract List<HealthCheck> healthChecks(T api, ActorSystem<?> system);

  /** The supervisor of a subsystem with no actors of its own: it serves as soon as {@code dependency} does. */
  protected final Behavior<?> servesOnce(CompletionStage<T> dependency) {
    return Behaviors.setup(context -> {
      dependency.whenComplete((api, failure) -> {
        if (failure == null) {
          startup.ready(api);
        } else {
          startup.failed(failure);
        }
      });
      return Behaviors.empty();
    });
  }

  protected abstract Route routes(T api, ActorSystem<?> system);

  public final String name() {
    return name;
  }

  /** Completes with what the subsystem offers once it serves. */
  public final CompletionStage<T> api() {
    return startup.api();
  }

  final RootSupervisor.Child child() {
    return new RootSupervisor.Child(name, supervisor());
  }

  final Endpoints endpoints(ActorSystem<?> system) {
    return new Endpoints(name, api().thenApply(api -> routes(api, system)), openApi, startup::progress);
  }

  final HealthRoutes.Source health(ActorSystem<?> system) {
    return new HealthRoutes.Source(name, api().thenApply(api -> healthChecks(api, system)), startup::progress);
  }
}
