package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A deliberately simple reference policy, the baseline the door's {@link SwapPolicy} must beat in
 * the benchmarks: priority classes with aging (the queue's order), the resident models' queue served
 * first, and a short stickiness on a model an interactive user just used.
 *
 * <ol>
 *   <li>The head of the queue (highest aged class, then arrival) runs if its model is resident.</li>
 *   <li>Otherwise the oldest request of the head's class for a resident model runs (the resident
 *       queue first, within the class).</li>
 *   <li>Otherwise, while a resident model is sticky (an interactive request on it ended less than
 *       {@code stickiness} ago) and the head is not interactive, lower-class work for resident models
 *       runs, or the door waits.</li>
 *   <li>Otherwise the head's model is swapped in: nothing new starts until the models it evicts
 *       (least recently used first) are idle; then unload, then load.</li>
 * </ol>
 * Stateful only in what it noted of its own decisions (which model last started interactive work).
 */
public final class SimplePolicy implements SchedulingPolicy {
  private final long agingNanos;
  private final long stickinessNanos;
  private final int perModelConcurrency;
  private final PinnedOptions pinned;
  private final Map<String, Boolean> lastStartInteractive = new HashMap<>();

  public SimplePolicy(InferenceSettings settings, Duration stickiness) {
    this.agingNanos = settings.agingStep().toNanos();
    this.stickinessNanos = stickiness.toNanos();
    this.perModelConcurrency = settings.perModelConcurrency();
    this.pinned = PinnedOptions.from(settings);
  }

  private SimplePolicy(SimplePolicy notes) {
    this.agingNanos = notes.agingNanos;
    this.stickinessNanos = notes.stickinessNanos;
    this.perModelConcurrency = notes.perModelConcurrency;
    this.pinned = notes.pinned;
    this.lastStartInteractive.putAll(notes.lastStartInteractive);
  }

  /** A copy of what it noted so far: planning ahead on it leaves this one's notes as they are. */
  @Override
  public SchedulingPolicy forPlanning() {
    return new SimplePolicy(this);
  }

  @Override
  public SwapPolicy.Plan decide(SwapPolicy.Snapshot s, long now) {
    SwapPolicy.Decision d = next(s, now);
    if (d instanceof SwapPolicy.Decision.Start start) {
      var w = s.queued().stream().filter(x -> x.id().equals(start.requestId())).findFirst().orElseThrow();
      lastStartInteractive.put(w.model(), InferenceQueue.effectiveClass(w, now, agingNanos) == 0);
    }
    return new SwapPolicy.Plan(d, SwapPolicy.Commitment.NONE, Map.of(), false);
  }

  private SwapPolicy.Decision next(SwapPolicy.Snapshot s, long now) {
    ResidencyPlanner residency = s.residency();
    List<? extends InferenceQueue.Waiting<?>> queued = s.queued();
    if (queued.isEmpty()) {
      return new SwapPolicy.Decision.Hold("nothing queued");
    }
    var head = queued.getFirst();
    int headClass = InferenceQueue.effectiveClass(head, now, agingNanos);
    Optional<SwapPolicy.Decision> start = startFirst(s, queued.stream()
        .filter(w -> InferenceQueue.effectiveClass(w, now, agingNanos) == headClass).toList());
    if (start.isPresent()) {
      return start.get();
    }
    boolean sticky = residency.resident().values().stream().anyMatch(r -> r.phase() == ResidencyPlanner.Phase.READY
        && lastStartInteractive.getOrDefault(r.model(), false) && now - r.lastUsedNanos() < stickinessNanos);
    if ((sticky && headClass > 0) || ready(residency, head.model()) || residency.isLoading(head.model())) {
      return startFirst(s, queued).orElseGet(() -> new SwapPolicy.Decision.Hold("sticky, or waiting for a slot"));
    }
    if (residency.anyInFlight()) {
      return new SwapPolicy.Decision.Hold("a model is loading or unloading");
    }
    long bytes = residency.estimate(head.model(), pinned.numCtx(head.model()));
    var plan = residency.planLoad(head.model(), bytes, Set.copyOf(s.runningModels()), Set.of());
    return switch (plan) {
      case ResidencyPlanner.LoadPlan.Evict e when !e.evict().isEmpty() ->
          new SwapPolicy.Decision.Unload(e.evict(), head.model(), "swap for the head of the queue");
      case ResidencyPlanner.LoadPlan.Evict e -> new SwapPolicy.Decision.Load(head.model(), e.bytes(), e.warning(),
          "the head of the queue");
      case ResidencyPlanner.LoadPlan.Wait w -> new SwapPolicy.Decision.Hold(w.reason());
    };
  }

  private static boolean ready(ResidencyPlanner residency, String model) {
    return residency.isReady(model);
  }

  private Optional<SwapPolicy.Decision> startFirst(SwapPolicy.Snapshot s, List<? extends InferenceQueue.Waiting<?>> among) {
    for (var w : among) {
      long running = s.runningModels().stream().filter(w.model()::equals).count();
      if (s.residency().isReady(w.model()) && running < perModelConcurrency) {
        return Optional.of(new SwapPolicy.Decision.Start(w.id(), w.model(), "resident model's queue first"));
      }
    }
    return Optional.empty();
  }
}
