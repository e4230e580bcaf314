package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceEmbedder;
import dev.turboagents.config.InvalidSettingException;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.graph.Embedder;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphCodeIndex;
import dev.turboagents.persistence.graph.GraphConnection;
import dev.turboagents.persistence.graph.GraphProjection;
import dev.turboagents.persistence.graph.GraphReembedding;
import dev.turboagents.persistence.graph.GraphSchema;
import dev.turboagents.persistence.graph.GraphSearch;
import dev.turboagents.persistence.graph.GraphService;
import dev.turboagents.persistence.graph.GraphStore;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Owns the knowledge graph: the driver (and the in-process Neo4j when NEO4J_URI is empty), the
 * embedder, the schema, the {@link GraphProjection} and the {@link GraphService}. Opening all that
 * takes seconds (Neo4j, the embedding model), so it runs on the blocking dispatcher while the rest of
 * the daemon already serves; the graph's routes answer 503 meanwhile, saying what it is doing. A
 * failed start (Neo4j unreachable, Ollama away for an {@code ollama:} model's vector length) is
 * retried with backoff ({@code projection-min-backoff} doubling to {@code projection-max-backoff});
 * a wrong setting is not. The graph is ready only once its indexes exist, so the first search never
 * meets a missing index. Both children are restarted with the same backoff when they fail. Stopping
 * this supervisor closes the driver, then the in-process server.
 */
public final class GraphSupervisor {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GraphSupervisor.class);

  private GraphSupervisor() {}

  private sealed interface Command {}

  private record Open(Optional<ActorRef<InferenceActor.Command>> inference) implements Command {}

  private record Opened(GraphConnection connection, Embedder embedder) implements Command {}

  private record OpenFailed(Throwable cause) implements Command {}

  private record Retry() implements Command {}

  /**
   * @param inference the inference actor, needed only for an {@code ollama:} embedding model
   */
  public static Behavior<?> create(Settings settings, CompletionStage<ActorRef<InferenceActor.Command>> inference,
      Startup<Graph> startup) {
    return Behaviors.<Command>setup(ctx -> Behaviors.withTimers(timers -> {
      if (settings.graph().embeddingModel().startsWith(InferenceEmbedder.PREFIX)) {
        startup.progress("waiting for the inference door (the embedding model is " + settings.graph().embeddingModel() + ")");
        ctx.pipeToSelf(inference, (ref, failure) -> failure == null ? new Open(Optional.of(ref)) : new OpenFailed(failure));
      } else {
        ctx.getSelf().tell(new Open(Optional.empty()));
      }
      return new Opening(ctx, timers, settings, startup, new AtomicReference<>(CompletableFuture.completedFuture(null)),
          new AtomicBoolean())
          .behavior(settings.graph().projectionMinBackoff());
    }));
  }

  /** Until the connection, the embedder and the schema are there. */
  private record Opening(ActorContext<Command> ctx, TimerScheduler<Command> timers, Settings settings, Startup<Graph> startup,
      AtomicReference<CompletableFuture<Opened>> inFlight, AtomicBoolean stopped) {

    Behavior<Command> behavior(Duration backoff) {
      return Behaviors.receive(Command.class)
          .onMessage(Open.class, m -> {
            open(m.inference());
            return waiting(m.inference(), backoff);
          })
          .onSignal(PostStop.class, s -> closeOpenInFlight())
          .build();
    }

    /**
     * Stopped while opening (the daemon shuts down during its start): waits, bounded by
     * {@code turbo-agents.daemon.stop-timeout}, for the open under way and closes what it opened, so
     * the stop ends with Neo4j closed and the data directory is free once the daemon's close returns.
     * Blocking here is what keeps a second daemon from starting on the directory while this one's
     * in-process Neo4j still writes to it; the open itself runs on the blocking dispatcher.
     */
    private Behavior<Command> closeOpenInFlight() {
      stopped.set(true); // the open skips its steps not yet begun
      CompletableFuture<Opened> opening = inFlight.get();
      Duration bound = settings.daemon().stopTimeout();
      try {
        Opened opened = opening.get(bound.toMillis(), TimeUnit.MILLISECONDS);
        if (opened != null) {
          opened.connection().close();
        }
      } catch (ExecutionException e) {
        // the open failed and closed what it had opened
      } catch (TimeoutException e) {
        log.warn("the knowledge graph was still opening {} after the stop began; it is closed when its open ends", bound);
        closeWhenOpened(opening);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        closeWhenOpened(opening);
      }
      return Behaviors.same();
    }

    private static void closeWhenOpened(CompletableFuture<Opened> opening) {
      opening.thenAccept(opened -> {
        if (opened != null) {
          opened.connection().close();
        }
      });
    }

    private Behavior<Command> waiting(Optional<ActorRef<InferenceActor.Command>> inference, Duration backoff) {
      return Behaviors.receive(Command.class)
          .onMessage(Opened.class, m -> new Serving(ctx, settings, m.connection(), m.embedder(), startup).behavior())
          .onMessage(OpenFailed.class, m -> {
            Throwable cause = AsyncFailure.cause(m.cause());
            if (cause instanceof InvalidSettingException) {
              ctx.getLog().error("the knowledge graph cannot start: {}", cause.getMessage());
              startup.failed(cause);
              return Behaviors.stopped();
            }
            ctx.getLog().warn("the knowledge graph could not start, retrying in {} ms: {}", backoff.toMillis(), cause.getMessage());
            startup.progress("could not start (" + cause.getMessage() + "); retrying in " + backoff.toSeconds() + " s");
            timers.startSingleTimer(new Retry(), backoff);
            return Behaviors.receive(Command.class)
                .onMessage(Retry.class, r -> {
                  open(inference);
                  return waiting(inference, min(backoff.multipliedBy(2), settings.graph().projectionMaxBackoff()));
                })
                .onSignal(PostStop.class, s -> closeOpenInFlight())
                .build();
          })
          .onSignal(PostStop.class, s -> closeOpenInFlight())
          .build();
    }

    /** Connects, loads the embedder and makes sure the schema exists, off the actor's thread. */
    private void open(Optional<ActorRef<InferenceActor.Command>> inference) {
      Executor blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
      CompletableFuture<Opened> opening = CompletableFuture.supplyAsync(() -> {
        startup.progress("loading the embedding model " + settings.graph().embeddingModel());
        Embedder embedder = embedder(inference);
        skipIfStopped();
        startup.progress(settings.services().neo4jUri().map(u -> "connecting to Neo4j at " + u)
            .orElse("starting the in-process Neo4j"));
        GraphConnection connection = GraphConnection.open(settings);
        try {
          skipIfStopped();
          startup.progress("creating the graph's indexes");
          GraphSchema.ensure(connection.driver(), embedder);
          return new Opened(connection, embedder);
        } catch (RuntimeException e) {
          connection.close();
          throw e;
        }
      }, blocking);
      inFlight.set(opening);
      ctx.pipeToSelf(opening, (opened, failure) -> failure == null ? opened : new OpenFailed(failure));
    }

    private void skipIfStopped() {
      if (stopped.get()) {
        throw new IllegalStateException("the knowledge graph's supervisor stopped while it was opening");
      }
    }

    private Embedder embedder(Optional<ActorRef<InferenceActor.Command>> inference) {
      String model = settings.graph().embeddingModel();
      if (inference.isEmpty()) {
        return Embedder.named(model, settings.dataDir().resolve("cache"));
      }
      return InferenceEmbedder.start(model, settings.graph().embeddingDimensions(), inference.get(), ctx.getSystem(),
          settings.inference().defaultDeadline());
    }
  }

  /** The graph serves; its children are supervised. */
  private record Serving(ActorContext<Command> ctx, Settings settings, GraphConnection connection, Embedder embedder,
      Startup<Graph> startup) {

    Behavior<Command> behavior() {
      var restart = SupervisorStrategy.restartWithBackoff(settings.graph().projectionMinBackoff(),
          settings.graph().projectionMaxBackoff(), 0.2);
      GraphStore store = new GraphStore(connection.driver(), embedder, settings.graph().queryTimeout());
      GraphSearch search = new GraphSearch(connection.driver(), embedder, settings.graph());
      var projection = ctx.spawn(Behaviors.supervise(GraphProjection.create(store, TrackerJournal.get(ctx.getSystem()), settings.graph())).onFailure(restart),
          "graph-projection");
      var service = ctx.spawn(Behaviors.supervise(GraphService.create(search, connection.uri().toString()))
          .onFailure(restart), "graph-service");
      var code = new GraphCodeIndex(connection.driver(), embedder, settings.graph().code(), settings.graph().embeddingBatchSize(),
          settings.graph().queryTimeout(), ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking()),
          connection.uri().toString());
      var reembedding = new GraphReembedding(connection.driver(), embedder, settings.graph().embeddingBatchSize(),
          settings.graph().queryTimeout());
      startup.ready(new Graph(ctx.getSystem(), service, projection, settings.http().askTimeout(), connection, code, store,
          reembedding));
      ctx.getLog().info("knowledge graph ready: Neo4j at {}, embeddings by {}", connection.uri(), embedder.modelName());
      AtomicBoolean stopping = new AtomicBoolean();
      reembedInBackground(reembedding, stopping);
      return Behaviors.receive(Command.class)
          .onSignal(PostStop.class, s -> {
            stopping.set(true);
            connection.close();
            return Behaviors.same();
          })
          .build();
    }

    /**
     * Embeds what awaits a vector (all nodes after a model change, the rest of an interrupted run)
     * while the graph already serves; an {@code ollama:} embedder queues these texts as background
     * work. What is left when it stops (Ollama away, the daemon stopping) the nightly picks up.
     */
    private void reembedInBackground(GraphReembedding reembedding, AtomicBoolean stopping) {
      CompletableFuture.supplyAsync(() -> reembedding.run(() -> !stopping.get()),
          ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking())).whenComplete((report, failure) -> {
            if (stopping.get()) {
              return;
            }
            if (failure != null) {
              log.warn("re-embedding the graph stopped: {}; the nightly goes on with what is left",
                  AsyncFailure.cause(failure).getMessage());
            } else {
              report.filter(r -> r.reembedded() > 0 || r.left() > 0).ifPresent(r -> log.info(
                  "re-embedded {} node(s) with {}, {} left{}", r.reembedded(), embedder.modelName(), r.left(),
                  r.stoppedBy().map(why -> " (" + why + "; the nightly goes on with them)").orElse("")));
            }
          });
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
