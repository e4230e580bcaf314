package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the door does next: a pure function of a {@link Snapshot} (the queue, what runs, the
 * resident set, the measured times, the swap already decided) and the clock, returning one
 * {@link Decision} with its reason. The door applies it and asks again until the answer is
 * {@link Decision.Hold}.
 *
 * <p>The resident set is the unit of batching: everything queued for it rides on it, and it is left
 * only when (1) interactive work (or work aged into its class) waits for another model and serving
 * that model next keeps the longest wait of a person shortest: every order of the models with
 * interactive work is costed (each model's requests in arrival order, a load where the model is not
 * in memory by then, at the measured load and per-token times; the longest wait, plus a twentieth of
 * the summed waits), and the first model of the cheapest order is served; a model whose load evicts
 * nothing with queued work comes in at once; (2) a request elsewhere has waited {@code max-swap-wait}
 * longer than the oldest queued request here (nothing starves; a model stays at least
 * {@code min-residency-loads} of its load times), or (3) the resident set has no queued work left;
 * then the set of models that fit together with the most class-weighted waiting work per second of
 * load time comes in. A load never evicts a model that still has queued work, except for (1) and
 * (2). Models being drained for a decided swap take no new work. While the server has not been seen
 * keeping as many models at once as a load would make, that load waits for the models beside it to
 * be idle and nothing else starts until Ollama's running set shows the model loading beside the
 * others (the door reads it as soon as it sends the load, and again while the load lasts) or the
 * load is done: a call sent behind a load Ollama makes room for would evict the new model again.
 *
 * <p>When Ollama evicts a model on its own, {@link #requeueAfterEviction} says which of its calls
 * go back to the door's queue.
 */
public final class SwapPolicy implements SchedulingPolicy {

  /**
   * How much the summed waits of people weigh beside the longest one when interactive orders are
   * costed: enough to break near-ties toward serving more people sooner, small enough that the
   * longest wait decides (tried on the benchmark's seeds: 0 and 0.2 lose a seed each to 0.05).
   */
  static final double SUM_WEIGHT = 0.05;

  /** The swap the door has decided on: the model it brings in next and the models it drains for it. */
  public record Commitment(Optional<String> model, Set<String> draining) {
    public static final Commitment NONE = new Commitment(Optional.empty(), Set.of());
  }

  /**
   * What the policy sees.
   *
   * @param queued every waiting request, in serving order (class with aging, then arrival)
   * @param runningModels the model of every running request (one entry per request)
   * @param waitReasons why requests for a model wait, as found so far in this round of decisions
   */
  public record Snapshot(List<? extends InferenceQueue.Waiting<?>> queued, List<String> runningModels,
      ResidencyPlanner residency, ServiceTimes times, Commitment commitment, Map<String, String> waitReasons) {}

  /** What to do next, and why. */
  public sealed interface Decision {
    String reason();

    /** Run this queued request on its resident model now. */
    record Start(String requestId, String model, String reason) implements Decision {}

    /** Unload these idle models to make room for {@code forModel}. */
    record Unload(List<String> models, String forModel, String reason) implements Decision {}

    /** Load {@code model}, planned at {@code bytes}; there is room for it. */
    record Load(String model, long bytes, Optional<String> warning, String reason) implements Decision {}

    /** Nothing can move now. */
    record Hold(String reason) implements Decision {}
  }

  /**
   * A decision and what it changes in the door's memory.
   *
   * @param commitment the swap decided on, after this decision
   * @param waitReasons why requests for each model wait, after this decision
   * @param learnSizes the size of a model to load is unknown: refresh the model list
   */
  public record Plan(Decision next, Commitment commitment, Map<String, String> waitReasons, boolean learnSizes) {}

  private final int perModelConcurrency;
  private final long maxSwapWaitNanos;
  private final double minResidencyLoads;
  private final long agingNanos;
  private final PinnedOptions pinned;

  public SwapPolicy(InferenceSettings settings) {
    this.perModelConcurrency = settings.perModelConcurrency();
    this.maxSwapWaitNanos = settings.maxSwapWait().toNanos();
    this.minResidencyLoads = settings.minResidencyLoads();
    this.agingNanos = settings.agingStep().toNanos();
    this.pinned = PinnedOptions.from(settings);
  }

  /** The next thing to do at {@code nowNanos}. */
  @Override
  public Plan decide(Snapshot snapshot, long nowNanos) {
    Round round = new Round(snapshot, nowNanos);
    Decision next = round.decide();
    return new Plan(next, round.commitment(), Map.copyOf(round.reasons), round.learnSizes);
  }

  /** The bytes {@code model} takes at its pinned context length. */
  long bytes(ResidencyPlanner residency, String model) {
    return residency.estimate(model, pinned.numCtx(model));
  }

  /** One decision: the snapshot, the clock, and what the decision notes down as it goes. */
  private final class Round {
    private final Snapshot s;
    private final long now;
    private final ResidencyPlanner residency;
    private final List<? extends InferenceQueue.Waiting<?>> ordered;
    private final Map<String, String> reasons;
    private Optional<String> committed;
    private Set<String> draining;
    private boolean learnSizes;

    Round(Snapshot s, long now) {
      this.s = s;
      this.now = now;
      this.residency = s.residency();
      this.ordered = s.queued();
      this.reasons = new HashMap<>(s.waitReasons());
      this.committed = s.commitment().model();
      this.draining = s.commitment().draining();
    }

    Commitment commitment() {
      return new Commitment(committed, draining);
    }

    Decision decide() {
      if (committed.isPresent() && (residency.isReady(committed.get()) || residency.isLoading(committed.get())
          || ordered.stream().noneMatch(w -> w.model().equals(committed.get())))) {
        committed = Optional.empty();
        draining = Set.of();
      }
      if (committed.isPresent()) {
        String target = committed.get();
        return moveTo(target, "the swap to " + target + " was decided")
            .or(() -> startOnResident(ordered, "rides on the resident models while " + target + " waits to come in"))
            .orElseGet(() -> hold(target));
      }

      // (1) interactive work (and work aged into its class). A model it waits for comes in at once
      // when that evicts nothing with queued work; otherwise the models are served in the order that
      // keeps the longest wait of a person shortest
      List<? extends InferenceQueue.Waiting<?>> interactive = ordered.stream()
          .filter(w -> InferenceQueue.effectiveClass(w, now, agingNanos) == 0).toList();
      Set<String> busyModels = withWork("");
      for (var w : interactive) {
        if (!here(w.model()) && !residency.anyInFlight() && victims(w.model()).stream().noneMatch(busyModels::contains)) {
          return moveTo(w.model(), "interactive request " + w.id() + " is for " + w.model()
                  + ", and loading it evicts no model with queued work")
              .or(() -> startOnResident(ordered, "rides on the resident models while " + w.model() + " comes in"))
              .orElseGet(() -> hold(w.model()));
        }
      }
      if (!interactive.isEmpty()) {
        Optional<Decision> forPeople = interactiveFirst(interactive);
        if (forPeople.isPresent()) {
          return forPeople.get();
        }
      }

      // (2) the backstop: nobody waits max-swap-wait longer than the work served ahead of it
      long oldestHere = ordered.stream().filter(w -> here(w.model())).mapToLong(InferenceQueue.Waiting::enqueuedNanos)
          .min().orElse(Long.MAX_VALUE);
      Optional<? extends InferenceQueue.Waiting<?>> starved = ordered.stream().filter(w -> !here(w.model()))
          .filter(w -> oldestHere != Long.MAX_VALUE && oldestHere - w.enqueuedNanos() >= maxSwapWaitNanos)
          .findFirst();
      if (starved.isPresent()) {
        var w = starved.get();
        Optional<String> fresh = victims(w.model()).stream()
            .filter(m -> now - residency.loadedAt(m).orElse(0L) < minResidencyLoads * load(m)).findFirst();
        if (fresh.isEmpty()) {
          return moveTo(w.model(), "request " + w.id() + " for " + w.model()
                  + " has waited max-swap-wait longer than the work for the resident models")
              .or(() -> startOnResident(ordered, "rides on the resident models while " + w.model() + " waits to come in"))
              .orElseGet(() -> hold(w.model()));
        }
        reasons.put(w.model(), fresh.get() + " was loaded " + millis(now - residency.loadedAt(fresh.get()).orElse(0L))
            + " ms ago and stays a little longer before " + w.model() + " replaces it");
      }

      // everything else rides on what is resident, highest class first
      Optional<Decision> riding = startOnResident(ordered, "rides on its resident model, highest class first");
      if (riding.isPresent()) {
        return riding.get();
      }

      // (3) load for the waiting work, never evicting a model that still has queued work
      Optional<String> next = chooseLoad();
      if (next.isPresent()) {
        return moveTo(next.get(), "the resident models have no queued work left; " + next.get()
            + " brings in the most waiting work per second of load time").orElseGet(() -> hold(next.get()));
      }
      ordered.stream().map(InferenceQueue.Waiting::model).filter(m -> !here(m)).distinct().forEach(m ->
          reasons.putIfAbsent(m, "batching: the resident models finish their queued work before " + m + " is loaded"));
      return new Decision.Hold("batching: the resident models finish their queued work first");
    }

    /**
     * Interactive work, in the order of models that keeps the longest wait of a person smallest:
     * every order of the models with interactive work queued is costed (each model's requests in
     * arrival order, a load where the model is not in memory by then, at the measured load time and
     * per-token times), and the first model of the cheapest order is served (on a tie: fewer loads,
     * then the resident models first). Empty when that decides nothing (no slot free).
     */
    private Optional<Decision> interactiveFirst(List<? extends InferenceQueue.Waiting<?>> interactive) {
      Map<String, List<InferenceQueue.Waiting<?>>> byModel = new LinkedHashMap<>();
      interactive.stream().sorted(Comparator.comparingLong(InferenceQueue.Waiting::enqueuedNanos))
          .forEach(w -> byModel.computeIfAbsent(w.model(), k -> new ArrayList<>()).add(w));
      List<String> best = null;
      double bestCost = Double.MAX_VALUE;
      int bestLoads = Integer.MAX_VALUE;
      for (List<String> order : orders(new ArrayList<>(byModel.keySet()))) {
        double t = 0;
        double worst = 0;
        double sum = 0;
        int loads = 0;
        List<String> inMemory = new ArrayList<>(residency.resident().keySet().stream().filter(this::here).toList());
        for (int k = 0; k < order.size(); k++) {
          String m = order.get(k);
          if (!inMemory.contains(m)) {
            loads++;
            t += load(m);
            List<String> later = order.subList(k + 1, order.size());
            long bytes = bytes(residency, m);
            while (!inMemory.isEmpty() && (inMemory.stream().mapToLong(x -> bytes(residency, x)).sum() + bytes > residency.budget()
                || inMemory.size() + 1 > residency.maxResident())) {
              // the one needed last (or never) goes first
              String victim = inMemory.stream().max(Comparator.comparingInt(x -> later.contains(x) ? later.indexOf(x) : 99))
                  .orElseThrow();
              inMemory.remove(victim);
            }
            inMemory.add(m);
          }
          for (var w : byModel.get(m)) {
            t += estimate(w);
            worst = Math.max(worst, now - w.enqueuedNanos() + t);
            sum += now - w.enqueuedNanos() + t;
          }
        }
        worst += SUM_WEIGHT * sum;
        boolean better = worst < bestCost - 1e6 || (Math.abs(worst - bestCost) <= 1e6 && loads < bestLoads);
        if (best == null || better) {
          best = order;
          bestCost = worst;
          bestLoads = loads;
        }
      }
      String first = best.getFirst();
      if (here(first)) {
        Optional<Decision> start = startOnResident(byModel.get(first), "interactive; serving " + String.join(" then ", best)
            + " keeps the longest wait of a person shortest (" + millis((long) bestCost) + " ms)");
        if (start.isPresent()) {
          return start;
        }
        return startOnResident(interactive, "interactive on a resident model with a free slot");
      }
      var w = byModel.get(first).getFirst();
      reasons.put(first, "interactive; " + first + " comes in next: serving " + String.join(" then ", best)
          + " keeps the longest wait of a person shortest (" + millis((long) bestCost) + " ms)");
      return Optional.of(moveTo(first, "interactive request " + w.id() + " is for " + first + ", served next")
          .or(() -> startOnResident(ordered, "rides on the resident models while " + first + " waits to come in"))
          .orElseGet(() -> hold(first)));
    }

    private Decision hold(String model) {
      return new Decision.Hold(reasons.getOrDefault(model, "waiting for " + model));
    }

    /** Resident and ready, or on its way in. */
    private boolean here(String model) {
      return residency.isReady(model) || residency.isLoading(model);
    }

    /** The models loading {@code model} would evict if nothing were running. */
    private Set<String> victims(String model) {
      ResidencyPlanner.LoadPlan ideal = residency.planLoad(model, bytes(residency, model), Set.of(), withWork(model));
      return ideal instanceof ResidencyPlanner.LoadPlan.Evict e ? Set.copyOf(e.evict()) : Set.of();
    }

    /** Models other than {@code except} with queued work. */
    private Set<String> withWork(String except) {
      Set<String> out = new HashSet<>();
      ordered.forEach(w -> out.add(w.model()));
      out.remove(except);
      return out;
    }

    /**
     * Works toward loading {@code model}: decides the swap (its victims take no new work from now
     * on), unloads what must go once it is idle, then loads. Empty when nothing can start now.
     */
    private Optional<Decision> moveTo(String model, String why) {
      if (residency.anyInFlight()) {
        reasons.put(model, residency.loading().map(l -> l + " is loading").orElse("a model is unloading"));
        return Optional.empty();
      }
      if (!residency.knowsSize(model)) {
        // a load planned with an unknown size (0 bytes) would ignore the budget: wait for the model list
        reasons.put(model, "learning the size of " + model + " from Ollama's model list");
        learnSizes = true;
        return Optional.empty();
      }
      if (committed.isEmpty()) {
        committed = Optional.of(model);
        draining = victims(model);
      }
      Set<String> busy = Set.copyOf(s.runningModels());
      ResidencyPlanner.LoadPlan plan = residency.planLoad(model, bytes(residency, model), busy, withWork(model));
      return switch (plan) {
        case ResidencyPlanner.LoadPlan.Evict e when !e.evict().isEmpty() ->
            Optional.of(new Decision.Unload(e.evict(), model, why + "; unload " + String.join(", ", e.evict()) + " first"));
        case ResidencyPlanner.LoadPlan.Evict e -> Optional.of(new Decision.Load(model, e.bytes(), e.warning(), why));
        case ResidencyPlanner.LoadPlan.Wait w -> {
          reasons.put(model, w.reason());
          if (committed.equals(Optional.of(model)) && !w.finishFirst().isEmpty()) {
            Set<String> more = new HashSet<>(draining);
            more.addAll(w.finishFirst());
            draining = Set.copyOf(more);
          }
          yield Optional.empty();
        }
      };
    }

    /** Starts the first of {@code waiting} whose model is resident, not being drained, and has a free slot. */
    private Optional<Decision> startOnResident(List<? extends InferenceQueue.Waiting<?>> waiting, String why) {
      // while a model loads beside others, the server may evict them for it (its own limit): unless
      // it was seen keeping that many models at once, nothing else starts until the load is done
      Optional<String> loadingNow = residency.loading();
      boolean unproven = loadingNow.isPresent()
          && residency.resident().values().stream().filter(r -> r.phase() != ResidencyPlanner.Phase.UNLOADING).count()
              > Math.max(1, residency.seenTogether());
      // once Ollama's limit is known, calls already in flight on other models count against it (they
      // were started before the door learnt it): a call on one more model would make Ollama swap
      Set<String> inFlight = Set.copyOf(s.runningModels());
      int limit = residency.learnedLimit().orElse(Integer.MAX_VALUE);
      for (var w : waiting) {
        if (unproven && !loadingNow.get().equals(w.model())) {
          continue;
        }
        if (!inFlight.contains(w.model()) && inFlight.size() >= limit) {
          reasons.putIfAbsent(w.model(), "Ollama keeps " + limit + " model(s) at once and calls on "
              + String.join(", ", inFlight) + " are still running");
          continue;
        }
        if (!draining.contains(w.model()) && residency.isReady(w.model()) && runningOn(w.model()) < perModelConcurrency) {
          return Optional.of(new Decision.Start(w.id(), w.model(), why));
        }
      }
      return Optional.empty();
    }

    private long runningOn(String model) {
      return s.runningModels().stream().filter(model::equals).count();
    }

    /**
     * The model to load next, among those whose load evicts no model with queued work: the one that
     * starts the set of models fitting together with the most waiting work per second of load time,
     * a request weighing by its aged class (interactive 4, agent 2, background 1); on a tie, the one
     * whose work is first in line. The other members follow once it is in, as they fit beside it.
     * Scores are per nanosecond and a tie is within 1e-9 of the best, so "a tie" spans one weighted
     * request per second of load (kept as it was when the policy was moved here).
     */
    private Optional<String> chooseLoad() {
      Map<String, Double> work = new LinkedHashMap<>();
      for (var w : ordered) {
        if (!here(w.model())) {
          work.merge(w.model(), (double) (1 << (2 - InferenceQueue.effectiveClass(w, now, agingNanos))), Double::sum);
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
        long bytes = bytes(residency, m);
        int count = 1;
        double setWork = work.get(m);
        double setLoad = load(m);
        for (String other : byScore) {
          long b = bytes(residency, other);
          if (!other.equals(m) && bytes + b <= residency.budget() && count < residency.maxResident()) {
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
    private double estimate(InferenceQueue.Waiting<?> w) {
      Optional<Long> tokens = w.call().options().integer(ModelOption.NUM_PREDICT).filter(n -> n > 0);
      if (tokens.isPresent()) {
        Optional<Long> perToken = s.times().perToken(w.model());
        if (perToken.isPresent()) {
          return tokens.get().doubleValue() * perToken.get();
        }
        double perByte = perByte(s.times().nanosPerToken());
        if (perByte > 0) {
          return tokens.get().doubleValue() * perByte * bytes(residency, w.model());
        }
      }
      return service(w.model());
    }

    /** Nanoseconds per resident byte over the models measured in {@code perModel}; 0 when none is. */
    private double perByte(Map<String, Long> perModel) {
      return ServiceTimes.perByte(perModel, m -> bytes(residency, m));
    }

    private double service(String model) {
      return s.times().expectedServiceNanos(model, m -> bytes(residency, m));
    }

    private double load(String model) {
      return s.times().expectedLoadNanos(model, m -> bytes(residency, m));
    }
  }

  /** A call the server is answering, as {@link #requeueAfterEviction} sees it: its model, and whether anything of the answer came. */
  public record InFlight(String requestId, String model, boolean streamed, boolean embed) {}

  /**
   * The calls to take back from the server when it evicted {@code evicted} on its own: those on an
   * evicted model that have produced nothing yet (no caller saw any of them), except embeddings
   * (they cannot be called back). Ollama skips a waiting request whose client went away, so these
   * no longer make it load their model again behind the door's back; they wait in the door's queue
   * in their old place (their class, age and arrival kept) and the door brings their model back when
   * the policy says so. A call with part of its answer out stays: it is being served.
   */
  public static List<String> requeueAfterEviction(List<InFlight> running, Set<String> evicted) {
    return running.stream().filter(c -> evicted.contains(c.model()) && !c.streamed() && !c.embed())
        .map(InFlight::requestId).toList();
  }

  /** Every order of {@code models} (at most 4! = 24 are costed; beyond 4 models, the arrival order of the first four). */
  static List<List<String>> orders(List<String> models) {
    if (models.size() > 4) {
      List<String> head = models.subList(0, 4);
      List<String> tail = models.subList(4, models.size());
      return orders(head).stream().map(o -> { List<String> all = new ArrayList<>(o); all.addAll(tail); return (List<String>) all; })
          .toList();
    }
    if (models.size() <= 1) {
      return List.of(List.copyOf(models));
    }
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < models.size(); i++) {
      List<String> rest = new ArrayList<>(models);
      String first = rest.remove(i);
      for (List<String> o : orders(rest)) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(o);
        out.add(all);
      }
    }
    return out;
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
