package dev.turboagents.actors.inference;

import dev.turboagents.actors.inference.InferenceActor.CatalogLoaded;
import dev.turboagents.actors.inference.InferenceActor.Command;
import dev.turboagents.actors.inference.InferenceActor.ProbeDone;
import dev.turboagents.actors.inference.InferenceActor.Reconciled;
import dev.turboagents.config.InferenceSettings;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * What the door knows of the model server and how it keeps that true: whether it answers
 * ({@link BackendHealth}: probes with exponential backoff, the breaker), which models it has (its
 * model list, refreshed at start, on every reconcile tick and when sizes are missing), and when its
 * running set can be taken as the truth (every load and unload moves the epoch on, so an answer
 * asked for before one is stale). Answers come back to the inference actor as its internal
 * messages, which it hands back here. Not thread-safe: the actor owns it and calls it on its own thread.
 */
final class ServerLink {

  /**
   * What the server holds in memory, to take as the truth; {@code cameBack}: it answers again after
   * failing; {@code afterLoad}: read right after a load (models that left were evicted for it).
   */
  record RunningSet(List<LoadedModel> models, boolean cameBack, boolean afterLoad) {}

  private static final String PROBE = "probe";

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final InferenceBackend backend;
  private BackendHealth health;
  private Optional<ModelCatalog> catalog = Optional.empty();
  private boolean catalogRequested = false;
  private long epoch = 0;

  ServerLink(ActorContext<Command> context, TimerScheduler<Command> timers, InferenceBackend backend,
      InferenceSettings settings) {
    this.context = context;
    this.timers = timers;
    this.backend = backend;
    this.health = BackendHealth.connecting(settings);
  }

  BackendHealth health() {
    return health;
  }

  Optional<ModelCatalog> catalog() {
    return catalog;
  }

  /** The server's model names as last listed (none before the first list). */
  List<String> knownModels() {
    return catalog.map(ModelCatalog::names).orElse(List.of());
  }

  /** Asks whether the server answers. */
  void probe() {
    context.pipeToSelf(backend.version(), (v, e) -> new ProbeDone(Optional.ofNullable(e)));
  }

  /** A call went through. */
  void succeeded() {
    health = health.succeeded();
  }

  /** The server failed: count it, and probe again after the backoff (one probe pending at a time). */
  void lost(BackendException e) {
    boolean wasUp = health.isUp();
    health = health.failed(e.getMessage());
    if (wasUp || !timers.isTimerActive(PROBE)) {
      context.getLog().warn("inference: {} (failure {}), next try in {} ms", e.getMessage(), health.failures(),
          health.backoff().toMillis());
      timers.startSingleTimer(PROBE, new InferenceActor.Probe(), health.backoff());
    }
  }

  /** A probe's answer; true when the server answers (then its model list and running set are asked for). */
  boolean probed(ProbeDone d) {
    if (d.error().isPresent()) {
      lost(BackendException.from(d.error().get()));
      return false;
    }
    // it may have restarted empty, so take its word for what is loaded
    refreshCatalog();
    reconcile();
    return true;
  }

  /** The reconcile tick: while the server answers, look again at its models and its running set. */
  void tick() {
    if (health.isUp()) {
      refreshCatalog();
      reconcile();
    }
  }

  /** A load or unload finished: running sets asked for before it are stale. */
  void changed() {
    epoch++;
  }

  /**
   * The running set the door should take as the truth: always when the server comes back (it is up
   * from now on), else only when the door loaded or unloaded nothing since it was asked for (each
   * of those asks again). Empty otherwise, and when the server failed.
   */
  Optional<RunningSet> reconciled(Reconciled r) {
    if (r.error().isPresent()) {
      lost(BackendException.from(r.error().get()));
      return Optional.empty();
    }
    if (!health.isUp()) {
      health = health.answering();
      return Optional.of(new RunningSet(r.running().orElseThrow(), true, r.afterLoad()));
    }
    return r.epoch() == epoch ? Optional.of(new RunningSet(r.running().orElseThrow(), false, r.afterLoad())) : Optional.empty();
  }

  /** Asks for the model list, unless that is under way. */
  void refreshCatalog() {
    if (!catalogRequested) {
      catalogRequested = true;
      context.pipeToSelf(backend.models(), (m, e) -> new CatalogLoaded(Optional.ofNullable(m)));
    }
  }

  /** The model list came; the fresh catalog, and whether it is the first, when there is one. */
  Optional<Fresh> catalogLoaded(CatalogLoaded c) {
    catalogRequested = false;
    if (c.models().isEmpty()) {
      return Optional.empty();
    }
    boolean first = catalog.isEmpty();
    catalog = Optional.of(new ModelCatalog(c.models().get()));
    return Optional.of(new Fresh(catalog.get(), first));
  }

  /** A model list newer than the one held (from a revalidation). */
  void catalogSeen(List<ModelSummary> models) {
    catalog = Optional.of(new ModelCatalog(models));
  }

  /** A fresh model list; {@code first}: the door had none before. */
  record Fresh(ModelCatalog catalog, boolean first) {}

  private void reconcile() {
    read(false);
  }

  /**
   * Reads the running set now: after every load and unload, and after a call the server loaded its
   * model for ({@code afterLoad}), so the door's picture follows the server's at once.
   */
  void reconcileNow(boolean afterLoad) {
    if (health.isUp()) {
      read(afterLoad);
    }
  }

  private void read(boolean afterLoad) {
    long at = epoch;
    context.pipeToSelf(backend.running(), (rs, e) -> new Reconciled(at, afterLoad, Optional.ofNullable(rs),
        Optional.ofNullable(e)));
  }
}
