package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceEmbedder;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.graph.Embedder;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphConnection;
import dev.turboagents.persistence.graph.GraphProjection;
import dev.turboagents.persistence.graph.GraphSearch;
import dev.turboagents.persistence.graph.GraphService;
import dev.turboagents.persistence.graph.GraphStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the knowledge graph: the driver (and the in-process Neo4j when NEO4J_URI is empty), the
 * embedder, the {@link GraphProjection} and the {@link GraphService}. Both children are restarted
 * with backoff when they fail; the projection also rides out Neo4j outages by itself. Stopping this
 * supervisor closes the driver, then the in-process server.
 */
public final class GraphSupervisor {

  private GraphSupervisor() {}

  private record Opened(GraphConnection connection, Embedder embedder) {}

  private record OpenFailed(Throwable cause) {}

  /**
   * @param inference the inference actor, for an {@code ollama:} embedding model
   */
  public static Behavior<Object> create(Settings settings, CompletableFuture<ActorRef<InferenceActor.Command>> inference,
      CompletableFuture<Graph> started) {
    return Behaviors.setup(ctx -> {
      // starting Neo4j and loading the model take seconds: not on the actor's thread
      ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
        Embedder embedder = embedder(settings, inference, ctx.getSystem());
        return new Opened(GraphConnection.open(settings), embedder);
      }, ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking())),
          (opened, failure) -> failure == null ? opened : new OpenFailed(failure));
      return Behaviors.receive(Object.class)
          .onMessage(OpenFailed.class, m -> {
            started.completeExceptionally(new IllegalStateException("the knowledge graph could not start: " + m.cause().getMessage(), m.cause()));
            return Behaviors.stopped();
          })
          .onMessage(Opened.class, m -> {
            var restart = SupervisorStrategy.restartWithBackoff(settings.graph().projectionMinBackoff(),
                settings.graph().projectionMaxBackoff(), 0.2);
            GraphStore store = new GraphStore(m.connection().driver(), m.embedder(), settings.graph().queryTimeout());
            GraphSearch search = new GraphSearch(m.connection().driver(), m.embedder(), settings.graph());
            var projection = ctx.spawn(Behaviors.supervise(GraphProjection.create(store, TrackerJournal.get(ctx.getSystem()), settings.graph())).onFailure(restart),
                "graph-projection");
            var service = ctx.spawn(Behaviors.supervise(GraphService.create(search, m.connection().uri().toString()))
                .onFailure(restart), "graph-service");
            started.complete(new Graph(ctx.getSystem(), service, projection, settings.http().askTimeout(), m.connection(),
                m.embedder().modelName()));
            return Behaviors.receive(Object.class)
                .onSignal(PostStop.class, s -> {
                  m.connection().close();
                  return Behaviors.same();
                })
                .build();
          })
          .build();
    });
  }

  private static Embedder embedder(Settings settings, CompletableFuture<ActorRef<InferenceActor.Command>> inference,
      ActorSystem<?> system) {
    String model = settings.graph().embeddingModel();
    if (!model.startsWith(InferenceEmbedder.PREFIX)) {
      return Embedder.named(model, settings.dataDir().resolve("cache"));
    }
    Duration timeout = settings.inference().defaultDeadline();
    return InferenceEmbedder.start(model, settings.graph().embeddingDimensions(), inference.orTimeout(60, TimeUnit.SECONDS).join(),
        system, timeout);
  }
}
