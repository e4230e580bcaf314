package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
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
      CompletableFuture<ActorRef<InferenceActor.Command>> inference = new CompletableFuture<>();
      ctx.spawn(InferenceSupervisor.create(settings, inference), "inference");
      CompletableFuture<Graph> graph = new CompletableFuture<>();
      ctx.spawn(GraphSupervisor.create(settings, inference, graph), "graph");
      CompletableFuture.allOf(tracker, graph, inference).thenRun(() -> {
        Tracker t = tracker.join();
        Graph g = graph.join();
        ActorRef<InferenceActor.Command> i = inference.join();
        List<HealthCheck> checks = List.of(new TrackerHealth(t, settings.dataDir()), new GraphHealth(g),
            new InferenceHealth(i, ctx.getSystem(), settings.http().askTimeout()));
        ready.complete(new Subsystems(t, g, i, checks));
      }).exceptionally(e -> {
        ready.completeExceptionally(e);
        return null;
      });
      return Behaviors.empty();
    });
  }
}
