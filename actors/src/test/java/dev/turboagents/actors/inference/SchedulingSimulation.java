package dev.turboagents.actors.inference;

import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InferenceSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The door's scheduling on a clock the test controls: the real {@link SwapPolicy},
 * {@link InferenceQueue}, {@link ResidencyPlanner} and {@link ServiceTimes}, applied the way the
 * inference actor applies them, with a model server that takes exactly the times it is given
 * (load time per model, time per token). Events happen in time order; nothing waits on a wall clock.
 */
public final class SchedulingSimulation {

  /** A model of the simulated server: its weights, how long a load takes and how long a token takes. */
  public record Model(String name, long weightBytes, Duration load, Duration perToken) {}

  /**
   * The door's estimated start of a request, read when it arrived ({@code lookedAtNanos}), as
   * {@code GET /api/v1/inference/requests/{id}} would have answered it then.
   */
  public record Estimate(String id, Priority priority, long lookedAtNanos, long estimatedStartNanos) {}

  private static final Duration PROMPT = Duration.ofNanos(400_000);
  private static final Duration UNLOAD = Duration.ofMillis(1);

  private final InferenceSettings settings;
  private final SchedulingPolicy policy;
  private final PinnedOptions pinned;
  private final InferenceQueue<Void> queue;
  private final Map<String, Model> models = new LinkedHashMap<>();
  private final Map<String, Long> runningUntil = new LinkedHashMap<>();
  private final Map<String, InferenceQueue.Waiting<Void>> runningRequests = new HashMap<>();
  private final Map<String, Long> startedAt = new HashMap<>();
  private final Map<String, Long> completedAt = new HashMap<>();
  private final Map<String, Long> loadingUntil = new HashMap<>();
  private final Map<String, Long> unloadingUntil = new HashMap<>();
  private final List<String> completed = new ArrayList<>();
  private final List<SwapPolicy.Decision> decisions = new ArrayList<>();
  private final Map<String, Estimate> estimates = new LinkedHashMap<>();
  private final ClassDemand demand;
  private ResidencyPlanner residency;
  private ServiceTimes times = ServiceTimes.NONE;
  private SwapPolicy.Commitment commitment = SwapPolicy.Commitment.NONE;
  private Map<String, String> waitReasons = Map.of();
  private long now = 0;
  private long nextTick;
  private int loads = 0;
  private long peakBytes = 0;

  public SchedulingSimulation(long budgetBytes, Map<String, Object> overrides, Model... served) {
    this(budgetBytes, overrides, SwapPolicy::new, served);
  }

  /** The same door deciding with {@code policy} (e.g. the {@link SimplePolicy} baseline). */
  public SchedulingSimulation(long budgetBytes, Map<String, Object> overrides,
      java.util.function.Function<InferenceSettings, SchedulingPolicy> policy, Model... served) {
    this.settings = StandInSettings.inference(overrides);
    this.policy = policy.apply(settings);
    this.pinned = PinnedOptions.from(settings);
    this.queue = new InferenceQueue<>(settings.maxQueued(), settings.agingStep());
    this.residency = new ResidencyPlanner(budgetBytes, settings.maxResidentModels());
    for (Model m : served) {
      models.put(m.name(), m);
      residency = residency.weights(m.name(), m.weightBytes());
    }
    this.nextTick = settings.tickInterval().toNanos();
    this.demand = new ClassDemand(settings.demandWindow().toNanos());
  }

  /** A chat request of {@code tokens} tokens for {@code model}, arriving now. */
  public SchedulingSimulation submit(String id, String model, int tokens, Priority priority) {
    InferenceCall call = new InferenceCall.Chat(model, List.of(ChatMessage.of("user", id)), List.of(), AnswerFormat.TEXT,
        pinned.pin(model, ModelOptions.NONE.with(ModelOption.NUM_PREDICT, tokens)), Thinking.SERVER_DEFAULT);
    if (!queue.offer(new InferenceQueue.Waiting<>(id, call, priority, now, Long.MAX_VALUE, null))) {
      throw new IllegalStateException("queue full");
    }
    demand.arrived(priority, now);
    dispatch();
    look(id);
    return this;
  }

  /** Notes the door's estimated start of {@code id} now, if it waits. */
  private void look(String id) {
    statusReport().queued(now).stream().filter(q -> q.requestId().equals(id)).findFirst().ifPresent(q ->
        estimates.put(id, new Estimate(id, q.priority(), now, q.estimatedStartMillis() * 1_000_000)));
  }

  /** The status the actor would report now, from the same snapshot its policy decides on. */
  StatusReport statusReport() {
    List<RunningCalls.RunningCall<Void>> running = new ArrayList<>();
    runningRequests.values().forEach(w -> running.add(new RunningCalls.RunningCall<>(w, startedAt.get(w.id()))));
    return new StatusReport(new RecentPlan(policy, settings), snapshot(), running, demand,
        BackendHealth.connecting(settings).answering(), settings);
  }

  /** The door's plan now ({@link ServingPlan}): the order and the starts its policy makes if nothing else arrives. */
  List<ServingPlan.Start> plan() {
    List<ServingPlan.Running> running = runningRequests.values().stream()
        .map(w -> new ServingPlan.Running(w.model(), startedAt.get(w.id()), false)).toList();
    return ServingPlan.of(policy.forPlanning(), snapshot(), running, settings, now);
  }

  /** Every request's estimated start, read when it arrived; those that started at once have none. */
  public List<Estimate> estimates() {
    return List.copyOf(estimates.values());
  }

  /** Lets simulated time pass by {@code d}, handling every event in it. */
  public SchedulingSimulation advance(Duration d) {
    long until = now + d.toNanos();
    while (nextEvent() <= until) {
      step();
    }
    now = until;
    return this;
  }

  /** Runs events until {@code condition} holds; fails when nothing is left to happen first. */
  SchedulingSimulation runUntil(BooleanSupplier condition) {
    for (int guard = 0; !condition.getAsBoolean(); guard++) {
      if (idle() || guard > 100_000) {
        throw new AssertionError("the condition never held; completed " + completed + ", queued "
            + queue.ordered(now).stream().map(InferenceQueue.Waiting::id).toList());
      }
      step();
    }
    return this;
  }

  /** Runs until every request is answered. */
  public SchedulingSimulation runToEnd() {
    return runUntil(() -> queue.size() == 0 && runningUntil.isEmpty());
  }

  /** Runs until {@code count} requests are answered. */
  SchedulingSimulation runUntilCompleted(int count) {
    return runUntil(() -> completed.size() >= count);
  }

  boolean isRunning(String id) {
    return runningUntil.containsKey(id);
  }

  public List<String> completed() {
    return List.copyOf(completed);
  }

  public int loads() {
    return loads;
  }

  public long now() {
    return now;
  }

  public long startedAt(String id) {
    return startedAt.get(id);
  }

  /** When {@code id} was answered, in simulated nanoseconds. */
  public long completedAt(String id) {
    return completedAt.get(id);
  }

  /** The most memory the planned resident set ever took. */
  public long peakBytes() {
    return peakBytes;
  }

  public List<SwapPolicy.Decision> decisions() {
    return List.copyOf(decisions);
  }

  Map<String, String> waitReasons() {
    return waitReasons;
  }

  ResidencyPlanner residency() {
    return residency;
  }

  private boolean idle() {
    return queue.size() == 0 && runningUntil.isEmpty() && loadingUntil.isEmpty() && unloadingUntil.isEmpty();
  }

  private long nextEvent() {
    long next = nextTick;
    for (long t : runningUntil.values()) {
      next = Math.min(next, t);
    }
    for (long t : loadingUntil.values()) {
      next = Math.min(next, t);
    }
    for (long t : unloadingUntil.values()) {
      next = Math.min(next, t);
    }
    return next;
  }

  /** Handles the next event, as the actor handles the message that reports it, then looks at the queue again. */
  private void step() {
    now = nextEvent();
    Optional<String> done = first(runningUntil);
    Optional<String> loaded = first(loadingUntil);
    Optional<String> unloaded = first(unloadingUntil);
    if (done.isPresent()) {
      String id = done.get();
      runningUntil.remove(id);
      var w = runningRequests.remove(id);
      int tokens = w.call().options().integer(ModelOption.NUM_PREDICT).orElseThrow().intValue();
      residency = residency.used(w.model(), now);
      demand.served(w.priority(), now - startedAt.get(id));
      times = times.afterCall(w.model(), now - startedAt.get(id), 0, new Timings(0, 0, 8, 0, tokens, 0));
      completed.add(id);
      completedAt.put(id, now);
    } else if (loaded.isPresent()) {
      String m = loaded.get();
      loadingUntil.remove(m);
      loads++;
      times = times.withLoad(m, models.get(m).load().toNanos());
      residency = residency.loaded(m, now);
      // the actor reads the server's running set after every load: this server holds what was loaded
      residency = residency.reconcile(serverHolds(), now, true, Set.copyOf(runningModels())).planner();
    } else if (unloaded.isPresent()) {
      unloadingUntil.remove(unloaded.get());
      residency = residency.gone(unloaded.get());
    } else {
      nextTick = now + settings.tickInterval().toNanos();
    }
    dispatch();
  }

  private List<LoadedModel> serverHolds() {
    return residency.resident().values().stream().filter(r -> r.phase() != ResidencyPlanner.Phase.UNLOADING)
        .map(r -> new LoadedModel(r.model(), r.model(), r.bytes(), r.bytes(), "", null, Optional.empty(), Optional.empty()))
        .toList();
  }

  private List<String> runningModels() {
    return runningRequests.values().stream().map(InferenceQueue.Waiting::model).toList();
  }

  private Optional<String> first(Map<String, Long> until) {
    return until.entrySet().stream().filter(e -> e.getValue() <= now).map(Map.Entry::getKey).findFirst();
  }

  private SwapPolicy.Snapshot snapshot() {
    return new SwapPolicy.Snapshot(queue.ordered(now), runningModels(), residency, times, commitment, waitReasons);
  }

  /** The actor's dispatch loop, with the server always up and no deadlines. */
  private void dispatch() {
    waitReasons = Map.of();
    while (runningUntil.size() < settings.totalConcurrency() && queue.size() > 0) {
      SwapPolicy.Plan plan = policy.decide(snapshot(), now);
      commitment = plan.commitment();
      waitReasons = plan.waitReasons();
      decisions.add(plan.next());
      switch (plan.next()) {
        case SwapPolicy.Decision.Start s -> {
          var w = queue.remove(s.requestId()).orElseThrow();
          residency = residency.used(w.model(), now);
          Model m = models.get(w.model());
          long tokens = w.call().options().integer(ModelOption.NUM_PREDICT).orElseThrow();
          runningUntil.put(w.id(), now + PROMPT.toNanos() + tokens * m.perToken().toNanos());
          runningRequests.put(w.id(), w);
          startedAt.put(w.id(), now);
        }
        case SwapPolicy.Decision.Unload u -> u.models().forEach(victim -> {
          residency = residency.unloading(victim);
          unloadingUntil.put(victim, now + UNLOAD.toNanos());
        });
        case SwapPolicy.Decision.Load l -> {
          residency = residency.loading(l.model(), l.bytes(), l.warning(), now);
          peakBytes = Math.max(peakBytes, residency.usedBytes());
          loadingUntil.put(l.model(), now + models.get(l.model()).load().toNanos());
          // the actor reads the running set as soon as it sends a load beside others: this server
          // keeps everything the door loads, so it shows the new model loading beside them
          residency = residency.reconcile(serverHolds(), now, false, Set.copyOf(runningModels())).planner();
        }
        case SwapPolicy.Decision.Hold h -> {
          return;
        }
      }
    }
  }
}
