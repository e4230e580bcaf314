package dev.turboagents.actors.inference;

import dev.turboagents.actors.telemetry.Telemetry;
import dev.turboagents.config.InferenceSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The one door to the models on this node. Queues requests by priority class with aging, keeps the
 * resident models inside the memory budget, pins the options that make the server reload, retries
 * while the server is away, and streams tokens to whoever asked. This class handles the messages and
 * owns the state; what runs, loads or unloads next is {@link SwapPolicy}'s decision, the requests
 * held are {@link HeldRequests}', the resident set {@link ResidencyPlanner}'s, the figures
 * {@link ServiceTimes}', what is known of the server {@link ServerLink}'s and the status
 * {@link StatusReport}'s. When the actor restarts or stops, every request it holds is answered at
 * once (INTERRUPTED) and its calls are abandoned.
 */
public final class InferenceActor extends AbstractBehavior<InferenceActor.Command> {

  /** What the inference actor understands. */
  public sealed interface Command {}

  /**
   * Run a chat, generate or embed call.
   *
   * @param requestId the caller's id for it, used by {@link Cancel} and in every reply and chunk
   * @param timeout how long the caller will wait in all (queue + run); the configured default when empty
   * @param stream where the answer's pieces go as they come ({@link Token}s, then one {@link End})
   * @param replyTo gets exactly one {@link Reply}: {@link Completed} or {@link Failed}
   * @param failFast a person waits (a front-door call): while the breaker is open (the server failed
   *     {@code breaker-failures} times in a row) it is refused at once, UNAVAILABLE, instead of waiting
   *     for the server; agent and background work leaves it false and waits until its deadline
   */
  public record Submit(String requestId, InferenceCall call, Priority priority, Optional<Duration> timeout,
      Optional<ActorRef<Chunk>> stream, ActorRef<Reply> replyTo, boolean failFast) implements Command {

    /** A request that waits for the server while it is away (agent and background work). */
    public Submit(String requestId, InferenceCall call, Priority priority, Optional<Duration> timeout,
        Optional<ActorRef<Chunk>> stream, ActorRef<Reply> replyTo) {
      this(requestId, call, priority, timeout, stream, replyTo, false);
    }
  }

  /** Drop a request: if it waits it leaves the queue, if it runs its call is abandoned. Replies CANCELLED. */
  public record Cancel(String requestId) implements Command {}

  /** The queue, the resident set and the figures. */
  public record GetStatus(ActorRef<InferenceStatus> replyTo) implements Command {}

  /** Where the request {@code requestId} stands: waiting (position, estimated start, reason), running, done or unknown. */
  public record GetRequest(String requestId, ActorRef<RequestState> replyTo) implements Command {}

  /** A listing (models, one model, what is loaded, version): answered by {@link ModelListings}, not queued. */
  public record Listing(ModelListings.Command query) implements Command {}

  /**
   * TEST ONLY, never sent by the daemon: the actor throws as a bug in it would, so a test can show
   * what its supervisor's restart does (every held request answered INTERRUPTED, the door serving again).
   */
  public record SimulateFailure(String reason) implements Command {}

  /** The answer to a {@link Submit}. */
  public sealed interface Reply {}

  /** The call finished. */
  public record Completed(String requestId, Completion completion) implements Reply {}

  /**
   * The call did not finish; {@code message} says why in words a user can act on; {@code retryAfter}:
   * when asking again can succeed, if the door knows (a spent daily budget: when the day ends).
   */
  public record Failed(String requestId, Failure failure, String message, List<String> availableModels,
      Optional<Duration> retryAfter) implements Reply {

    public Failed(String requestId, Failure failure, String message, List<String> availableModels) {
      this(requestId, failure, message, availableModels, Optional.empty());
    }
  }

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
    /** The inference actor restarted or stopped while it held the request; ask again. */
    INTERRUPTED,
    /** The breaker is open (the server does not answer) and the caller asked to fail fast; retry later. */
    UNAVAILABLE,
    /** The watchdog caught the server stalled: no token for stall-timeout, or a load that did not end; the model was unloaded. */
    STALLED,
    /** The prompt and the requested output need more tokens than the model's largest context profile; nothing was cut. */
    CONTEXT_EXCEEDED,
    /** The request's priority class spent its daily model time (daily-model-time); retryAfter says when it resets. */
    BUDGET_SPENT
  }

  /** A streamed piece of an answer. */
  public sealed interface Chunk {}

  /** Text, thinking or tool calls, as they come. */
  public record Token(String requestId, Delta delta) implements Chunk {}

  /** The last chunk of a stream: the same reply the caller's replyTo gets. */
  public record End(Reply reply) implements Chunk {}

  // ---- internal messages (ServerLink sends some of them) ----

  record Tick() implements Command {}
  record Probe() implements Command {}
  record ProbeDone(Optional<Throwable> error) implements Command {}
  record Reconcile() implements Command {}
  record Reconciled(long epoch, boolean afterLoad, Optional<List<LoadedModel>> running, Optional<Throwable> error)
      implements Command {}
  record CatalogLoaded(Optional<List<ModelSummary>> models) implements Command {}
  private record FactsLoaded(String model, ModelDescription description) implements Command {}
  private record Revalidated(String requestId, Optional<List<ModelSummary>> models) implements Command {}
  /** A call ended; {@code call} tells it from a later run of the same request (one taken back and started again). */
  private record CallDone(RunningCalls.RunningCall<HeldRequests.Asker> call, Optional<Completion> completion,
      Optional<Throwable> error) implements Command {
    String requestId() {
      return call.id();
    }
  }
  private record LoadDone(String model, long nanos, Optional<Throwable> error) implements Command {}
  /** The first piece of the call that loads its model (load-with-first-call): the load is over, {@code nanos} after it began. */
  private record FirstPiece(RunningCalls.RunningCall<HeldRequests.Asker> call, long nanos) implements Command {}
  /** An unload ended; {@code freed}: it waited until Ollama no longer listed the model. */
  private record UnloadDone(String model, boolean freed, Optional<Throwable> error) implements Command {}
  private record SinkGone(String requestId) implements Command {}
  private record ProveLoad() implements Command {}
  private record ModelTimeRecovered(Optional<ModelTimeLedger.Day> day, Optional<Throwable> error) implements Command {}

  /** The watchdog allows a first token this many times the prompt's measured reading time (a CPU busy elsewhere too). */
  private static final long PROMPT_ALLOWANCE_FACTOR = 4;

  /**
   * While a load beside other models runs that Ollama was never seen keeping together, its running
   * set is read this often: once it shows the new model beside the others, Ollama keeps them all and
   * work on the others starts again before the load ends.
   */
  private static final Duration PROOF_READ_EVERY = Duration.ofMillis(100);
  private static final String PROVE_LOAD = "prove-load";

  private final InferenceSettings settings;
  private final InferenceBackend backend;
  private final MemoryBudget budget;
  private final PinnedOptions pinned;
  private final ContextProfiles profiles;
  private final PromptSizes promptSizes;
  /** Per model, its own context length from /api/show, when known: no profile above it. */
  private final Map<String, Integer> contextLengths = new java.util.HashMap<>();
  /** Per model resident, the context size it is loaded with (the door's load, a call, or Ollama's /api/ps). */
  private final Map<String, Integer> loadedProfiles = new java.util.HashMap<>();
  /** Per model being loaded, the context size of that load. */
  private final Map<String, Integer> loadingProfiles = new java.util.HashMap<>();
  /** The running calls that load their model within them (load-with-first-call) and have no piece of answer yet. */
  private final Set<RunningCalls.RunningCall<HeldRequests.Asker>> loadingCalls = new java.util.HashSet<>();
  /**
   * The running calls that loaded their model, with the time to their first piece: the load's time
   * is Ollama's load_duration, read when they end.
   */
  private final Map<RunningCalls.RunningCall<HeldRequests.Asker>, Long> loadedByCalls = new java.util.HashMap<>();
  /** The running calls sent with a larger context than their model was loaded with: the server reloads it for them. */
  private final Set<String> growingCalls = new java.util.HashSet<>();
  private final SchedulingPolicy policy;
  /** The order the policy will serve the waiting requests in, for their estimated starts. */
  private final RecentPlan plans;
  private final HeldRequests held;
  private final RequestHistory history;
  private final RequestSpans spans;
  private final ServerLink server;
  private final TimerScheduler<Command> timers;
  private final ActorRef<ModelListings.Command> listings;
  private ResidencyPlanner residency;
  private ServiceTimes times = ServiceTimes.NONE;
  private final ClassDemand demand;
  private SwapPolicy.Commitment commitment = SwapPolicy.Commitment.NONE;
  private Map<String, String> waitReasons = Map.of();
  private Optional<RuntimeException> crash = Optional.empty();
  private final Map<String, Long> loadsStarted = new java.util.HashMap<>();
  private Optional<Alarm> alarm = Optional.empty();
  private int loads = 0;
  private int unloads = 0;
  private int serverLoads = 0;
  private final ServerDisagreements disagreements = new ServerDisagreements();
  private final LeavingModels leaving;
  private final DailyModelTime modelTime;

  /** A load beside other models, done on Ollama's side, waiting for its running set to say what it kept. */
  private Optional<UnconfirmedLoad> unconfirmed = Optional.empty();

  private record UnconfirmedLoad(String model, long nanos, Integer numCtx, boolean timed) {}

  /** What the watchdog caught last, and when. */
  private record Alarm(String reason, long atNanos) {}

  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend) {
    return create(settings, backend, MemoryBudget.resolve(settings));
  }

  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend, MemoryBudget budget) {
    return create(settings, backend, budget, SwapPolicy::new);
  }

  /**
   * The door deciding with another scheduling policy than its own {@link SwapPolicy}: for a
   * benchmark that compares the door against a reference policy under the same actor and backend.
   */
  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend, MemoryBudget budget,
      Function<InferenceSettings, SchedulingPolicy> policy) {
    return create(settings, backend, budget, policy, Clock.systemUTC(), Optional.empty());
  }

  /**
   * The door whose daily model time per class ({@code daily-model-time}) is kept on {@code ledger}, so
   * a restart within the day goes on from the day's totals; {@code clock} says which day it is.
   */
  public static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend, MemoryBudget budget,
      Clock clock, ActorRef<ModelTimeLedger.Command> ledger) {
    return create(settings, backend, budget, SwapPolicy::new, clock, Optional.of(ledger));
  }

  private static Behavior<Command> create(InferenceSettings settings, InferenceBackend backend, MemoryBudget budget,
      Function<InferenceSettings, SchedulingPolicy> policy, Clock clock, Optional<ActorRef<ModelTimeLedger.Command>> ledger) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      InferenceActor actor = new InferenceActor(context, settings, backend, budget, timers, policy.apply(settings),
          new DailyModelTime(settings.modelTime(), clock, ledger));
      return Behaviors.intercept(() -> new CrashRecorder<>(Command.class, e -> actor.crash = Optional.of(e)), actor);
    }));
  }

  private InferenceActor(ActorContext<Command> context, InferenceSettings settings, InferenceBackend backend,
      MemoryBudget budget, TimerScheduler<Command> timers, SchedulingPolicy policy, DailyModelTime modelTime) {
    super(context);
    this.modelTime = modelTime;
    this.settings = settings;
    this.demand = new ClassDemand(settings.demandWindow().toNanos());
    this.backend = backend;
    this.budget = budget;
    this.pinned = PinnedOptions.from(settings);
    this.profiles = ContextProfiles.from(settings);
    this.promptSizes = new PromptSizes(profiles.initialTokensPerChar());
    this.policy = policy;
    this.plans = new RecentPlan(policy, settings);
    this.history = new RequestHistory(settings.requestHistory(), settings.requestHistoryFor());
    this.spans = new RequestSpans(Telemetry.get(context.getSystem()).spans());
    this.held = new HeldRequests(context, settings.maxQueued(), settings.agingStep(), history, spans);
    // every call that ends, however it ends, held the model from its start until now
    held.running().onEnd(r -> modelTime.spend(r.waiting.priority(), System.nanoTime() - r.startNanos));
    modelTime.ledger().ifPresent(ledger -> context.ask(ModelTimeLedger.Day.class, ledger, settings.connectTimeout(),
        replyTo -> new ModelTimeLedger.GetDay(modelTime.day(), replyTo),
        (day, error) -> new ModelTimeRecovered(Optional.ofNullable(day), Optional.ofNullable(error))));
    this.server = new ServerLink(context, timers, backend, settings);
    this.leaving = new LeavingModels(settings.unloadConfirmTimeout());
    this.timers = timers;
    this.listings = context.spawn(ModelListings.create(backend), "listings");
    this.residency = new ResidencyPlanner(budget.bytes(), settings.maxResidentModels());
    timers.startTimerWithFixedDelay(new Tick(), settings.tickInterval());
    timers.startTimerWithFixedDelay(new Reconcile(), settings.reconcileInterval());
    context.getLog().info("inference: {} budget {} ({}), up to {} resident models", backend.describe(),
        ResidencyPlanner.gib(budget.bytes()), budget.source(), settings.maxResidentModels());
    server.probe();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Revalidated.class, this::onRevalidated)
        .onMessage(Cancel.class, c -> held.cancel(c.requestId(), "cancelled by the caller") ? dispatch() : this)
        .onMessage(SinkGone.class, s -> held.cancel(s.requestId(), "the client went away") ? dispatch() : this)
        .onMessage(GetStatus.class, this::onStatus)
        .onMessage(GetRequest.class, g -> then(() -> g.replyTo().tell(requestState(g.requestId(), System.nanoTime()))))
        .onMessage(Listing.class, l -> then(() -> listings.tell(l.query())))
        .onMessage(SimulateFailure.class, f -> {
          throw new IllegalStateException("simulated failure: " + f.reason());
        })
        .onMessage(Tick.class, t -> dispatch())
        .onMessage(ProveLoad.class, p -> then(this::proveLoad))
        .onMessage(CallDone.class, this::onCallDone)
        .onMessage(LoadDone.class, this::onLoadDone)
        .onMessage(FirstPiece.class, this::onFirstPiece)
        .onMessage(UnloadDone.class, this::onUnloadDone)
        .onMessage(Probe.class, p -> then(server::probe))
        .onMessage(ProbeDone.class, d -> server.probed(d) ? this : dispatch())
        .onMessage(Reconcile.class, r -> then(server::tick))
        .onMessage(Reconciled.class, this::onReconciled)
        .onMessage(CatalogLoaded.class, this::onCatalog)
        .onMessage(ModelTimeRecovered.class, this::onModelTimeRecovered)
        .onMessage(FactsLoaded.class, f -> then(() -> {
          f.description().kvBytesPerToken().ifPresent(kv -> residency = residency.kvBytesPerToken(f.model(), kv));
          f.description().contextLength().ifPresent(n -> contextLengths.put(f.model(), n));
        }))
        .onSignal(PreRestart.class, s -> releaseAll("the inference actor restarted after "
            + crash.map(Throwable::toString).orElse("a failure")))
        .onSignal(PostStop.class, s -> releaseAll("the inference door stopped"))
        .build();
  }

  // ---- submissions ----

  private Behavior<Command> onSubmit(Submit s) {
    long received = System.nanoTime();
    if (held.holds(s.requestId())) {
      held.refuse(s, HeldRequests.failure(s.requestId(), Failure.REJECTED, "a request with the id '" + s.requestId()
          + "' is already waiting or running: give every request its own id"));
      return this;
    }
    if (s.failFast() && server.health().state() == BackendHealth.State.DOWN) {
      held.refuse(s, breakerOpen(s.requestId()));
      return this;
    }
    Optional<DailyModelTime.Spent> spent = modelTime.spentFor(s.priority());
    if (spent.isPresent()) {
      held.refuse(s, budgetSpent(s.requestId(), spent.get()));
      return this;
    }
    spans.arrived(s);
    if (server.catalog().isPresent() && !server.catalog().get().knows(s.call().model())) {
      // maybe pulled since the last look: ask once more before refusing
      held.holdBack(s, received);
      return pipe(backend.models(), (m, e) -> new Revalidated(s.requestId(), Optional.ofNullable(m)));
    }
    return enqueue(s, received);
  }

  private Behavior<Command> onRevalidated(Revalidated r) {
    Optional<HeldRequests.Pending> pending = held.takeBack(r.requestId());
    if (pending.isEmpty()) {
      return this; // answered meanwhile: the actor restarted
    }
    Submit s = pending.get().submit();
    r.models().ifPresent(server::catalogSeen);
    if (r.models().isPresent() && !server.catalog().orElseThrow().knows(s.call().model())) {
      held.refuse(s, unknownModel(r.requestId(), s.call().model()));
      return this;
    }
    return enqueue(s, pending.get().receivedNanos());
  }

  private Behavior<Command> enqueue(Submit s, long receivedNanos) {
    long deadline = receivedNanos + s.timeout().orElse(settings.defaultDeadline()).toNanos();
    InferenceCall call = s.call().withOptions(pinned.pin(s.call().model(), s.call().options()));
    String model = call.model();
    int prompt = promptSizes.tokens(call);
    int output = profiles.outputTokens(call);
    ContextProfiles.Choice choice = profiles.choose(model, Optional.ofNullable(contextLengths.get(model)),
        prompt, output, Optional.ofNullable(loadedProfiles.get(model)));
    if (choice instanceof ContextProfiles.TooLarge big && call instanceof InferenceCall.Embed e
        && e.truncate().orElse(true)) {
      choice = new ContextProfiles.Profile(big.largestProfile()); // the client asked the server to cut its input
    }
    switch (choice) {
      case ContextProfiles.TooLarge big -> {
        held.refuse(s, HeldRequests.failure(s.requestId(), Failure.CONTEXT_EXCEEDED, "the prompt (about "
            + big.promptTokens() + " tokens) does not fit the largest context of " + model + " ("
            + big.largestProfile() + " tokens; turbo-agents.inference.context-profiles): shorten it; it was not sent,"
            + " and is never cut"));
        return this;
      }
      case ContextProfiles.Profile p -> call = call.withOptions(call.options().with(ModelOption.NUM_CTX, p.numCtx()));
    }
    if (!held.enqueue(s, call, receivedNanos, deadline, SinkGone::new)) {
      return this;
    }
    demand.arrived(s.priority(), receivedNanos);
    return dispatch();
  }

  private static int numCtx(InferenceCall call) {
    return call.options().integer(ModelOption.NUM_CTX).map(Long::intValue).orElse(PinnedOptions.SERVER_DEFAULT_NUM_CTX);
  }

  // ---- scheduling: expire deadlines, then apply the policy's decisions until it holds ----

  private Behavior<Command> dispatch() {
    long now = System.nanoTime();
    held.expire(now, waitReasons);
    watch(now);
    java.util.Set<Priority> spent = modelTime.spentClasses();
    if (!spent.isEmpty()) {
      held.failQueued(w -> spent.contains(w.priority()), w -> budgetSpent(w.id(),
          modelTime.spentFor(w.priority()).orElseThrow()));
    }
    if (!modelTime.known()) {
      return this; // the day's totals are still being read from the ledger: nothing starts before them
    }
    if (!server.health().isUp()) {
      waitReasons = StatusReport.unreachable(waitReasons.keySet(), server.health());
      if (server.health().state() == BackendHealth.State.DOWN) {
        held.failQueued(w -> w.attachment().failFast(), w -> breakerOpen(w.id()));
      }
      return this;
    }
    waitReasons = Map.of();
    while (held.running().size() < settings.totalConcurrency() && held.queue().size() > 0) {
      SwapPolicy.Plan plan = policy.decide(snapshot(now), now);
      commitment = plan.commitment();
      waitReasons = plan.waitReasons();
      if (plan.learnSizes()) {
        server.refreshCatalog();
      }
      switch (plan.next()) {
        case SwapPolicy.Decision.Start s -> start(s.requestId(), now);
        case SwapPolicy.Decision.Unload u -> {
          boolean ollamaWaits = ollamaMakesRoomFor(u.models().size());
          u.models().forEach(victim -> unload(victim, u.forModel(), ollamaWaits));
        }
        case SwapPolicy.Decision.Load l -> load(l, now);
        case SwapPolicy.Decision.Hold h -> {
          return this;
        }
      }
    }
    return this;
  }

  private Failed budgetSpent(String requestId, DailyModelTime.Spent spent) {
    java.time.Instant now = modelTime.now();
    return new Failed(requestId, Failure.BUDGET_SPENT, spent.message(now), List.of(),
        Optional.of(spent.retryAfter(now)));
  }

  private Behavior<Command> onModelTimeRecovered(ModelTimeRecovered r) {
    if (r.day().isPresent()) {
      modelTime.recovered(r.day().get());
    } else {
      modelTime.unknownSoFar();
      getContext().getLog().warn("inference: the day's model time could not be read from its ledger ({}): today is"
          + " counted from now", r.error().map(Throwable::toString).orElse("no answer"));
    }
    return dispatch();
  }

  private Failed breakerOpen(String requestId) {
    BackendHealth health = server.health();
    return HeldRequests.failure(requestId, Failure.UNAVAILABLE, "the model server does not answer (" + health.detail()
        + "; " + health.failures() + " failures in a row, the breaker is open): retry in " + Math.max(1,
        health.backoff().toSeconds()) + " s");
  }

  // ---- the watchdog: a server that accepts connections but stops producing ----

  /**
   * Fails a chat or generate that received no piece of its answer for stall-timeout, and every
   * request waiting for a load that has not ended after its load timeout (plus the time for reading
   * the prompt of the call it is loaded with, if any); unloads the model (it is
   * loaded again on its next use) and raises the alarm the status and /health show.
   */
  private void watch(long now) {
    long stall = settings.stallTimeout().toNanos();
    for (var r : held.running().all()) {
      if (loadingCalls.contains(r)) {
        continue; // its model is still loading within it: load-timeout plus its prompt's reading covers it
      }
      long reading = r.firstDeltaNanos.get() == 0 ? promptAllowance(r.waiting.call()) : 0;
      if (!(r.waiting.call() instanceof InferenceCall.Embed) && now - r.lastDeltaNanos.get() > stall + reading) {
        String reason = r.model() + " produced no token for " + settings.stallTimeout().toSeconds() + " s"
            + (reading > 0 ? String.format(java.util.Locale.ROOT, " plus %.1f s allowed for reading its prompt of about %d"
            + " tokens", reading / 1e9, promptSizes.tokens(r.waiting.call())) : "") + " (turbo-agents.inference.stall-timeout)";
        held.running().remove(r.id());
        r.cancel();
        held.answer(r.waiting, HeldRequests.failure(r.id(), Failure.STALLED, reason + "; the model was unloaded"
            + " and is loaded again on the next request: ask again"));
        stalled(r.model(), reason, now);
      }
    }
    for (var e : Map.copyOf(loadsStarted).entrySet()) {
      String model = e.getKey();
      long loadLimit = Math.max(settings.loadTimeout().toNanos(), 2 * times.load(model).orElse(0L));
      long reading = loadingCalls.stream().filter(c -> c.model().equals(model))
          .mapToLong(c -> promptAllowance(c.waiting.call())).max().orElse(0L);
      if (residency.isLoading(model) && now - e.getValue() > loadLimit + reading) {
        String reason = "loading " + model + " did not finish within " + loadLimit / 1_000_000_000 + " s"
            + (reading > 0 ? String.format(java.util.Locale.ROOT, " plus %.1f s allowed for reading the prompt of the"
            + " request it is loaded with", reading / 1e9) : "") + " (turbo-agents.inference.load-timeout)";
        held.failQueued(w -> w.model().equals(model), w -> HeldRequests.failure(w.id(), Failure.STALLED, reason
            + "; the load was abandoned and is tried again on the next request: ask again"));
        for (var c : List.copyOf(loadingCalls)) {
          if (c.model().equals(model)) {
            loadingCalls.remove(c);
            held.running().remove(c).ifPresent(r -> {
              r.cancel();
              held.answer(r.waiting, HeldRequests.failure(r.id(), Failure.STALLED, reason
                  + "; the load was abandoned and is tried again on the next request: ask again"));
            });
          }
        }
        stalled(model, reason, now);
      }
    }
  }

  /**
   * How long the watchdog lets a call's prompt be read before its first token: four times the
   * prompt's tokens at the model's measured prompt rate (its generation rate, slower, until that is
   * measured; slowest-prompt-rate before either), for a CPU that is also busy with other work.
   */
  private long promptAllowance(InferenceCall call) {
    long perToken = times.perPromptToken(call.model()).or(() -> times.perToken(call.model()))
        .orElse(1_000_000_000L / settings.slowestPromptRate());
    return PROMPT_ALLOWANCE_FACTOR * promptSizes.tokens(call) * perToken;
  }

  private void stalled(String model, String reason, long now) {
    alarm = Optional.of(new Alarm(reason, now));
    getContext().getLog().warn("inference: watchdog: {}; unloading {}", reason, model);
    loadsStarted.remove(model);
    if (held.running().models().contains(model)) {
      return; // other calls on it are still answering; the watchdog catches them if they stall too
    }
    if (residency.isLoading(model) || residency.isReady(model)) {
      residency = residency.unloading(model);
      pipe(backend.unload(model, true), (v, e) -> new UnloadDone(model, true, Optional.ofNullable(e)));
    }
  }

  /** The watchdog's last catch while it is recent (watchdog-alarm-for). */
  private Optional<String> recentAlarm(long now) {
    return alarm.filter(a -> now - a.atNanos() < settings.watchdogAlarmFor().toNanos())
        .map(a -> a.reason() + " (" + (now - a.atNanos()) / 1_000_000_000 + " s ago)");
  }

  private SwapPolicy.Snapshot snapshot(long now) {
    return new SwapPolicy.Snapshot(held.queue().ordered(now), held.running().models(), residency, times, commitment,
        waitReasons);
  }

  private void start(String requestId, long now) {
    start(requestId, now, false);
  }

  /** Starts a queued request; {@code loadsModel}: its model is loading within this call (load-with-first-call). */
  private RunningCalls.RunningCall<HeldRequests.Asker> start(String requestId, long now, boolean loadsModel) {
    InferenceQueue.Waiting<HeldRequests.Asker> w = held.take(requestId);
    spans.started(requestId);
    publish(new DoorEvent.Waited(w.priority(), now - w.enqueuedNanos()));
    residency = residency.used(w.model(), now);
    history.started(w.id(), now);
    var call = new RunningCalls.RunningCall<>(w, now, loadsModel);
    Optional<ActorRef<Chunk>> sink = w.attachment().stream();
    int wanted = numCtx(w.call());
    Integer loadedAt = loadsModel ? loadingProfiles.get(w.model()) : loadedProfiles.get(w.model());
    int numCtx = loadedAt != null && loadedAt >= wanted ? loadedAt : wanted;
    if (loadedAt != null && numCtx > loadedAt) {
      growingCalls.add(w.id()); // the server reloads the model at the larger size for this call
    }
    loadedProfiles.put(w.model(), numCtx);
    InferenceCall sent = w.call().withOptions(w.call().options().with(ModelOption.NUM_CTX, numCtx));
    ActorRef<Command> self = getContext().getSelf();
    call.call(backend.call(sent, settings.keepAlive(), delta -> {
      if (loadsModel && call.firstDeltaNanos.get() == 0) { // pieces come one after another, on one thread
        self.tell(new FirstPiece(call, System.nanoTime() - now));
      }
      call.delta();
      sink.ifPresent(s -> s.tell(new Token(w.id(), delta)));
    }));
    held.running().add(call);
    pipe(call.call().result(), (c, e) -> new CallDone(call, Optional.ofNullable(c), Optional.ofNullable(e)));
    return call;
  }

  /**
   * Unloads {@code victim} for {@code forModel}. When Ollama itself makes the next load wait for the
   * victim to go ({@code ollamaWaits}), the door goes on as soon as Ollama acknowledged the unload;
   * otherwise (the room is the door's budget, which Ollama does not know) it waits until Ollama no
   * longer lists the victim, so the two never sit in memory together.
   */
  private void unload(String victim, String forModel, boolean ollamaWaits) {
    residency = residency.unloading(victim);
    getContext().getLog().info("inference: unloading {} to make room for {}", victim, forModel);
    pipe(backend.unload(victim, !ollamaWaits), (v, e) -> new UnloadDone(victim, !ollamaWaits, Optional.ofNullable(e)));
  }

  /**
   * Whether Ollama's own limit makes a load wait until {@code victims} models have gone: it keeps
   * at most the learnt number of models, and with the victims still counted the load would go over
   * it by at least as many.
   */
  private boolean ollamaMakesRoomFor(int victims) {
    OptionalInt limit = residency.learnedLimit();
    return limit.isPresent() && victims <= residency.resident().size() + 1 - limit.getAsInt();
  }

  private void load(SwapPolicy.Decision.Load l, long now) {
    residency = residency.loading(l.model(), l.bytes(), l.warning(), now);
    leaving.loading(l.model());
    loadsStarted.put(l.model(), now);
    l.warning().ifPresent(w -> getContext().getLog().warn("inference: {}", w));
    long started = System.nanoTime();
    // the largest context any request queued for it needs, so none of them makes it reload
    int numCtx = held.queue().ordered(now).stream().filter(w -> w.model().equals(l.model()))
        .mapToInt(w -> numCtx(w.call())).max().orElse(profiles.of(l.model(),
            Optional.ofNullable(contextLengths.get(l.model()))).get(0));
    loadingProfiles.put(l.model(), numCtx);
    Optional<String> carrier = settings.loadWithFirstCall() ? held.queue().ordered(now).stream()
        .filter(w -> w.model().equals(l.model()) && !(w.call() instanceof InferenceCall.Embed))
        .map(InferenceQueue.Waiting::id).findFirst() : Optional.empty();
    if (carrier.isPresent()) {
      // Ollama loads the model within the call: one request instead of an empty load and the call
      getContext().getLog().info("inference: loading {} within {}", l.model(), carrier.get());
      loadingCalls.add(start(carrier.get(), now, true));
    } else {
      sendLoad(l.model(), numCtx, started);
    }
    if (loadedBesideUnproven()) {
      // nothing else starts until Ollama shows what it keeps: ask it now, and while the load lasts
      server.reconcileNow(false);
      timers.startTimerWithFixedDelay(PROVE_LOAD, new ProveLoad(), PROOF_READ_EVERY);
    }
  }

  private void sendLoad(String model, int numCtx, long started) {
    pipe(backend.load(model, pinned.forModel(model).with(ModelOption.NUM_CTX, numCtx), settings.keepAlive()),
        (v, e) -> new LoadDone(model, System.nanoTime() - started, Optional.ofNullable(e)));
  }

  /** Reads Ollama's running set again while a load beside others is still unproven; stops once it is not. */
  private void proveLoad() {
    if (residency.loading().isPresent() && loadedBesideUnproven() && unconfirmed.isEmpty()) {
      server.reconcileNow(false);
    } else {
      timers.cancel(PROVE_LOAD);
    }
  }

  // ---- results ----

  private Behavior<Command> onCallDone(CallDone d) {
    Optional<RunningCalls.RunningCall<HeldRequests.Asker>> found = held.running().remove(d.call());
    boolean carriedLoad = loadingCalls.remove(d.call()); // its model's load, and no piece came yet
    Optional<String> stillLoading = carriedLoad && residency.isLoading(d.call().model())
        ? Optional.of(d.call().model()) : Optional.empty();
    Long firstPieceNanos = loadedByCalls.remove(d.call());
    boolean loadedModel = firstPieceNanos != null;
    if (loadedModel) { // the load it carried, for the metrics: as long as Ollama says it took
      long loadNanos = d.completion().map(c -> c.timings().loadNanos()).filter(n -> n > 0).orElse(firstPieceNanos);
      publish(new DoorEvent.Loaded(d.call().model(), loadNanos, true));
    }
    if (found.isEmpty()) {
      // cancelled, timed out, taken back or begun before a restart: answered or queued again already.
      // If it carried its model's load and ended before a piece came, whether Ollama finished that
      // load is unknown: load it
      stillLoading.ifPresent(m -> sendLoad(m, loadingProfiles.get(m), loadsStarted.getOrDefault(m, System.nanoTime())));
      return this;
    }
    var r = found.get();
    long now = System.nanoTime();
    boolean grew = growingCalls.remove(d.requestId());
    if (d.completion().isPresent()) {
      Completion c = d.completion().get();
      server.succeeded();
      promptSizes.calibrate(r.waiting.call(), c.timings().promptEvalCount());
      long loadPart = 0;
      if (stillLoading.isPresent() || loadedModel) {
        // it loaded its model: Ollama's load_duration is the load's time, the rest the call's
        loadPart = c.timings().loadNanos();
        if (stillLoading.isPresent()) { // it answered without a piece (an empty answer)
          loadsStarted.remove(r.model());
          server.changed();
          loadEnded(r.model(), loadPart, true);
        } else if (loadPart > 0) {
          times = times.withLoad(r.model(), loadPart);
        }
      } else if (grew) {
        loads++; // the door sent a larger context than the model was loaded with: the server reloaded it
        publish(new DoorEvent.Loaded(r.model(), c.timings().loadNanos(), true));
        server.reconcileNow(true);
      } else if (loadedForTheCall(r.model(), c.timings().loadNanos())) {
        // the door only starts calls on models it holds loaded: Ollama had dropped this one
        serverLoads++;
        publish(new DoorEvent.Loaded(r.model(), c.timings().loadNanos(), false));
        disagree("Ollama loaded " + r.model() + " on its own for " + d.requestId() + " (load_duration "
            + c.timings().loadNanos() / 1_000_000 + " ms) although the door held it loaded: Ollama had dropped it");
        server.reconcileNow(true);
      }
      residency = residency.used(r.model(), now);
      long first = r.firstDeltaNanos.get();
      long ran = Math.max(1, now - r.startNanos - loadPart);
      times = times.afterCall(r.model(), ran, first > 0 ? Math.max(1, first - r.startNanos - loadPart) : 0, c.timings());
      demand.served(r.waiting.priority(), now - r.startNanos);
      held.answer(r.waiting, new Completed(d.requestId(), c));
      return dispatch();
    }
    residency = residency.used(r.model(), now);
    BackendException e = BackendException.from(d.error().orElseThrow());
    stillLoading.ifPresent(m -> {
      // the call that carried its model's load failed before a piece came: the load failed with it
      loadsStarted.remove(m);
      loadingProfiles.remove(m);
      residency = residency.gone(m);
      server.changed();
    });
    switch (e.kind()) {
      case UNREACHABLE, TIMEOUT, BROKEN_STREAM -> {
        held.retryUnlessSeen(r, e);
        server.lost(e);
      }
      case UNKNOWN_MODEL -> {
        residency = residency.gone(r.model());
        held.answer(r.waiting, unknownModel(d.requestId(), r.model()));
        if (stillLoading.isPresent()) {
          held.failQueued(w -> w.model().equals(r.model()), w -> unknownModel(w.id(), r.model()));
        }
        server.refreshCatalog();
      }
      case REJECTED -> held.answer(r.waiting, HeldRequests.failure(d.requestId(), Failure.REJECTED,
          r.model() + ": " + e.getMessage()));
    }
    return dispatch();
  }

  private Behavior<Command> onLoadDone(LoadDone d) {
    server.changed();
    loadsStarted.remove(d.model());
    if (!residency.isLoading(d.model())) {
      return this; // begun before a restart, or forgotten when the server came back
    }
    if (d.error().isEmpty()) {
      return loadEnded(d.model(), d.nanos(), true) ? dispatch() : this;
    }
    loadingProfiles.remove(d.model());
    residency = residency.gone(d.model());
    BackendException e = BackendException.from(d.error().get());
    switch (e.kind()) {
      case UNKNOWN_MODEL -> {
        held.failQueued(w -> w.model().equals(d.model()), w -> unknownModel(w.id(), d.model()));
        server.refreshCatalog();
      }
      case REJECTED -> held.failQueued(w -> w.model().equals(d.model()), w -> HeldRequests.failure(w.id(),
          Failure.REJECTED, "loading " + d.model() + " failed: " + e.getMessage()));
      default -> server.lost(e);
    }
    return dispatch();
  }

  /** The first piece of a call that loads its model: the model is loaded; its load time is read when the call ends. */
  private Behavior<Command> onFirstPiece(FirstPiece p) {
    if (!loadingCalls.remove(p.call())) {
      return this; // it ended, or the watchdog abandoned it
    }
    String model = p.call().model();
    loadsStarted.remove(model);
    server.changed();
    if (!residency.isLoading(model)) {
      return this; // forgotten when the server came back
    }
    loadedByCalls.put(p.call(), p.nanos());
    return loadEnded(model, p.nanos(), false) ? dispatch() : this;
  }

  /**
   * A load of {@code model} succeeded on Ollama's side ({@code timed}: {@code nanos} is its time).
   * False while it waits for Ollama's running set to say what else it kept.
   */
  private boolean loadEnded(String model, long nanos, boolean timed) {
    Integer numCtx = loadingProfiles.remove(model);
    server.reconcileNow(true);
    if (server.health().isUp() && loadedBesideUnproven()) {
      // Ollama may have evicted the others for it (a limit the door cannot read): the model stays
      // "loading", so nothing starts on any model, until its running set says what it kept
      unconfirmed = Optional.of(new UnconfirmedLoad(model, nanos, numCtx, timed));
      return false;
    }
    finishLoad(model, nanos, numCtx, timed);
    return true;
  }

  /** More models in the door's picture, the one just loaded included, than Ollama was ever seen keeping. */
  private boolean loadedBesideUnproven() {
    return residency.resident().values().stream().filter(r -> r.phase() != ResidencyPlanner.Phase.UNLOADING).count()
        > Math.max(1, residency.seenTogether());
  }

  private void finishLoad(String model, long nanos, Integer numCtx, boolean timed) {
    loads++;
    if (numCtx != null) {
      loadedProfiles.put(model, numCtx);
    }
    if (timed) { // a load within a call is timed, and published, when the call ends: Ollama's load_duration
      publish(new DoorEvent.Loaded(model, nanos, true));
      times = times.withLoad(model, nanos);
    }
    residency = residency.loaded(model, System.nanoTime());
    getContext().getLog().info("inference: loaded {} in {} ms", model, nanos / 1_000_000);
  }

  /** A load that is done once Ollama's running set, read after it, has shown what else Ollama kept. */
  private void confirmLoad() {
    unconfirmed.ifPresent(u -> {
      unconfirmed = Optional.empty();
      if (residency.isLoading(u.model())) {
        finishLoad(u.model(), u.nanos(), u.numCtx(), u.timed());
      }
    });
  }

  private Behavior<Command> onUnloadDone(UnloadDone d) {
    server.changed();
    if (!residency.isUnloading(d.model())) {
      return this; // begun before a restart, or forgotten when the server came back
    }
    residency = residency.gone(d.model());
    loadedProfiles.remove(d.model());
    Optional<BackendException> e = d.error().map(BackendException::from);
    if (e.isPresent() && e.get().kind() == BackendException.Kind.UNREACHABLE) {
      server.lost(e.get());
      return this;
    }
    unloads++;
    publish(new DoorEvent.Unloaded(d.model()));
    if (d.freed() || e.isPresent()) {
      server.reconcileNow(false);
    } else {
      // not read back now: Ollama lists it until its runner has ended (Ollama 0.24.0's /api/ps can
      // crash the server while a runner is deleted, ollama/ollama#15528), and its scheduler makes
      // the next load wait for that; the read after that load shows what Ollama kept
      leaving.unloaded(d.model(), System.nanoTime());
    }
    return dispatch();
  }

  /** On restart as on stop: abandon every backend call and answer every request held, at once. */
  private Behavior<Command> releaseAll(String why) {
    return then(() -> held.releaseAll(why));
  }

  // ---- what the server says of itself ----

  private Behavior<Command> onReconciled(Reconciled r) {
    Optional<ServerLink.RunningSet> truth = server.reconciled(r);
    if (r.error().isPresent()) {
      if (r.afterLoad() && unconfirmed.isPresent()) {
        confirmLoad(); // Ollama could not say what it kept: the load itself succeeded
        return dispatch();
      }
      return this;
    }
    truth.ifPresent(t -> {
      LeavingModels.Read read = leaving.read(t.models(), System.nanoTime());
      read.stayed().forEach(m -> disagree("Ollama still holds " + m + " " + settings.unloadConfirmTimeout().toMillis()
          + " ms after it acknowledged unloading it (unload-confirm-timeout): the door takes it as held"));
      ResidencyPlanner.Reconciliation seen = (t.cameBack() ? residency.forgetResident() : residency)
          .reconcile(read.running(), System.nanoTime(), t.afterLoad(), Set.copyOf(held.running().models()));
      residency = seen.planner();
      loadedProfiles.keySet().retainAll(residency.resident().keySet());
      read.running().forEach(m -> m.contextLength().ifPresent(n -> loadedProfiles.put(m.name(), n)));
      if (t.cameBack()) {
        commitment = SwapPolicy.Commitment.NONE;
        getContext().getLog().info("inference: {} answers; resident {}", backend.describe(), residency.resident().keySet());
      } else {
        noteDifferences(seen, t);
        requeueCallsOf(seen.vanished());
      }
    });
    if (r.afterLoad()) {
      confirmLoad();
    }
    return dispatch();
  }

  /**
   * Whether Ollama loaded {@code model} for a call that reported {@code loadNanos}: more than
   * load-seen-threshold and more than half the model's measured load time (on a busy CPU Ollama
   * reports a few hundred ms for a model it held: its scheduler waits for the cores too).
   */
  private boolean loadedForTheCall(String model, long loadNanos) {
    return loadNanos > settings.loadSeenThreshold().toNanos() && loadNanos > times.load(model).orElse(0L) / 2;
  }

  /** Where the door's picture differed from what Ollama holds: logged, counted, shown in the status. */
  private void noteDifferences(ResidencyPlanner.Reconciliation seen, ServerLink.RunningSet t) {
    List<String> holds = t.models().stream().map(LoadedModel::name).toList();
    for (String gone : seen.vanished()) {
      disagree(seen.forLoad()
          ? "Ollama evicted " + gone + " on its own for a load; it holds " + holds
          : "Ollama dropped " + gone + " on its own (its keep_alive ran out, or another tool unloaded it); it holds " + holds);
    }
    seen.resized().forEach((model, sizes) -> disagree("Ollama holds " + model + " at " + mib(sizes.get(1))
        + ", the door planned " + mib(sizes.get(0)) + ": Ollama's figure is used from now on"));
    seen.limitLearnt().ifPresent(limit -> getContext().getLog().warn("inference: Ollama keeps at most {} model(s) at once"
        + " (OLLAMA_MAX_LOADED_MODELS or its memory estimate): the door plans for that from now on", limit));
  }

  /**
   * Ollama evicted {@code evicted} on its own: the calls on them that produced nothing yet are
   * cancelled (Ollama skips a request whose client has gone) and wait again in the door, in their
   * old place, so they do not make Ollama load their model back behind the door's back.
   */
  private void requeueCallsOf(List<String> evicted) {
    if (evicted.isEmpty()) {
      return;
    }
    List<SwapPolicy.InFlight> running = held.running().all().stream().map(r -> new SwapPolicy.InFlight(r.id(), r.model(),
        r.deltas.get() > 0 || r.firstDeltaNanos.get() > 0, r.waiting.call() instanceof InferenceCall.Embed)).toList();
    List<String> back = SwapPolicy.requeueAfterEviction(running, Set.copyOf(evicted));
    back.forEach(id -> {
      growingCalls.remove(id);
      held.requeue(id);
    });
    if (!back.isEmpty()) {
      disagree("Ollama evicted " + String.join(", ", evicted) + " with " + back.size() + " call(s) on it that had"
          + " produced nothing yet: they were taken back and wait in the door again (" + String.join(", ", back) + ")");
    }
  }

  private void disagree(String what) {
    disagreements.add(what);
    getContext().getLog().warn("inference: the door's view differed from Ollama's: {}", what);
  }

  private static String mib(long bytes) {
    return bytes / (1L << 20) + " MiB";
  }

  private Behavior<Command> onCatalog(CatalogLoaded c) {
    Optional<ServerLink.Fresh> fresh = server.catalogLoaded(c);
    if (fresh.isEmpty()) {
      return this;
    }
    for (ModelSummary m : fresh.get().catalog().models()) {
      residency = residency.weights(m.name(), m.sizeBytes());
      if (!residency.knowsKv(m.name())) {
        pipe(backend.show(m.name()), (f, e) -> f == null ? new Tick() : new FactsLoaded(m.name(), f));
      }
    }
    if (fresh.get().first()) {
      held.failQueued(w -> !fresh.get().catalog().knows(w.model()), w -> unknownModel(w.id(), w.model()));
    }
    return dispatch();
  }

  // ---- status ----

  private Behavior<Command> onStatus(GetStatus g) {
    long now = System.nanoTime();
    g.replyTo().tell(statusReport(now).at(now, budget, new StatusReport.Counts(loads, unloads, held.completed(),
        held.failed(), serverLoads, disagreements.count(), disagreements.recent(), recentAlarm(now),
        Map.copyOf(loadedProfiles), modelTime.today())));
    return this;
  }

  private StatusReport statusReport(long now) {
    return new StatusReport(plans, snapshot(now), held.running().all(), demand, server.health(), settings);
  }

  private RequestState requestState(String id, long now) {
    Optional<RunningCalls.RunningCall<HeldRequests.Asker>> running = held.running().all().stream()
        .filter(r -> r.id().equals(id)).findFirst();
    if (running.isPresent()) {
      var r = running.get();
      return new RequestState.Running(id, r.model(), r.waiting.priority(), (r.startNanos - r.waiting.enqueuedNanos())
          / 1_000_000, (now - r.startNanos) / 1_000_000);
    }
    Optional<InferenceStatus.QueuedRequest> queued = statusReport(now)
        .queued(now).stream().filter(q -> q.requestId().equals(id)).findFirst();
    if (queued.isPresent()) {
      var q = queued.get();
      return new RequestState.Waiting(id, q.model(), q.priority(), q.position(), q.waitedMillis(),
          q.estimatedStartMillis(), q.reason());
    }
    Optional<HeldRequests.Pending> back = held.heldBack(id);
    if (back.isPresent()) {
      Submit s = back.get().submit();
      return new RequestState.Waiting(id, s.call().model(), s.priority(), 0, (now - back.get().receivedNanos()) / 1_000_000,
          0, "checking whether Ollama has " + s.call().model() + " (it was not in the last model list)");
    }
    return history.find(id, now).<RequestState>map(d -> d).orElseGet(() -> new RequestState.Unknown(id));
  }

  private Failed unknownModel(String requestId, String model) {
    List<String> names = server.knownModels();
    return new Failed(requestId, Failure.UNKNOWN_MODEL, ModelCatalog.notFound(model, names), names);
  }

  private void publish(DoorEvent event) {
    getContext().getSystem().eventStream().tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Publish<>(event));
  }

  private Behavior<Command> then(Runnable change) {
    change.run();
    return this;
  }

  private <T> Behavior<Command> pipe(CompletionStage<T> stage, BiFunction<T, Throwable, Command> wrap) {
    getContext().pipeToSelf(stage, wrap::apply);
    return this;
  }
}
