package dev.turboagents.actors.inference;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.config.InferenceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one door to the models on this node. Orders requests by priority class with aging, keeps the
 * resident models inside the memory budget, prefers work for models already loaded and swaps only
 * when the waiting work is worth a load, pins the options that make Ollama reload, retries with
 * backoff while Ollama is away, and streams tokens to whoever asked.
 */
public final class InferenceActor extends AbstractBehavior<InferenceActor.Command> {

  /** What the inference actor understands. */
  public sealed interface Command {}

  /**
   * Run a chat, generate or embed call.
   *
   * @param requestId the caller's id for it, used by {@link Cancel} and in every reply and chunk
   * @param timeout how long the caller will wait in all (queue + run); the configured default when empty
   * @param stream where the answer's pieces go as they come ({@link Chunk.Token}s, then one {@link Chunk.End})
   * @param replyTo gets exactly one {@link Reply}: {@link Completed} or {@link Failed}
   */
  public record Submit(String requestId, InferenceCall call, Priority priority, Optional<Duration> timeout,
      Optional<ActorRef<Chunk>> stream, ActorRef<Reply> replyTo) implements Command {}

  /** Drop a request: if it waits it leaves the queue, if it runs its call is abandoned. Replies CANCELLED. */
  public record Cancel(String requestId) implements Command {}

  /** The queue, the resident set and the figures. */
  public record GetStatus(ActorRef<Status> replyTo) implements Command {}

  /** The server's models in Ollama's /api/tags shape, as a {@link Listing}. */
  public record ListModels(ActorRef<Reply> replyTo) implements Command {}

  /** Ollama's /api/show for a model, as a {@link Listing}, or UNKNOWN_MODEL. */
  public record ShowModel(String model, ActorRef<Reply> replyTo) implements Command {}

  /** Ollama's /api/ps, as a {@link Listing}. */
  public record ListRunning(ActorRef<Reply> replyTo) implements Command {}

  /** Ollama's version, as a {@link Listing} {@code {"version": "..."}}. */
  public record GetVersion(ActorRef<Reply> replyTo) implements Command {}

  /** Answers. */
  public sealed interface Reply {}

  /** The call finished. */
  public record Completed(String requestId, Completion completion) implements Reply {}

  /** The call did not finish; {@code message} says why in words a user can act on. */
  public record Failed(String requestId, Failure failure, String message, List<String> availableModels)
      implements Reply {}

  /** A piece of the server's own JSON (model list, model details, running set, version). */
  public record Listing(JsonNode json) implements Reply {}

  /** Why a request failed. */
  public enum Failure {
    /** The queue is full; try again later. */
    BUSY,
    /** The deadline passed, waiting or running. */
    DEADLINE,
    /** The caller cancelled, or went away. */
    CANCELLED,
    /** No such model on the server; the reply lists the ones there are. */
    UNKNOWN_MODEL,
    /** The server refused the call (e.g. the model does not support tools). */
    REJECTED,
    /** The server went away after part of a streamed answer was sent. */
    BROKEN_STREAM,
    /** The server does not answer (for listings, which do not wait in the queue). */
    UNAVAILABLE
  }

  /** A streamed piece of an answer. */
  public sealed interface Chunk {}

  /** Text, thinking or tool calls, as they come. */
  public record Token(String requestId, Delta delta) implements Chunk {}

  /** The last chunk of a stream: the same reply the caller's replyTo gets. */
  public record End(Reply reply) implements Chunk {}

  /** A request in the queue, with where it stands and why it waits. */
  public record QueuedRequest(String requestId, String model, Priority priority, int effectiveClass, int position,
      long waitedMillis, long estimatedStartMillis, String reason) {}

  /** A request running now. */
  public record RunningRequest(String requestId, String model, Priority priority, long runningMillis) {}

  /** A model in memory. */
  public record ResidentModel(String model, long bytes, String phase, boolean loadedByAnotherTool,
      Optional<Long> measuredLoadMillis) {}

  /**
   * The state of the door.
   *
   * @param backend UP, DEGRADED (failing, retrying) or DOWN (circuit open)
   * @param queuedPerClass waiting requests per priority class
   */
  public record Status(String backend, String backendDetail, long budgetBytes, String budgetSource, long usedBytes,
      int maxResident, List<ResidentModel> resident, Map<String, Integer> queuedPerClass, List<QueuedRequest> queue,
      List<RunningRequest> running, int loads, int unloads, long completed, long failed,
      Optional<Double> avgTimeToFirstTokenMillis, Optional<Double> tokensPerSecond, List<String> warnings) {}

  // ---- internal messages ----

  private record Tick() implements Command {}

  private record CatalogLoaded(Optional<InferenceBackend.Catalog> catalog, Optional<Throwable> error) implements Command {}

  private record FactsLoaded(String model, InferenceBackend.ModelFacts facts) implements Command {}

  private record Reconcile() implements Command {}

  private record Reconciled(long epoch, Optional<InferenceBackend.RunningSet> running, Optional<Throwable> error)
      implements Command {}

  private record CallDone(String requestId, Optional<Completion> completion, Optional<Throwable> error) implements Command {}

  private record LoadDone(String model, long nanos, Optional<Throwable> error) implements Command {}

  private record UnloadDone(String model, Optional<Throwable> error) implements Command {}

  private record Probe() implements Command {}

  private record ProbeDone(Optional<Throwable> error) implements Command {}

  private record Revalidated(Submit submit, long receivedNanos, Optional<InferenceBackend.Catalog> catalog)
      implements Command {}

  private record SinkGone(String requestId) implements Command {}

  /** What the actor keeps with each waiting request. */
  private record Asker(ActorRef<Reply> replyTo, Optional<ActorRef<Chunk>> stream) {}

  private static final class Running {
    final InferenceQueue.Waiting<Asker> waiting;
    final InferenceBackend.Call call;
    final long startNanos;
    final AtomicLong firstDeltaNanos = new AtomicLong();
    final AtomicInteger deltas = new AtomicInteger();

    Running(InferenceQueue.Waiting<Asker> waiting, InferenceBackend.Call call, long startNanos) {
      this.waiting = waiting;
      this.call = call;
      this.startNanos = startNanos;
    }
  }

  private final InferenceSettings settings;
  private final InferenceBackend backend;
  private final MemoryBudget budget;
  private final TimerScheduler<Command> timers;
  private final InferenceQueue<Asker> queue;
  private final ResidencyPlanner planner;
  private final Map<String, Running> running = new LinkedHashMap<>();
  private final Map<String, Long> loadNanos = new HashMap<>();
  private final Map<String, Long> loadedAt = new HashMap<>();
  private final Map<String, Long> serviceNanos = new HashMap<>();
  private final Map<String, Long> nanosPerToken = new HashMap<>();
  private final Map<String, String> waitReasons = new HashMap<>();
  private Optional<InferenceBackend.Catalog> catalog = Optional.empty();
  private boolean catalogRequested = false;
  private Optional<String> loadingFor = Optional.empty();
  /** The model a swap was decided for; it loads as soon as its evictions are done. */
  private Optional<String> committed = Optional.empty();
  /** The models that swap evicts: they take no new work meanwhile. */
  private Set<String> draining = Set.of();

  private boolean backendUp = false;
  private int failures = 0;
  private String backendDetail = "connecting";
  private long epoch = 0;
  private int loads = 0;
  private int unloads = 0;
  private long completed = 0;
  private long failed = 0;
  private double ttftMillisAvg = -1;
  private double tokensPerSecondAvg = -1;

  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend) {
    return create(settings, backend, MemoryBudget.resolve(settings));
  }

  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend, MemoryBudget budget) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new InferenceActor(context, settings, backend, budget, timers)));
  }

  private InferenceActor(ActorContext<Command> context, InferenceSettings settings, InferenceBackend backend,
      MemoryBudget budget, TimerScheduler<Command> timers) {
    super(context);
    this.settings = settings;
    this.backend = backend;
    this.budget = budget;
    this.timers = timers;
    this.queue = new InferenceQueue<>(settings.maxQueued(), settings.agingStep());
    this.planner = new ResidencyPlanner(budget.bytes(), settings.maxResidentModels());
    long tick = Math.max(20, Math.min(500, settings.agingStep().toMillis() / 8));
    timers.startTimerWithFixedDelay(new Tick(), Duration.ofMillis(tick));
    timers.startTimerWithFixedDelay(new Reconcile(), settings.reconcileInterval());
    context.getLog().info("inference: {} budget {} ({}), up to {} resident models", backend.describe(),
        ResidencyPlanner.gib(budget.bytes()), budget.source(), settings.maxResidentModels());
    context.getSelf().tell(new Probe());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Revalidated.class, this::onRevalidated)
        .onMessage(Cancel.class, c -> cancel(c.requestId(), "cancelled by the caller"))
        .onMessage(SinkGone.class, s -> cancel(s.requestId(), "the client went away"))
        .onMessage(GetStatus.class, this::onStatus)
        .onMessage(ListModels.class, this::onListModels)
        .onMessage(ShowModel.class, this::onShowModel)
        .onMessage(ListRunning.class, this::onListRunning)
        .onMessage(GetVersion.class, this::onVersion)
        .onMessage(Tick.class, t -> dispatch())
        .onMessage(CatalogLoaded.class, this::onCatalog)
        .onMessage(FactsLoaded.class, this::onFacts)
        .onMessage(Reconcile.class, this::onReconcile)
        .onMessage(Reconciled.class, this::onReconciled)
        .onMessage(CallDone.class, this::onCallDone)
        .onMessage(LoadDone.class, this::onLoadDone)
        .onMessage(UnloadDone.class, this::onUnloadDone)
        .onMessage(Probe.class, this::onProbe)
        .onMessage(ProbeDone.class, this::onProbeDone)
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
          running.values().forEach(r -> r.call.cancel().run());
          return this;
        })
        .build();
  }

  // ---- submissions ----

  private Behavior<Command> onSubmit(Submit s) {
    return accept(s, System.nanoTime());
  }

  private Behavior<Command> accept(Submit s, long receivedNanos) {
    if (catalog.isPresent() && !knows(catalog.get(), s.call().model())) {
      // maybe pulled since the last refresh: ask once more before refusing
      pipe(backend.models(), (c, e) -> new Revalidated(s, receivedNanos, Optional.ofNullable(c)));
      return this;
    }
    return enqueue(s, receivedNanos);
  }

  private Behavior<Command> onRevalidated(Revalidated r) {
    r.catalog().ifPresent(c -> catalog = Optional.of(c));
    if (r.catalog().isPresent() && !knows(r.catalog().get(), r.submit().call().model())) {
      reply(r.submit(), unknownModel(r.submit().requestId(), r.submit().call().model()));
      return this;
    }
    return enqueue(r.submit(), r.receivedNanos());
  }

  private Behavior<Command> enqueue(Submit s, long receivedNanos) {
    long deadline = receivedNanos + s.timeout().orElse(settings.defaultDeadline()).toNanos();
    InferenceCall pinned = s.call().withOptions(pin(s.call().model(), s.call().options()));
    var waiting = new InferenceQueue.Waiting<>(s.requestId(), pinned, s.priority(), receivedNanos, deadline,
        new Asker(s.replyTo(), s.stream()));
    if (!queue.offer(waiting)) {
      reply(s, new Failed(s.requestId(), Failure.BUSY, "the inference queue is full (" + queue.capacity()
          + " waiting); try again later", List.of()));
      return this;
    }
    s.stream().ifPresent(sink -> getContext().watchWith(sink, new SinkGone(s.requestId())));
    return dispatch();
  }

  /** The client's options minus those that make Ollama reload, plus the ones pinned for the model. */
  private Map<String, Object> pin(String model, Map<String, Object> options) {
    Map<String, Object> out = new LinkedHashMap<>(options);
    settings.reloadOptions().forEach(out::remove);
    out.putAll(settings.pinnedFor(model));
    return Map.copyOf(out);
  }

  private Behavior<Command> cancel(String requestId, String why) {
    Optional<InferenceQueue.Waiting<Asker>> waiting = queue.remove(requestId);
    if (waiting.isPresent()) {
      finish(waiting.get(), new Failed(requestId, Failure.CANCELLED, why, List.of()));
      return dispatch();
    }
    Running r = running.remove(requestId);
    if (r != null) {
      r.call.cancel().run();
      finish(r.waiting, new Failed(requestId, Failure.CANCELLED, why, List.of()));
      return dispatch();
    }
    return this;
  }

  // ---- scheduling ----

  private Behavior<Command> dispatch() {
    long now = System.nanoTime();
    for (var w : queue.expire(now)) {
      finish(w, new Failed(w.id(), Failure.DEADLINE, "deadline passed after waiting " + millis(now - w.enqueuedNanos())
          + " ms in the queue (" + waitReasons.getOrDefault(w.model(), "waiting") + ")", List.of()));
    }
    for (Running r : List.copyOf(running.values())) {
      if (r.waiting.deadlineNanos() <= now) {
        running.remove(r.waiting.id());
        r.call.cancel().run();
        finish(r.waiting, new Failed(r.waiting.id(), Failure.DEADLINE, "deadline passed while " + r.waiting.model()
            + " was answering (after " + millis(now - r.startNanos) + " ms)", List.of()));
      }
    }
    if (!backendUp) {
      waitReasons.replaceAll((k, v) -> "Ollama unreachable (" + backendDetail + "); retrying");
      return this;
    }
    waitReasons.clear();
    while (running.size() < settings.totalConcurrency() && queue.size() > 0) {
      if (!step(now)) {
        break;
      }
    }
    return this;
  }

  /**
   * Starts one request or one load/unload; false when nothing can move now. The resident set is
   * the unit of batching: everything queued for it rides on it, and it is left only when (1) an
   * interactive request for another model would otherwise miss its {@code interactive-wait-target}
   * (until then the resident models serve what finishes within its slack, so one swap serves more;
   * after it, interactive requests are answered in arrival order across models), (2) a request
   * elsewhere has waited {@code max-swap-wait} longer than the oldest queued request here (nothing
   * starves), or (3) the resident set has no queued work left; then the set of models that fit
   * together with the most class-weighted waiting work per second of load time comes in. A load
   * never evicts a model that still has queued work, except for (1) and (2). Models being drained
   * for a decided swap take no new work.
   */
  private boolean step(long now) {
    List<InferenceQueue.Waiting<Asker>> ordered = queue.ordered(now);
    if (committed.isPresent() && (planner.isReady(committed.get()) || planner.isLoading(committed.get())
        || ordered.stream().noneMatch(w -> w.model().equals(committed.get())))) {
      committed = Optional.empty();
      draining = Set.of();
    }
    if (committed.isPresent()) {
      return moveTo(committed.get(), now) || startOnResident(ordered, now);
    }

    // (1) interactive work (and work aged into its class) for a model that is not here. Its model
    // comes in at once when that evicts nothing with queued work. Otherwise the oldest such request
    // decides which model comes in next, and the first to run out of slack (its wait target minus
    // its model's load time and the interactive work for it queued up to it) decides when; until
    // then the resident models serve what finishes within that slack, so one swap serves more
    List<InferenceQueue.Waiting<Asker>> interactive = ordered.stream()
        .filter(w -> queue.effectiveClass(w, now) == 0).toList();
    Set<String> busyModels = withWork("");
    for (var w : interactive) {
      if (!here(w.model()) && !planner.anyInFlight() && victims(w.model()).stream().noneMatch(busyModels::contains)) {
        return moveTo(w.model(), now) || startOnResident(ordered, now);
      }
    }
    Optional<InferenceQueue.Waiting<Asker>> urgent = interactive.stream().filter(w -> !here(w.model())).findFirst();
    double slack = Double.MAX_VALUE;
    for (var w : interactive) {
      if (!here(w.model())) {
        double ahead = interactive.stream().filter(x -> x.model().equals(w.model()) && x.enqueuedNanos() <= w.enqueuedNanos())
            .mapToDouble(this::estimate).sum();
        slack = Math.min(slack, settings.interactiveWaitTarget().toNanos() - (now - w.enqueuedNanos()) - load(w.model()) - ahead);
      }
    }
    if (urgent.isEmpty()) {
      if (startOnResident(interactive, now)) {
        return true;
      }
    } else {
      double within = slack;
      if (startOnResident(ordered.stream().filter(w -> estimate(w) <= within).toList(), now)) {
        waitReasons.put(urgent.get().model(), "the resident models serve short work first; " + urgent.get().model()
            + " comes in within its interactive wait target (" + millis((long) within) + " ms of slack left)");
        return true;
      }
      long before = urgent.get().enqueuedNanos();
      List<InferenceQueue.Waiting<Asker>> riders = interactive.stream().filter(w -> w.enqueuedNanos() <= before
          || w.enqueuedNanos() <= loadedAt.getOrDefault(w.model(), Long.MIN_VALUE)).toList();
      if (startOnResident(riders, now)) {
        return true;
      }
      return moveTo(urgent.get().model(), now) || startOnResident(ordered, now);
    }

    // (2) the backstop: nobody waits max-swap-wait longer than the work served ahead of it
    long oldestHere = ordered.stream().filter(w -> here(w.model())).mapToLong(InferenceQueue.Waiting::enqueuedNanos)
        .min().orElse(Long.MAX_VALUE);
    Optional<InferenceQueue.Waiting<Asker>> starved = ordered.stream().filter(w -> !here(w.model()))
        .filter(w -> oldestHere != Long.MAX_VALUE && oldestHere - w.enqueuedNanos() >= settings.maxSwapWait().toNanos())
        .findFirst();
    if (starved.isPresent()) {
      Optional<String> fresh = victims(starved.get().model()).stream()
          .filter(m -> now - loadedAt.getOrDefault(m, 0L) < settings.minResidencyLoads() * load(m)).findFirst();
      if (fresh.isEmpty()) {
        return moveTo(starved.get().model(), now) || startOnResident(ordered, now);
      }
      waitReasons.put(starved.get().model(), fresh.get() + " was loaded " + millis(now - loadedAt.get(fresh.get()))
          + " ms ago and stays a little longer before " + starved.get().model() + " replaces it");
    }

    // everything else rides on what is resident, highest class first
    if (startOnResident(ordered, now)) {
      return true;
    }

    // (3) load for the waiting work, never evicting a model that still has queued work
    Optional<String> next = chooseLoad(ordered, now);
    if (next.isPresent()) {
      return moveTo(next.get(), now);
    }
    ordered.stream().map(InferenceQueue.Waiting::model).filter(m -> !here(m)).distinct().forEach(m ->
        waitReasons.putIfAbsent(m, "batching: the resident models finish their queued work before " + m + " is loaded"));
    return false;
  }

  /** Resident and ready, or on its way in. */
  private boolean here(String model) {
    return planner.isReady(model) || planner.isLoading(model);
  }

  /** The models loading {@code model} would evict if nothing were running. */
  private Set<String> victims(String model) {
    ResidencyPlanner.LoadPlan ideal = planner.planLoad(model, planner.estimate(model, numCtx(model)), Set.of(), withWork(model));
    return ideal instanceof ResidencyPlanner.LoadPlan.Evict e ? Set.copyOf(e.evict()) : Set.of();
  }

  /** Models other than {@code except} with queued work. */
  private Set<String> withWork(String except) {
    Set<String> out = new HashSet<>();
    queue.ordered(System.nanoTime()).forEach(w -> out.add(w.model()));
    out.remove(except);
    return out;
  }

  /**
   * Works toward loading {@code model}: decides the swap (its victims take no new work from now
   * on), unloads what must go once it is idle, then loads. False when nothing could be started now.
   */
  private boolean moveTo(String model, long now) {
    if (planner.anyInFlight()) {
      waitReasons.put(model, loadingFor.map(l -> l + " is loading").orElse("a model is unloading"));
      return false;
    }
    if (!planner.knowsSize(model)) {
      // a load planned with an unknown size (0 bytes) would ignore the budget: wait for the model list
      waitReasons.put(model, "learning the size of " + model + " from Ollama's model list");
      refreshCatalog();
      return false;
    }
    if (committed.isEmpty()) {
      committed = Optional.of(model);
      draining = victims(model);
    }
    Set<String> busy = running.values().stream().map(r -> r.waiting.model()).collect(Collectors.toSet());
    ResidencyPlanner.LoadPlan plan = planner.planLoad(model, planner.estimate(model, numCtx(model)), busy, withWork(model));
    if (plan instanceof ResidencyPlanner.LoadPlan.Evict e) {
      execute(model, e, now);
      return true;
    }
    waitReasons.put(model, ((ResidencyPlanner.LoadPlan.Wait) plan).reason());
    return false;
  }

  /** Starts the first of {@code waiting} whose model is resident, not being drained, and has a free slot. */
  private boolean startOnResident(List<InferenceQueue.Waiting<Asker>> waiting, long now) {
    for (var w : waiting) {
      if (!draining.contains(w.model()) && planner.isReady(w.model())
          && runningOn(w.model()) < settings.perModelConcurrency()) {
        start(w, now);
        return true;
      }
    }
    return false;
  }

  /**
   * The model to load next, among those whose load evicts no model with queued work: the one that
   * starts the set of models fitting together with the most waiting work per second of load time,
   * a request weighing by its aged class (interactive 4, agent 2, background 1); on a tie, the one
   * whose work is first in line. The other members follow once it is in, as they fit beside it.
   */
  private Optional<String> chooseLoad(List<InferenceQueue.Waiting<Asker>> ordered, long now) {
    Map<String, Double> work = new LinkedHashMap<>();
    for (var w : ordered) {
      if (!here(w.model())) {
        work.merge(w.model(), (double) (1 << (2 - queue.effectiveClass(w, now))), Double::sum);
      }
    }
    Set<String> withWork = withWork("");
    List<String> loadable = work.keySet().stream()
        .filter(m -> victims(m).stream().noneMatch(withWork::contains)).toList();
    if (loadable.isEmpty()) {
      return Optional.empty();
    }
    Comparator<String> perLoadSecond = Comparator.comparingDouble(m -> work.get(m) / load(m));
    List<String> byScore = work.keySet().stream().sorted(perLoadSecond.reversed()).toList();
    double bestScore = -1;
    Optional<String> best = Optional.empty();
    for (String m : loadable) {
      // the set m would join: the models with work that fit beside it, best first
      long bytes = planner.estimate(m, numCtx(m));
      int count = 1;
      double setWork = work.get(m);
      double setLoad = load(m);
      for (String other : byScore) {
        long b = planner.estimate(other, numCtx(other));
        if (!other.equals(m) && bytes + b <= planner.budget() && count < settings.maxResidentModels()) {
          bytes += b;
          count++;
          setWork += work.get(other);
          setLoad += load(other);
        }
      }
      double score = setWork / setLoad;
      if (score > bestScore + 1e-9) {
        bestScore = score;
        best = Optional.of(m);
      }
    }
    return best;
  }

  /**
   * How long {@code w} will run: its num_predict at the model's measured time per token; for a model
   * not measured yet, scaled by size from the models that were (decoding reads the weights once per
   * token); else the model's average.
   */
  private double estimate(InferenceQueue.Waiting<Asker> w) {
    if (w.call().options().get("num_predict") instanceof Number n && n.longValue() > 0) {
      Long perToken = nanosPerToken.get(w.model());
      if (perToken != null) {
        return n.doubleValue() * perToken;
      }
      double perByte = perByte(nanosPerToken);
      if (perByte > 0) {
        return n.doubleValue() * perByte * bytes(w.model());
      }
    }
    return service(w.model());
  }

  /** Nanoseconds per resident byte over the models measured in {@code perModel}; 0 when none is. */
  private double perByte(Map<String, Long> perModel) {
    double nanos = 0;
    double bytes = 0;
    for (var e : perModel.entrySet()) {
      nanos += e.getValue();
      bytes += bytes(e.getKey());
    }
    return bytes > 0 ? nanos / bytes : 0;
  }

  private long bytes(String model) {
    return planner.estimate(model, numCtx(model));
  }

  private double service(String model) {
    Long measured = serviceNanos.get(model);
    if (measured != null) {
      return measured;
    }
    return serviceNanos.values().stream().mapToLong(Long::longValue).average().orElse(load(model));
  }

  private double load(String model) {
    Long measured = loadNanos.get(model);
    if (measured != null) {
      return measured;
    }
    // load time grows with size: scale the models measured so far
    double perByte = perByte(loadNanos);
    return perByte > 0 && bytes(model) > 0 ? perByte * bytes(model) : 1e9;
  }

  private void execute(String model, ResidencyPlanner.LoadPlan.Evict plan, long now) {
    if (!plan.evict().isEmpty()) {
      for (String victim : plan.evict()) {
        planner.unloading(victim);
        getContext().getLog().info("inference: unloading {} to make room for {}", victim, model);
        pipe(backend.unload(victim), (v, e) -> new UnloadDone(victim, Optional.ofNullable(e)));
      }
      return;
    }
    planner.loading(model, plan.bytes(), plan.warning(), now);
    plan.warning().ifPresent(w -> getContext().getLog().warn("inference: {}", w));
    loadingFor = Optional.of(model);
    long started = System.nanoTime();
    pipe(backend.load(model, settings.pinnedFor(model), settings.keepAlive()),
        (v, e) -> new LoadDone(model, System.nanoTime() - started, Optional.ofNullable(e)));
  }

  private void start(InferenceQueue.Waiting<Asker> w, long now) {
    queue.remove(w.id());
    planner.used(w.model(), now);
    Running[] self = new Running[1];
    Optional<ActorRef<Chunk>> sink = w.attachment().stream();
    InferenceBackend.Call call = backend.call(w.call(), settings.keepAlive(), delta -> {
      Running r = self[0];
      if (r != null) {
        r.firstDeltaNanos.compareAndSet(0, System.nanoTime());
        r.deltas.incrementAndGet();
      }
      sink.ifPresent(s -> s.tell(new Token(w.id(), delta)));
    });
    Running r = new Running(w, call, now);
    self[0] = r;
    running.put(w.id(), r);
    pipe(call.result(), (c, e) -> new CallDone(w.id(), Optional.ofNullable(c), Optional.ofNullable(e)));
  }

  private int runningOn(String model) {
    return (int) running.values().stream().filter(r -> r.waiting.model().equals(model)).count();
  }

  private int numCtx(String model) {
    Object ctx = settings.pinnedFor(model).get("num_ctx");
    return ctx instanceof Number n ? n.intValue() : 4096;
  }

  // ---- results ----

  private Behavior<Command> onCallDone(CallDone d) {
    Running r = running.remove(d.requestId());
    if (r == null) {
      return this; // cancelled or timed out; already answered
    }
    long now = System.nanoTime();
    planner.used(r.waiting.model(), now);
    if (d.completion().isPresent()) {
      Completion c = d.completion().get();
      failures = 0;
      completed++;
      serviceNanos.merge(r.waiting.model(), now - r.startNanos, (a, b) -> (a * 3 + b) / 4);
      if (c.timings().evalCount() > 0) {
        nanosPerToken.merge(r.waiting.model(), (now - r.startNanos) / c.timings().evalCount(), (a, b) -> (a * 3 + b) / 4);
      }
      if (r.firstDeltaNanos.get() > 0) {
        ttftMillisAvg = ewma(ttftMillisAvg, (r.firstDeltaNanos.get() - r.startNanos) / 1e6);
      }
      if (c.timings().evalNanos() > 0 && c.timings().evalCount() > 0) {
        tokensPerSecondAvg = ewma(tokensPerSecondAvg, c.timings().evalCount() / (c.timings().evalNanos() / 1e9));
      }
      finish(r.waiting, new Completed(d.requestId(), c));
      return dispatch();
    }
    BackendException e = backendError(d.error().orElseThrow());
    switch (e.kind()) {
      case UNREACHABLE, TIMEOUT -> {
        if (r.deltas.get() > 0 && r.waiting.attachment().stream().isPresent()) {
          finish(r.waiting, new Failed(d.requestId(), Failure.BROKEN_STREAM, e.getMessage()
              + "; the answer was cut off, ask again", List.of()));
        } else {
          queue.putBack(r.waiting); // nothing reached the caller: it keeps its place and runs again
        }
        backendLost(e);
      }
      case BROKEN_STREAM -> {
        if (r.waiting.attachment().stream().isPresent()) {
          finish(r.waiting, new Failed(d.requestId(), Failure.BROKEN_STREAM, e.getMessage()
              + "; the answer was cut off, ask again", List.of()));
        } else {
          queue.putBack(r.waiting);
        }
        backendLost(e);
      }
      case UNKNOWN_MODEL -> {
        planner.gone(r.waiting.model());
        finish(r.waiting, unknownModel(d.requestId(), r.waiting.model()));
        refreshCatalog();
      }
      case REJECTED -> finish(r.waiting, new Failed(d.requestId(), Failure.REJECTED,
          r.waiting.model() + ": " + e.getMessage(), List.of()));
    }
    return dispatch();
  }

  private Behavior<Command> onLoadDone(LoadDone d) {
    loadingFor = Optional.empty();
    epoch++;
    if (d.error().isEmpty()) {
      loads++;
      loadNanos.merge(d.model(), d.nanos(), (a, b) -> (a + b) / 2);
      planner.loaded(d.model(), System.nanoTime());
      loadedAt.put(d.model(), System.nanoTime());
      getContext().getLog().info("inference: loaded {} in {} ms", d.model(), millis(d.nanos()));
      return dispatch();
    }
    planner.gone(d.model());
    BackendException e = backendError(d.error().get());
    switch (e.kind()) {
      case UNKNOWN_MODEL -> {
        for (var w : queue.removeIf(w -> w.model().equals(d.model()))) {
          finish(w, unknownModel(w.id(), d.model()));
        }
        refreshCatalog();
      }
      case REJECTED -> {
        for (var w : queue.removeIf(w -> w.model().equals(d.model()))) {
          finish(w, new Failed(w.id(), Failure.REJECTED, "loading " + d.model() + " failed: " + e.getMessage(), List.of()));
        }
      }
      default -> backendLost(e);
    }
    return dispatch();
  }

  private Behavior<Command> onUnloadDone(UnloadDone d) {
    epoch++;
    if (d.error().isPresent() && backendError(d.error().get()).kind() == BackendException.Kind.UNREACHABLE) {
      planner.gone(d.model());
      backendLost(backendError(d.error().get()));
      return this;
    }
    unloads++;
    planner.gone(d.model());
    return dispatch();
  }

  private void finish(InferenceQueue.Waiting<Asker> w, Reply reply) {
    if (reply instanceof Failed) {
      failed++;
    }
    w.attachment().stream().ifPresent(s -> {
      getContext().unwatch(s);
      s.tell(new End(reply));
    });
    w.attachment().replyTo().tell(reply);
  }

  private void reply(Submit s, Reply reply) {
    if (reply instanceof Failed) {
      failed++;
    }
    s.stream().ifPresent(sink -> sink.tell(new End(reply)));
    s.replyTo().tell(reply);
  }

  // ---- backend health: backoff, circuit breaker, reconcile ----

  private void backendLost(BackendException e) {
    failures++;
    boolean wasUp = backendUp;
    backendUp = false;
    backendDetail = e.getMessage();
    long backoff = Math.min(settings.maxBackoff().toNanos(),
        settings.minBackoff().toNanos() << Math.min(20, Math.max(0, failures - 1)));
    if (wasUp || !timers.isTimerActive("probe")) {
      getContext().getLog().warn("inference: {} (failure {}), next try in {} ms", e.getMessage(), failures, millis(backoff));
      timers.startSingleTimer("probe", new Probe(), Duration.ofNanos(backoff));
    }
  }

  private Behavior<Command> onProbe(Probe p) {
    pipe(backend.version(), (v, e) -> new ProbeDone(Optional.ofNullable(e)));
    return this;
  }

  private Behavior<Command> onProbeDone(ProbeDone d) {
    if (d.error().isPresent()) {
      backendLost(backendError(d.error().get()));
      return dispatch();
    }
    // the server answers again; it may have restarted empty, so take its word for what is loaded
    refreshCatalog();
    requestReconcile();
    return this;
  }

  private Behavior<Command> onReconcile(Reconcile r) {
    if (backendUp) {
      refreshCatalog();
      requestReconcile();
    }
    return this;
  }

  private void requestReconcile() {
    long at = epoch;
    pipe(backend.running(), (rs, e) -> new Reconciled(at, Optional.ofNullable(rs), Optional.ofNullable(e)));
  }

  private Behavior<Command> onReconciled(Reconciled r) {
    if (r.error().isPresent()) {
      backendLost(backendError(r.error().get()));
      return this;
    }
    if (!backendUp) {
      planner.forgetResident();
      loadingFor = Optional.empty();
      committed = Optional.empty();
      draining = Set.of();
      planner.reconcile(r.running().orElseThrow().models(), System.nanoTime());
      backendUp = true;
      failures = 0;
      backendDetail = "answering";
      getContext().getLog().info("inference: {} answers; resident {}", backend.describe(), planner.resident().keySet());
    } else if (r.epoch() == epoch && !planner.anyInFlight()) {
      planner.reconcile(r.running().orElseThrow().models(), System.nanoTime());
    }
    return dispatch();
  }

  private void refreshCatalog() {
    if (catalogRequested) {
      return;
    }
    catalogRequested = true;
    pipe(backend.models(), (c, e) -> new CatalogLoaded(Optional.ofNullable(c), Optional.ofNullable(e)));
  }

  private Behavior<Command> onCatalog(CatalogLoaded c) {
    catalogRequested = false;
    if (c.catalog().isEmpty()) {
      return this;
    }
    InferenceBackend.Catalog fresh = c.catalog().get();
    boolean first = catalog.isEmpty();
    catalog = Optional.of(fresh);
    for (InferenceBackend.ModelEntry m : fresh.models()) {
      planner.weights(m.name(), m.sizeBytes());
      if (!planner.knowsKv(m.name())) {
        pipe(backend.show(m.name()), (f, e) -> f == null ? new Tick() : new FactsLoaded(m.name(), f));
      }
    }
    if (first) {
      for (var w : queue.removeIf(w -> !knows(fresh, w.model()))) {
        finish(w, unknownModel(w.id(), w.model()));
      }
    }
    return dispatch();
  }

  private Behavior<Command> onFacts(FactsLoaded f) {
    f.facts().kvBytesPerToken().ifPresent(kv -> planner.kvBytesPerToken(f.model(), kv));
    return this;
  }

  // ---- pass-through listings ----

  private Behavior<Command> onListModels(ListModels m) {
    ActorRef<Reply> to = m.replyTo();
    backend.models().whenComplete((c, e) -> to.tell(c != null ? new Listing(c.json()) : unavailable(e)));
    return this;
  }

  private Behavior<Command> onShowModel(ShowModel m) {
    ActorRef<Reply> to = m.replyTo();
    backend.show(m.model()).whenComplete((f, e) -> {
      if (f != null) {
        to.tell(new Listing(f.json()));
      } else if (backendError(e).kind() == BackendException.Kind.UNKNOWN_MODEL) {
        to.tell(unknownModel("", m.model()));
      } else {
        to.tell(unavailable(e));
      }
    });
    return this;
  }

  private Behavior<Command> onListRunning(ListRunning m) {
    ActorRef<Reply> to = m.replyTo();
    backend.running().whenComplete((rs, e) -> to.tell(rs != null ? new Listing(rs.json()) : unavailable(e)));
    return this;
  }

  private Behavior<Command> onVersion(GetVersion m) {
    ActorRef<Reply> to = m.replyTo();
    backend.version().whenComplete((v, e) -> to.tell(v != null
        ? new Listing(OllamaJson.MAPPER.createObjectNode().put("version", v)) : unavailable(e)));
    return this;
  }

  private Failed unavailable(Throwable e) {
    BackendException b = backendError(e);
    return new Failed("", b.kind() == BackendException.Kind.REJECTED ? Failure.REJECTED : Failure.UNAVAILABLE,
        b.getMessage(), List.of());
  }

  // ---- status ----

  private Behavior<Command> onStatus(GetStatus g) {
    long now = System.nanoTime();
    List<InferenceQueue.Waiting<Asker>> ordered = queue.ordered(now);
    Map<String, Integer> perClass = new LinkedHashMap<>();
    for (Priority p : Priority.values()) {
      perClass.put(p.label(), 0);
    }
    List<QueuedRequest> queued = new ArrayList<>();
    long avgService = serviceNanos.values().stream().mapToLong(Long::longValue).sum() / Math.max(1, serviceNanos.size());
    int position = 0;
    for (var w : ordered) {
      perClass.merge(w.priority().label(), 1, Integer::sum);
      position++;
      long load = planner.isReady(w.model()) ? 0 : loadNanos.getOrDefault(w.model(), 0L);
      long estimate = (position - 1) * serviceNanos.getOrDefault(w.model(), avgService)
          / Math.max(1, settings.totalConcurrency()) + load;
      queued.add(new QueuedRequest(w.id(), w.model(), w.priority(), queue.effectiveClass(w, now), position,
          millis(now - w.enqueuedNanos()), millis(estimate), reason(w, ordered, now)));
    }
    List<RunningRequest> runs = running.values().stream().map(r -> new RunningRequest(r.waiting.id(), r.waiting.model(),
        r.waiting.priority(), millis(now - r.startNanos))).toList();
    List<ResidentModel> resident = planner.resident().values().stream()
        .sorted(java.util.Comparator.comparing(ResidencyPlanner.Resident::model))
        .map(r -> new ResidentModel(r.model(), r.bytes(), r.phase().name().toLowerCase(java.util.Locale.ROOT), r.foreign(),
            Optional.ofNullable(loadNanos.get(r.model())).map(InferenceActor::millis))).toList();
    String state = backendUp ? "UP" : failures >= settings.breakerFailures() ? "DOWN" : "DEGRADED";
    List<String> warnings = new ArrayList<>(planner.warnings().values());
    g.replyTo().tell(new Status(state, backendDetail, budget.bytes(), budget.source(), planner.usedBytes(),
        settings.maxResidentModels(), resident, perClass, queued, runs, loads, unloads, completed, failed,
        ttftMillisAvg < 0 ? Optional.empty() : Optional.of(ttftMillisAvg),
        tokensPerSecondAvg < 0 ? Optional.empty() : Optional.of(tokensPerSecondAvg), warnings));
    return this;
  }

  private String reason(InferenceQueue.Waiting<Asker> w, List<InferenceQueue.Waiting<Asker>> ordered, long now) {
    if (!backendUp) {
      return "Ollama unreachable (" + backendDetail + "); retrying";
    }
    if (planner.isLoading(w.model())) {
      return w.model() + " is loading";
    }
    int ahead = 0;
    for (var o : ordered) {
      if (o == w) {
        break;
      }
      ahead++;
    }
    if (planner.isReady(w.model())) {
      return ahead == 0 ? "next on " + w.model() : "behind " + ahead + " queued (" + runningOn(w.model()) + " running on " + w.model() + ")";
    }
    String why = waitReasons.get(w.model());
    return why != null ? why : "waiting to load " + w.model() + " (behind " + ahead + " queued)";
  }

  // ---- small things ----

  private boolean knows(InferenceBackend.Catalog c, String model) {
    String wanted = normalize(model);
    return c.models().stream().anyMatch(m -> normalize(m.name()).equals(wanted));
  }

  private static String normalize(String model) {
    return model.contains(":") ? model : model + ":latest";
  }

  private Failed unknownModel(String requestId, String model) {
    List<String> names = catalog.map(c -> c.models().stream().map(InferenceBackend.ModelEntry::name)
        .collect(Collectors.toCollection(TreeSet::new))).map(List::copyOf).orElse(List.of());
    return new Failed(requestId, Failure.UNKNOWN_MODEL, "model '" + model + "' not found; available: "
        + (names.isEmpty() ? "(none)" : String.join(", ", names)), names);
  }

  private static BackendException backendError(Throwable e) {
    Throwable t = e;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t instanceof BackendException b ? b
        : new BackendException(BackendException.Kind.UNREACHABLE, 0, String.valueOf(t));
  }

  private <T> void pipe(CompletionStage<T> stage, java.util.function.BiFunction<T, Throwable, Command> wrap) {
    getContext().pipeToSelf(stage, (value, error) -> wrap.apply(value, error));
  }

  private static double ewma(double old, double sample) {
    return old < 0 ? sample : old * 0.8 + sample * 0.2;
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
