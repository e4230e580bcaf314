package dev.turboagents.supervisors;

import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of the daemon's ActorSystem: one child supervisor per subsystem. {@code ready}
 * completes with the subsystems once every one has started; the HTTP server binds only then.
 */
public final class RootSupervisor {

  private RootSupervisor() {}

  public static Behavior<Void> create(Settings settings, CompletableFuture<Subsystems> ready) {
    return Behaviors.setup(ctx -> {
      CompletableFuture<Tracker> tracker = new CompletableFuture<>();
      ctx.spawn(TrackerSupervisor.create(settings, tracker), "tracker");
      CompletableFuture<Graph> graph = new CompletableFuture<>();
      ctx.spawn(GraphSupervisor.create(settings, graph), "graph");
      tracker.thenCombine(graph, (t, g) -> {
        List<HealthCheck> checks = List.of(new TrackerHealth(t, settings.dataDir()), new GraphHealth(g));
        return ready.complete(new Subsystems(t, g, checks));
      }).exceptionally(ready::completeExceptionally);
      return Behaviors.empty();
    });
  }
}
