package dev.turboagents.persistence.graph;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.issues.IssueEntity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.LoggerFactory;

/**
 * Keeps the knowledge graph in step with the work tracker and the agent jobs: follows the events
 * tagged "project", "issue" and "job" in the journal (Pekko Persistence Query), turns them into {@link GraphWrite}s and applies
 * each batch together with the stream offsets in one Neo4j transaction. A restart reads the offsets
 * back from Neo4j and resumes after them; a replay writes the same values again. When Neo4j fails
 * the stream stops, waits (backoff from {@code projection-min-backoff} doubling to
 * {@code projection-max-backoff}) and starts again from the stored offsets, so nothing is lost and
 * the tracker never waits for the graph.
 *
 * <p>Failure: Neo4j failures stay inside the stream (above). Should the actor itself fail, its
 * supervisor restarts it with backoff; the failed incarnation's journal stream and writer thread
 * are released on {@code PreRestart} exactly as on {@code PostStop}, so there is only ever one
 * stream and one writer, and the new incarnation resumes from the offsets stored in Neo4j.
 */
public final class GraphProjection {
  /** spreads the stream's retries apart */
  private static final double RETRY_JITTER = 0.2;
  /** lag beyond this is reported as "at least" (counting it costs a journal scan) */
  static final int LAG_COUNT_LIMIT = 10_000;
  /** The tracker's tags and the agent jobs' tag: everything the graph learns from. */
  static final List<String> TAGS = java.util.stream.Stream.concat(TrackerJournal.TAGS.stream(),
      java.util.stream.Stream.of(dev.turboagents.persistence.jobs.JobEntity.TAG)).toList();

  /** What the projection answers. */
  public sealed interface Command permits GetStatus, Rebuild, Fault, Started, Projected, Failed, Cleared {}

  /** Where the projection stands, with the journal events it has not written yet. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** Empties the graph and projects the whole journal again; replies once the graph is empty. */
  public record Rebuild(ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /**
   * Test-only: the projection throws {@code reason} as if a handler had failed, so a test can show
   * what its supervisor does with it (nothing in the daemon sends this).
   */
  public record Fault(String reason) implements Command {}

  record Started(Map<String, Long> offsets) implements Command {}

  record Projected(Map<String, Long> offsets, int events) implements Command {}

  record Failed(String error) implements Command {}

  record Cleared(Optional<Throwable> failure, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** The projection's phase. */
  public enum Phase { STARTING, RUNNING, RETRYING, REBUILDING }

  /**
   * @param offsets last projected offset per tag (absent until known)
   * @param projectedEvents events written since this daemon started
   * @param lag journal events not yet in the graph, at most {@link #LAG_COUNT_LIMIT}
   * @param lastError the last Neo4j failure while not running
   */
  public record Status(Phase phase, Map<String, Long> offsets, long projectedEvents, long lag,
      Optional<String> lastError, Optional<Instant> lastErrorAt) {

    public boolean lagIsAtLeast() {
      return lag >= LAG_COUNT_LIMIT;
    }
  }

  /** Projects {@code journal} (the tracker's, as {@code Tracker.journal()} hands it out) into {@code store}. */
  public static Behavior<Command> create(GraphStore store, TrackerJournal journal, GraphSettings settings) {
    return Behaviors.setup(ctx -> new GraphProjection(ctx, store, journal, settings).running());
  }

  private final ActorContext<Command> ctx;
  private final GraphStore store;
  private final GraphSettings settings;
  private final TrackerJournal journal;
  // one thread: batches and a rebuild's clear never overlap, and a clear runs after any batch in flight
  private final ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "graph-projection-writer");
    t.setDaemon(true);
    return t;
  });
  private Phase phase = Phase.STARTING;
  private final Map<String, Long> offsets = new HashMap<>();
  private long projectedEvents;
  private Optional<String> lastError = Optional.empty();
  private Optional<Instant> lastErrorAt = Optional.empty();
  private UniqueKillSwitch killSwitch;

  private GraphProjection(ActorContext<Command> ctx, GraphStore store, TrackerJournal journal, GraphSettings settings) {
    this.ctx = ctx;
    this.store = store;
    this.settings = settings;
    this.journal = journal;
    this.killSwitch = startStream();
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        // a batch of the stream a rebuild just stopped may still report; the rebuild's reset wins
        .onMessage(Started.class, m -> phase == Phase.REBUILDING, m -> Behaviors.same())
        .onMessage(Projected.class, m -> phase == Phase.REBUILDING, m -> Behaviors.same())
        .onMessage(Started.class, m -> {
          offsets.clear();
          offsets.putAll(m.offsets());
          phase = Phase.RUNNING;
          return Behaviors.same();
        })
        .onMessage(Projected.class, m -> {
          offsets.putAll(m.offsets());
          projectedEvents += m.events();
          phase = Phase.RUNNING;
          return Behaviors.same();
        })
        .onMessage(Failed.class, m -> {
          if (phase != Phase.REBUILDING) {
            phase = Phase.RETRYING;
          }
          lastError = Optional.of(m.error());
          lastErrorAt = Optional.of(Instant.now());
          ctx.getLog().warn("Knowledge graph projection paused, retrying with backoff: {}", m.error());
          return Behaviors.same();
        })
        .onMessage(GetStatus.class, m -> {
          Status snapshot = new Status(phase, Map.copyOf(offsets), projectedEvents, 0, lastError, lastErrorAt);
          lag(snapshot.offsets()).thenAccept(lag -> m.replyTo().tell(new Status(snapshot.phase(), snapshot.offsets(),
              snapshot.projectedEvents(), lag, snapshot.lastError(), snapshot.lastErrorAt())));
          return Behaviors.same();
        })
        .onMessage(Rebuild.class, m -> {
          if (phase == Phase.REBUILDING) {
            m.replyTo().tell(StatusReply.error("a rebuild is already running"));
            return Behaviors.same();
          }
          ctx.getLog().info("Rebuilding the knowledge graph from the journal");
          phase = Phase.REBUILDING;
          killSwitch.shutdown();
          ctx.pipeToSelf(CompletableFuture.runAsync(store::clear, writer),
              (ok, failure) -> new Cleared(Optional.ofNullable(failure), m.replyTo()));
          return Behaviors.same();
        })
        .onMessage(Cleared.class, m -> {
          offsets.clear();
          projectedEvents = 0;
          phase = Phase.STARTING;
          killSwitch = startStream();
          m.failure().ifPresentOrElse(
              f -> m.replyTo().tell(StatusReply.error("the graph could not be emptied: " + f.getMessage())),
              () -> m.replyTo().tell(StatusReply.success(Done.getInstance())));
          return Behaviors.same();
        })
        .onMessage(Fault.class, m -> {
          throw new IllegalStateException("test fault: " + m.reason());
        })
        .onSignal(PreRestart.class, s -> release())
        .onSignal(PostStop.class, s -> release())
        .build();
  }

  /** The stream and the writer thread belong to this incarnation: a restart starts its own. */
  private Behavior<Command> release() {
    killSwitch.shutdown();
    writer.shutdown();
    return Behaviors.same();
  }

  private UniqueKillSwitch startStream() {
    ActorRef<Command> self = ctx.getSelf();
    RestartSettings backoff = RestartSettings.create(settings.projectionMinBackoff(), settings.projectionMaxBackoff(), RETRY_JITTER);
    Source<Projected, NotUsed> projection = RestartSource.withBackoff(backoff, () ->
        Source.completionStage(CompletableFuture.supplyAsync(() -> guarded(self, this::prepare), writer))
            .flatMapConcat(stored -> {
              self.tell(new Started(stored));
              return events(stored);
            })
            .groupedWithin(settings.projectionBatchSize(), settings.projectionBatchWindow())
            .mapAsync(1, batch -> CompletableFuture.supplyAsync(() -> guarded(self, () -> write(batch)), writer)));
    return projection
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(self::tell), Keep.left())
        .run(ctx.getSystem());
  }

  /**
   * Schema (the old vectors cleared when the model changed), then the stored offsets. A graph projected by an
   * older version of the projection (before dated facts) forgets its offsets, so the whole journal is
   * projected again over it (every write is idempotent) and the facts of every past event are there.
   */
  private Map<String, Long> prepare() {
    GraphSchema.ensure(store.driver(), store.embedder());
    int version = store.projectionVersion();
    if (version < GraphStore.PROJECTION_VERSION) {
      if (version > 0) { // 0 is an empty graph: a fresh data directory, nothing to say
        LoggerFactory.getLogger(GraphProjection.class).info("Knowledge graph projected by an older version: projecting the journal again for its dated facts");
      }
      store.startReprojection();
    }
    Map<String, Long> stored = new LinkedHashMap<>();
    for (String tag : TAGS) {
      store.offset(tag).ifPresent(o -> stored.put(tag, o));
    }
    return stored;
  }

  private Source<Tagged, NotUsed> events(Map<String, Long> stored) {
    Source<Tagged, NotUsed> all = Source.empty();
    for (String tag : TAGS) {
      Offset from = stored.containsKey(tag) ? Offset.sequence(stored.get(tag)) : NoOffset.getInstance();
      all = all.merge(journal.eventsByTag(tag, from).map(e -> new Tagged(tag, e)));
    }
    return all;
  }

  record Tagged(String tag, EventEnvelope envelope) {}

  private Projected write(List<Tagged> batch) {
    List<GraphWrite> writes = new ArrayList<>();
    Map<String, Long> newest = new LinkedHashMap<>();
    for (Tagged t : batch) {
      long offset = ((Sequence) t.envelope().offset()).value();
      Optional<GraphWrite.FactSource> source = t.envelope().event() instanceof IssueEntity.Event e
          ? Optional.of(new GraphWrite.FactSource(t.envelope().persistenceId(), t.envelope().sequenceNr(), t.tag(), offset, e.at()))
          : Optional.empty();
      writes.addAll(t.tag().equals(dev.turboagents.persistence.jobs.JobEntity.TAG)
          ? JobEventWrites.of(t.envelope().persistenceId(), t.envelope().event())
          : TrackerEventWrites.of(t.envelope().persistenceId(), t.envelope().event(), source));
      newest.merge(t.tag(), offset, Math::max);
    }
    store.apply(writes, newest.entrySet().stream().map(e -> new GraphStore.StreamOffset(e.getKey(), e.getValue())).toList());
    return new Projected(Map.copyOf(newest), batch.size());
  }

  private static <T> T guarded(ActorRef<Command> self, java.util.function.Supplier<T> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      self.tell(new Failed(e.getClass().getSimpleName() + ": " + e.getMessage()));
      throw e;
    }
  }

  private CompletionStage<Long> lag(Map<String, Long> known) {
    ActorSystem<?> system = ctx.getSystem();
    CompletionStage<Long> total = CompletableFuture.completedFuture(0L);
    for (String tag : TAGS) {
      Offset from = known.containsKey(tag) ? Offset.sequence(known.get(tag)) : NoOffset.getInstance();
      CompletionStage<Long> count = journal.currentEventsByTag(tag, from).take(LAG_COUNT_LIMIT)
          .runWith(Sink.fold(0L, (n, e) -> n + 1), system);
      total = total.thenCombine(count, Long::sum);
    }
    return total.thenApply(n -> Math.min(n, LAG_COUNT_LIMIT));
  }
}
