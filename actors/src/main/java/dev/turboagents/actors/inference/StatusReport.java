package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The door's status, and above all where every waiting request stands and why it waits: position,
 * effective class, time waited, an estimated start from the measured service and load times, and
 * the reason in words ("llama3.3:70b is loading", "behind 2 queued"). A pure function of the door's
 * snapshot, its counters and the clock.
 */
final class StatusReport {

  /** What the door counted and what runs, besides the snapshot. */
  record Counts(int loads, int unloads, long completed,
      long failed, int serverLoads, long disagreements, List<String> recentDisagreements, Optional<String> watchdogAlarm,
      Map<String, Integer> loadedProfiles, List<InferenceStatus.ModelTime> modelTime) {}

  private final RecentPlan plans;
  private final SwapPolicy.Snapshot snapshot;
  private final BackendHealth health;
  private final int totalConcurrency;
  private final long agingNanos;
  private final List<? extends RunningCalls.RunningCall<?>> running;
  private final ClassDemand demand;

  /** {@code plans}: the door's plan of the order it serves in, made again when the snapshot changed. */
  StatusReport(RecentPlan plans, SwapPolicy.Snapshot snapshot, List<? extends RunningCalls.RunningCall<?>> running,
      ClassDemand demand, BackendHealth health, InferenceSettings settings) {
    this.plans = plans;
    this.snapshot = snapshot;
    this.running = running;
    this.demand = demand;
    this.health = health;
    this.totalConcurrency = settings.totalConcurrency();
    this.agingNanos = settings.agingStep().toNanos();
  }

  InferenceStatus at(long now, MemoryBudget budget, Counts counts) {
    ResidencyPlanner residency = snapshot.residency();
    List<InferenceStatus.RunningRequest> runs = running.stream().map(r -> new InferenceStatus.RunningRequest(
        r.id(), r.model(), r.waiting.priority(), millis(now - r.startNanos))).toList();
    List<InferenceStatus.ResidentModel> resident = residency.resident().values().stream()
        .sorted(Comparator.comparing(ResidencyPlanner.Resident::model))
        .map(r -> new InferenceStatus.ResidentModel(r.model(), r.bytes(), r.phase().name().toLowerCase(Locale.ROOT),
            r.foreign(), snapshot.times().load(r.model()).map(StatusReport::millis),
            residency.sizeFromServer(r.model()), Optional.ofNullable(counts.loadedProfiles().get(r.model())))).toList();
    return new InferenceStatus(health.state(), health.detail(), budget.bytes(), budget.source(), residency.usedBytes(),
        residency.maxResident(), resident, perClass(), queued(now), runs, counts.loads(), counts.unloads(),
        counts.completed(), counts.failed(), snapshot.times().timeToFirstTokenMillis(), snapshot.times().tokensPerSecond(),
        List.copyOf(residency.warnings().values()), counts.serverLoads(),
        residency.learnedLimit().isPresent() ? Optional.of(residency.learnedLimit().getAsInt()) : Optional.empty(),
        counts.disagreements(), counts.recentDisagreements(), counts.watchdogAlarm(), counts.modelTime());
  }

  /** Waiting requests per priority class (their own class, not the aged one). */
  Map<String, Integer> perClass() {
    Map<String, Integer> perClass = new LinkedHashMap<>();
    for (Priority p : Priority.values()) {
      perClass.put(p.label(), 0);
    }
    snapshot.queued().forEach(w -> perClass.merge(w.priority().label(), 1, Integer::sum));
    return perClass;
  }

  /**
   * Every waiting request in the order the door's policy will serve it ({@link ServingPlan}: the
   * policy replayed on a modelled clock from the measured service and load times, so it counts the
   * time left on the running calls, the calls the plan starts before it on every slot, and every
   * load the plan makes before it, a model it evicts and comes back to loaded again) with its
   * estimated start: that planned start plus the work of higher classes still to arrive that is
   * expected to overtake it ({@link #withOvertaking}).
   */
  List<InferenceStatus.QueuedRequest> queued(long now) {
    ServiceTimes times = snapshot.times();
    long avgService = times.serviceNanos().values().stream().mapToLong(Long::longValue).sum()
        / Math.max(1, times.serviceNanos().size());
    List<InferenceStatus.QueuedRequest> out = new ArrayList<>();
    Map<Priority, Integer> ahead = new java.util.EnumMap<>(Priority.class);
    List<ServingPlan.Start> plan = plans.of(snapshot, running.stream()
        .map(r -> new ServingPlan.Running(r.model(), r.startNanos, r.carriesLoad))
        .toList(), now);
    // what the classes bring and how long the traffic has gone on: once, the same for every request
    OptionalLong fallbackService = times.serviceNanos().isEmpty() ? OptionalLong.empty() : OptionalLong.of(avgService);
    Map<Priority, Double> rho = new java.util.EnumMap<>(Priority.class);
    for (Priority c : Priority.values()) {
      rho.put(c, demand.load(c, now, fallbackService) / Math.max(1, totalConcurrency));
    }
    long horizon = demand.observedNanos(now);
    int position = 0;
    for (ServingPlan.Start planned : plan) {
      var w = planned.request();
      long estimate = withOvertaking(Math.max(0, planned.startNanos() - now), w, now, rho, horizon);
      out.add(new InferenceStatus.QueuedRequest(w.id(), w.model(), w.priority(),
          InferenceQueue.effectiveClass(w, now, agingNanos), position + 1, millis(now - w.enqueuedNanos()), millis(estimate),
          reason(w, ahead, planned.loadsBefore())));
      ahead.merge(w.priority(), 1, Integer::sum);
      position++;
    }
    return out;
  }

  /**
   * {@code base} plus the work of higher classes expected to arrive while {@code w} waits and go
   * before it: until aging ranks it with them, but no longer than the traffic has been going on.
   */
  private long withOvertaking(long base, InferenceQueue.Waiting<?> w, long now, Map<Priority, Double> rho,
      long horizon) {
    int k = w.priority().ordinal();
    long waited = now - w.enqueuedNanos();
    List<StartForecast.Overtaker> above = new ArrayList<>();
    for (Priority c : Priority.values()) {
      long until = Math.min((k - c.ordinal()) * agingNanos - waited, horizon);
      if (c.ordinal() < k && until > 0 && rho.get(c) > 0) {
        above.add(new StartForecast.Overtaker(rho.get(c), until));
      }
    }
    return StartForecast.start(base, above);
  }

  /**
   * Why {@code w} waits: {@code ahead} the requests the plan starts before it, per class, and
   * {@code loads} the loads it makes before it.
   */
  private String reason(InferenceQueue.Waiting<?> w, Map<Priority, Integer> ahead, List<String> loads) {
    if (!health.isUp()) {
      return unreachable(health);
    }
    ResidencyPlanner residency = snapshot.residency();
    // the loads the plan makes first; "b" alone, for a request for b that is not in memory, goes without saying
    boolean onlyItsOwn = loads.equals(List.of(w.model())) && !residency.isReady(w.model());
    String before = loads.isEmpty() || onlyItsOwn ? "" : "; before it the door loads " + String.join(", then ", loads);
    if (residency.isLoading(w.model())) {
      return "waiting for " + w.model() + " to load" + (ahead.isEmpty() ? "" : ", " + behind(ahead)) + before;
    }
    if (residency.isReady(w.model())) {
      long running = snapshot.runningModels().stream().filter(w.model()::equals).count();
      if (ahead.isEmpty() && loads.isEmpty()) {
        return "next on " + w.model() + (running > 0 ? " (" + running + " running on it)" : "");
      }
      return (ahead.isEmpty() ? "waiting" : behind(ahead)) + " (" + running + " running on " + w.model() + ")" + before;
    }
    String why = snapshot.waitReasons().get(w.model());
    return (why != null ? why : "waiting for " + w.model() + " to load" + (ahead.isEmpty() ? "" : ", " + behind(ahead)))
        + before;
  }

  /** "behind 2 interactive requests and 1 agent request". */
  private static String behind(Map<Priority, Integer> ahead) {
    List<String> parts = new ArrayList<>();
    ahead.forEach((p, n) -> parts.add(n + " " + p.label() + (n == 1 ? " request" : " requests")));
    return "behind " + (parts.size() == 1 ? parts.get(0)
        : String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.get(parts.size() - 1));
  }

  /** Why everything waits while the server does not answer. */
  static String unreachable(BackendHealth health) {
    return "Ollama unreachable (" + health.detail() + "); retrying";
  }

  /** The same reason for every model in {@code models}: the server does not answer. */
  static Map<String, String> unreachable(java.util.Set<String> models, BackendHealth health) {
    Map<String, String> out = new LinkedHashMap<>();
    models.forEach(m -> out.put(m, unreachable(health)));
    return Map.copyOf(out);
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
