package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The order the door will serve the requests waiting now, and when each starts, if nothing else
 * arrives: the door's own {@link SchedulingPolicy} asked again and again on a modelled clock, its
 * decisions applied to a copy of the snapshot as the actor applies them (a start takes a slot for
 * the model's measured service time, a load makes the model ready after its measured load time, an
 * unload frees the model at once; the running calls end when their measured service time is up).
 * So the plan serves the resident model's queue first, swaps when the policy would (for a person,
 * for max-swap-wait once min-residency-loads allow, when the resident set has no work left, with
 * aging on the modelled clock), and a model it evicts costs a load again when the plan comes back
 * to it: none of the policy's rules is written down a second time here. A pure function of its
 * inputs; the policy must be one that may be asked without changing what the door's own decides
 * next ({@link SchedulingPolicy#forPlanning}).
 *
 * <p>A load or a call not measured yet is taken as the policy takes it ({@link ServiceTimes#expectedLoadNanos}:
 * scaled by size from the models measured; {@link ServiceTimes#expectedServiceNanos}: the average of
 * the models measured, as long as a load before any, so a fresh door does not start every waiting
 * request at the same moment). When the policy holds with nothing running,
 * loading or unloading, the plan stops at once if the policy waits for Ollama's model list (a size
 * it does not know: the plan cannot learn it), else lets the clock run a tick at a time for at most
 * {@value #MAX_IDLE_TICKS} ticks first; the requests it did not reach are put at the time it
 * stopped, in the queue's order, and their estimate is a lower bound. What the plan does not
 * know: that Ollama, once it holds a model beside another, has shown it can (the door learns that
 * from its running set; the plan keeps what was learnt so far), and deadlines that will expire.
 */
final class ServingPlan {

  /** How many ticks the plan lets pass while the policy holds and nothing is under way before it stops. */
  static final int MAX_IDLE_TICKS = 120;

  /**
   * A call running now on {@code model}, started at {@code startNanos}; {@code carriesLoad}: its
   * model is loaded within it (load-with-first-call), so it ends a load later than its service time.
   */
  record Running(String model, long startNanos, boolean carriesLoad) {}

  /**
   * A waiting request's place in the plan.
   *
   * @param startNanos when it starts, on the door's clock
   * @param loadsBefore the loads the plan starts before it starts, in order (the model's name each)
   */
  record Start(InferenceQueue.Waiting<?> request, long startNanos, List<String> loadsBefore) {}

  private ServingPlan() {}

  /**
   * Every request of {@code snapshot}'s queue in the order {@code policy} will start them, with when,
   * from {@code nowNanos}: total-concurrency calls at most at once, and the policy asked again at
   * every change and every tick-interval while nothing changes.
   */
  static List<Start> of(SchedulingPolicy policy, SwapPolicy.Snapshot snapshot, List<Running> running,
      InferenceSettings settings, long nowNanos) {
    PinnedOptions pinned = PinnedOptions.from(settings);
    ResidencyPlanner sizes = snapshot.residency();
    ToLongFunction<String> bytes = x -> sizes.estimate(x, pinned.numCtx(x));
    ToLongFunction<String> load = m -> Math.round(snapshot.times().expectedLoadNanos(m, bytes));
    ToLongFunction<String> service = m -> Math.round(snapshot.times().expectedServiceNanos(m, bytes));
    return new Replay(policy, snapshot, running, load, service, settings, nowNanos).run();
  }

  /** One replay of the door on the modelled clock. */
  private static final class Replay {
    private final SchedulingPolicy policy;
    private final ServiceTimes times;
    private final ToLongFunction<String> loadNanos;
    private final ToLongFunction<String> serviceNanos;
    private final int totalConcurrency;
    private final long tickNanos;
    private final InferenceQueue<Void> queue;
    private final Map<String, InferenceQueue.Waiting<?>> original = new HashMap<>();
    /** Call ends on the modelled clock, per running call (the calls running now, then the plan's). */
    private final List<Long> runningEnds = new ArrayList<>();
    private final List<String> runningModels = new ArrayList<>();
    private final Map<String, Long> loadingUntil = new LinkedHashMap<>();
    private final List<String> unloading = new ArrayList<>();
    private final List<String> loadsStarted = new ArrayList<>();
    private final List<Start> starts = new ArrayList<>();
    private ResidencyPlanner residency;
    private SwapPolicy.Commitment commitment;
    private Map<String, String> waitReasons;
    private long now;

    Replay(SchedulingPolicy policy, SwapPolicy.Snapshot s, List<Running> running, ToLongFunction<String> loadNanos,
        ToLongFunction<String> serviceNanos, InferenceSettings settings, long nowNanos) {
      this.policy = policy;
      this.times = s.times();
      this.loadNanos = loadNanos;
      this.serviceNanos = serviceNanos;
      this.totalConcurrency = Math.max(1, settings.totalConcurrency());
      this.tickNanos = Math.max(1, settings.tickInterval().toNanos());
      this.queue = new InferenceQueue<>(Math.max(1, s.queued().size()), settings.agingStep());
      for (var w : s.queued()) {
        original.put(w.id(), w);
        queue.offer(new InferenceQueue.Waiting<>(w.id(), w.call(), w.priority(), w.enqueuedNanos(), w.deadlineNanos(), null));
      }
      for (Running r : running) {
        long load = r.carriesLoad() ? loadNanos.applyAsLong(r.model()) : 0;
        runningEnds.add(Math.max(nowNanos, r.startNanos() + load + serviceNanos.applyAsLong(r.model())));
        runningModels.add(r.model());
      }
      this.residency = s.residency();
      // a load under way now ends its measured load time after it started (lastUsed is set when it starts)
      residency.resident().values().stream().filter(r -> r.phase() == ResidencyPlanner.Phase.LOADING).forEach(r ->
          loadingUntil.put(r.model(), Math.max(nowNanos, r.lastUsedNanos() + loadNanos.applyAsLong(r.model()))));
      residency.resident().values().stream().filter(r -> r.phase() == ResidencyPlanner.Phase.UNLOADING)
          .forEach(r -> unloading.add(r.model()));
      this.commitment = s.commitment();
      this.waitReasons = s.waitReasons();
      this.now = nowNanos;
    }

    List<Start> run() {
      int idleTicks = 0;
      // every pass starts a request, or moves the clock to the next end, load or unload, or a tick
      int guard = 16 * (queue.size() + runningModels.size() + 4) + MAX_IDLE_TICKS;
      while (queue.size() > 0 && guard-- > 0) {
        boolean wantsSizes = dispatch();
        if (queue.size() == 0) {
          break;
        }
        if (runningModels.isEmpty() && loadingUntil.isEmpty() && unloading.isEmpty()) {
          if (wantsSizes || ++idleTicks > MAX_IDLE_TICKS) {
            break;
          }
          now += tickNanos;
          continue;
        }
        idleTicks = 0;
        advance();
      }
      // not reached: from where the plan stopped, in the queue's order (a lower bound)
      for (var w : queue.ordered(now)) {
        starts.add(new Start(original.get(w.id()), now, List.copyOf(loadsStarted)));
      }
      return List.copyOf(starts);
    }

    /** The actor's dispatch loop at {@code now}; true when the policy asked for the model list (a size it does not know). */
    private boolean dispatch() {
      waitReasons = Map.of();
      boolean wantsSizes = false;
      while (runningModels.size() < totalConcurrency && queue.size() > 0) {
        SwapPolicy.Plan plan = policy.decide(new SwapPolicy.Snapshot(queue.ordered(now), List.copyOf(runningModels),
            residency, times, commitment, waitReasons), now);
        commitment = plan.commitment();
        waitReasons = plan.waitReasons();
        wantsSizes |= plan.learnSizes();
        switch (plan.next()) {
          case SwapPolicy.Decision.Start s -> {
            Optional<InferenceQueue.Waiting<Void>> taken = queue.remove(s.requestId());
            if (taken.isEmpty()) {
              return wantsSizes; // not one of the waiting requests: the plan cannot follow it
            }
            var w = taken.get();
            starts.add(new Start(original.get(w.id()), now, List.copyOf(loadsStarted)));
            residency = residency.used(w.model(), now);
            runningEnds.add(now + serviceNanos.applyAsLong(w.model()));
            runningModels.add(w.model());
          }
          case SwapPolicy.Decision.Unload u -> u.models().forEach(victim -> {
            residency = residency.unloading(victim);
            unloading.add(victim);
          });
          case SwapPolicy.Decision.Load l -> {
            residency = residency.loading(l.model(), l.bytes(), l.warning(), now);
            loadingUntil.put(l.model(), now + loadNanos.applyAsLong(l.model()));
            loadsStarted.add(l.model());
          }
          case SwapPolicy.Decision.Hold h -> {
            return wantsSizes;
          }
        }
      }
      return wantsSizes;
    }

    /** Moves the clock to the next thing that happens and applies it: the unloads (instant), else the first end or load. */
    private void advance() {
      if (!unloading.isEmpty()) {
        unloading.forEach(m -> residency = residency.gone(m));
        unloading.clear();
        return;
      }
      int call = -1;
      for (int i = 0; i < runningEnds.size(); i++) {
        if (call < 0 || runningEnds.get(i) < runningEnds.get(call)) {
          call = i;
        }
      }
      Optional<Map.Entry<String, Long>> load = loadingUntil.entrySet().stream().min(Map.Entry.comparingByValue());
      if (load.isPresent() && (call < 0 || load.get().getValue() <= runningEnds.get(call))) {
        now = Math.max(now, load.get().getValue());
        loadingUntil.remove(load.get().getKey());
        residency = residency.loaded(load.get().getKey(), now);
        return;
      }
      now = Math.max(now, runningEnds.remove(call));
      residency = residency.used(runningModels.remove(call), now);
    }
  }
}
