package dev.turboagents.actors.inference;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Which models are resident and which may be: a memory budget, a cap on resident models, sizes
 * from the server (weights from the model list, KV cache per token from the model's metadata at the
 * pinned context length, the real figure from the running set once loaded). Decides what to evict
 * before a load so the resident set never exceeds the budget; a model that alone exceeds it is
 * loaded alone, with a warning. Immutable: every change returns a new planner, so the door's
 * policy can take it as part of a snapshot.
 */
public final class ResidencyPlanner {

  /** Where a resident model is in its life. */
  public enum Phase { LOADING, READY, UNLOADING }

  /** A model in memory; {@code foreign} = another tool loaded it (seen in the running set). */
  public record Resident(String model, long bytes, Phase phase, boolean foreign, long lastUsedNanos) {}

  /** What a load needs first. */
  public sealed interface LoadPlan {
    /** Unload {@code evict} (maybe none), then load. */
    record Evict(List<String> evict, long bytes, Optional<String> warning) implements LoadPlan {}

    /**
     * Cannot load yet: the models that must finish first are busy. {@code finishFirst}: models that
     * stay but must be idle when the load starts (give them no new work).
     */
    record Wait(String reason, List<String> finishFirst) implements LoadPlan {
      public Wait(String reason) {
        this(reason, List.of());
      }
    }
  }

  /**
   * The server's running set taken as the truth, and how the door's picture differed from it.
   *
   * @param vanished models the door held ready (its own loads) that the server no longer holds: it
   *     dropped them on its own (evicted them for another load, or their keep_alive ran out)
   * @param appeared models the server holds that the door did not know were there
   * @param resized models whose size differs from the door's figure: model to {planned, real} bytes
   * @param forLoad read during or right after a load: the models that vanished were evicted for it
   * @param limitLearnt the limit learnt from this answer (an eviction for a load), when it is new
   */
  public record Reconciliation(ResidencyPlanner planner, List<String> vanished, List<String> appeared,
      Map<String, List<Long>> resized, boolean forLoad, OptionalInt limitLearnt) {}

  private final long budget;
  private final int maxResident;
  private final Map<String, Long> weights;
  private final Map<String, Long> kvPerToken;
  private final Map<String, Long> measured;
  private final Map<String, Long> loadedAt;
  private final Map<String, Resident> resident;
  private final Map<String, String> warnings;
  /** The most models the server was seen to keep at once, when it evicted one on its own; 0 = not learnt. */
  private final int learnedLimit;
  /** The most models the server was seen holding at once (in its running set). */
  private final int seenTogether;

  public ResidencyPlanner(long budget, int maxResident) {
    this(budget, maxResident, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), 0, 0);
  }

  private ResidencyPlanner(long budget, int maxResident, Map<String, Long> weights, Map<String, Long> kvPerToken,
      Map<String, Long> measured, Map<String, Long> loadedAt, Map<String, Resident> resident, Map<String, String> warnings,
      int learnedLimit, int seenTogether) {
    this.learnedLimit = learnedLimit;
    this.seenTogether = seenTogether;
    this.budget = budget;
    this.maxResident = maxResident;
    this.weights = weights;
    this.kvPerToken = kvPerToken;
    this.measured = measured;
    this.loadedAt = loadedAt;
    this.resident = resident;
    this.warnings = warnings;
  }

  public long budget() {
    return budget;
  }

  /** The most models resident at once: the configured cap, or the limit learnt from the server if lower. */
  public int maxResident() {
    return learnedLimit > 0 ? Math.min(maxResident, learnedLimit) : maxResident;
  }

  /** The most models the server keeps at once, as learnt from an eviction it made on its own. */
  public OptionalInt learnedLimit() {
    return learnedLimit > 0 ? OptionalInt.of(learnedLimit) : OptionalInt.empty();
  }

  /** The most models the server was seen holding at once. */
  public int seenTogether() {
    return seenTogether;
  }

  /** Whether {@code model}'s size is the server's own figure (seen in its running set), not an estimate. */
  public boolean sizeFromServer(String model) {
    return measured.containsKey(model);
  }

  /** {@code model}'s weights take {@code bytes} (its size in the model list). */
  public ResidencyPlanner weights(String model, long bytes) {
    return new ResidencyPlanner(budget, maxResident, put(weights, model, bytes), kvPerToken, measured, loadedAt, resident, warnings,
        learnedLimit, seenTogether);
  }

  /** {@code model}'s KV cache takes {@code bytes} per context token (from its metadata). */
  public ResidencyPlanner kvBytesPerToken(String model, long bytes) {
    return new ResidencyPlanner(budget, maxResident, weights, put(kvPerToken, model, bytes), measured, loadedAt, resident, warnings,
        learnedLimit, seenTogether);
  }

  /** Whether the size of {@code model} is known (measured, or its weights from the model list). */
  public boolean knowsSize(String model) {
    return measured.containsKey(model) || weights.containsKey(model);
  }

  public boolean knowsKv(String model) {
    return kvPerToken.containsKey(model);
  }

  /** Bytes {@code model} takes resident at {@code numCtx}: measured when seen loaded, else weights + KV estimate. */
  public long estimate(String model, int numCtx) {
    Long seen = measured.get(model);
    if (seen != null) {
      return seen;
    }
    long w = weights.getOrDefault(model, 0L);
    Long kv = kvPerToken.get(model);
    // without model metadata, assume the KV cache and runtime buffers add a fifth to the weights
    return kv == null ? w + w / 5 : w + kv * numCtx;
  }

  public Map<String, Resident> resident() {
    return resident;
  }

  public boolean isReady(String model) {
    Resident r = resident.get(model);
    return r != null && r.phase() == Phase.READY;
  }

  public boolean isLoading(String model) {
    Resident r = resident.get(model);
    return r != null && r.phase() == Phase.LOADING;
  }

  public boolean isUnloading(String model) {
    Resident r = resident.get(model);
    return r != null && r.phase() == Phase.UNLOADING;
  }

  /** The model being loaded now, if any. */
  public Optional<String> loading() {
    return resident.values().stream().filter(r -> r.phase() == Phase.LOADING).map(Resident::model).findFirst();
  }

  public boolean anyInFlight() {
    return resident.values().stream().anyMatch(r -> r.phase() != Phase.READY);
  }

  public long usedBytes() {
    return resident.values().stream().mapToLong(Resident::bytes).sum();
  }

  public Map<String, String> warnings() {
    return warnings;
  }

  /** When the door last finished loading {@code model} itself (not set for a model another tool loaded). */
  public OptionalLong loadedAt(String model) {
    Long at = loadedAt.get(model);
    return at == null ? OptionalLong.empty() : OptionalLong.of(at);
  }

  /**
   * What loading {@code model} takes: idle models to unload, least recently used first, until it
   * fits the budget and the count. {@code busy} are models with running requests (never evicted);
   * {@code keep} are models the caller would rather keep (evicted only when nothing else frees enough).
   */
  public LoadPlan planLoad(String model, long bytes, Set<String> busy, Set<String> keep) {
    List<Resident> others = new ArrayList<>(resident.values());
    others.removeIf(r -> r.model().equals(model));
    if (others.stream().anyMatch(r -> r.phase() != Phase.READY)) {
      return new LoadPlan.Wait("another model is loading or unloading");
    }
    if (bytes > budget) {
      List<String> busyOnes = others.stream().map(Resident::model).filter(busy::contains).toList();
      if (!busyOnes.isEmpty()) {
        return new LoadPlan.Wait(model + " needs the whole budget; waiting for " + String.join(", ", busyOnes) + " to finish");
      }
      String warning = model + " needs " + gib(bytes) + " but the budget is " + gib(budget) + ": it is served alone";
      return new LoadPlan.Evict(others.stream().map(Resident::model).toList(), bytes, Optional.of(warning));
    }
    List<Resident> idle = new ArrayList<>(others.stream().filter(r -> !busy.contains(r.model())).toList());
    // foreign first, then models nobody waits for, then least recently used
    idle.sort(Comparator.comparing((Resident r) -> !r.foreign()).thenComparing(r -> keep.contains(r.model()))
        .thenComparingLong(Resident::lastUsedNanos));
    long used = others.stream().mapToLong(Resident::bytes).sum();
    int count = others.size();
    List<String> evict = new ArrayList<>();
    for (Resident r : idle) {
      if (used + bytes <= budget && count + 1 <= maxResident()) {
        break;
      }
      evict.add(r.model());
      used -= r.bytes();
      count--;
    }
    if (used + bytes > budget || count + 1 > maxResident()) {
      List<String> busyOnes = others.stream().map(Resident::model).filter(busy::contains).toList();
      String room = used + bytes > budget ? "to free " + gib(used + bytes - budget)
          : "(Ollama keeps at most " + maxResident() + " model" + (maxResident() == 1 ? "" : "s") + " at once)";
      return new LoadPlan.Wait("waiting for " + String.join(", ", busyOnes) + " to finish " + room + " for " + model);
    }
    List<String> busyKept = others.stream().map(Resident::model).filter(m -> busy.contains(m) && !evict.contains(m)).toList();
    if (!busyKept.isEmpty() && count + 1 > Math.max(1, seenTogether)) {
      // the server may keep fewer models than the budget allows: its own limit would evict a busy
      // model mid-work and run the two against each other; load beside idle models only
      return new LoadPlan.Wait("the server was never seen keeping " + (count + 1) + " models at once; waiting for "
          + String.join(", ", busyKept) + " to finish before " + model + " is loaded beside it", busyKept);
    }
    return new LoadPlan.Evict(List.copyOf(evict), bytes, Optional.empty());
  }

  /** The door started loading {@code model}, planned at {@code bytes}. */
  public ResidencyPlanner loading(String model, long bytes, Optional<String> warning, long nowNanos) {
    Map<String, String> w = new LinkedHashMap<>(warnings);
    warning.ifPresentOrElse(text -> w.put(model, text), () -> w.remove(model));
    return with(r -> r.put(model, new Resident(model, bytes, Phase.LOADING, false, nowNanos)), Collections.unmodifiableMap(w));
  }

  /** {@code model} finished loading. */
  public ResidencyPlanner loaded(String model, long nowNanos) {
    return with(r -> r.computeIfPresent(model, (k, old) -> new Resident(k, old.bytes(), Phase.READY, false, nowNanos)), warnings)
        .withLoadedAt(put(loadedAt, model, nowNanos));
  }

  /** The door started unloading {@code model}. */
  public ResidencyPlanner unloading(String model) {
    return with(r -> r.computeIfPresent(model, (k, old) -> new Resident(k, old.bytes(), Phase.UNLOADING, old.foreign(),
        old.lastUsedNanos())), warnings);
  }

  /** {@code model} is not in memory (any more). */
  public ResidencyPlanner gone(String model) {
    Map<String, String> w = new LinkedHashMap<>(warnings);
    w.remove(model);
    return with(r -> r.remove(model), Collections.unmodifiableMap(w));
  }

  /** A request on {@code model} started or ended now. */
  public ResidencyPlanner used(String model, long nowNanos) {
    return with(r -> r.computeIfPresent(model, (k, old) -> new Resident(k, old.bytes(), old.phase(), old.foreign(), nowNanos)),
        warnings);
  }

  /** Forgets everything resident (the server restarted); the next reconcile fills it again. */
  public ResidencyPlanner forgetResident() {
    return new ResidencyPlanner(budget, maxResident, weights, kvPerToken, measured, loadedAt, Map.of(), Map.of(), 0, 0);
  }

  /**
   * Takes the server's running set as the truth for what is in memory: real sizes replace
   * estimates, models another tool loaded count against the budget, models that left are dropped.
   * Models in flight (loading, unloading) keep their state.
   */
  public ResidencyPlanner reconcile(List<LoadedModel> running, long nowNanos) {
    return reconcile(running, nowNanos, false, Set.of()).planner();
  }

  /**
   * As {@link #reconcile(List, long)}, and says where the door's picture was wrong. {@code afterLoad}:
   * the running set was read right after a load (the door's, or one the server made for a request);
   * a model of the door's that left then, or while the door's own load is under way, was evicted by
   * the server, so the server keeps no more
   * than what it holds now, the model loading included: that is learnt as its limit. A limit is
   * raised again when the server is seen holding more. {@code ours}: models the door has requests
   * on; the server loaded them for the door, not for another tool.
   */
  public Reconciliation reconcile(List<LoadedModel> running, long nowNanos, boolean afterLoad, Set<String> ours) {
    Map<String, LoadedModel> seen = new LinkedHashMap<>();
    running.forEach(m -> seen.put(m.name(), m));
    Map<String, Long> sizes = new LinkedHashMap<>(measured);
    Map<String, Resident> r = new LinkedHashMap<>(resident);
    List<String> vanished = r.values().stream()
        .filter(x -> x.phase() == Phase.READY && !x.foreign() && !seen.containsKey(x.model())).map(Resident::model).toList();
    List<String> appeared = seen.keySet().stream().filter(m -> !r.containsKey(m)).toList();
    Map<String, List<Long>> resized = new LinkedHashMap<>();
    r.values().removeIf(x -> x.phase() == Phase.READY && !seen.containsKey(x.model()));
    for (LoadedModel m : running) {
      long bytes = m.vramBytes() > 0 ? Math.max(m.vramBytes(), m.sizeBytes()) : m.sizeBytes();
      sizes.put(m.name(), bytes);
      Resident old = r.get(m.name());
      if (old == null) {
        r.put(m.name(), new Resident(m.name(), bytes, Phase.READY, !ours.contains(m.name()), nowNanos));
      } else {
        if (!old.foreign() && Math.abs(old.bytes() - bytes) > old.bytes() / 20) {
          resized.put(m.name(), List.of(old.bytes(), bytes));
        }
        if (old.phase() != Phase.UNLOADING) {
          r.put(m.name(), new Resident(m.name(), bytes, old.phase(), old.foreign(), old.lastUsedNanos()));
        }
      }
    }
    int limit = learnedLimit > 0 && running.size() > learnedLimit ? running.size() : learnedLimit;
    OptionalInt learnt = OptionalInt.empty();
    // a model of the door's that left while a load was under way, or right after one, was evicted for it
    boolean forLoad = afterLoad || resident.values().stream().anyMatch(x -> x.phase() == Phase.LOADING);
    if (forLoad && !vanished.isEmpty()) {
      Set<String> held = new HashSet<>(seen.keySet());
      r.values().stream().filter(x -> x.phase() == Phase.LOADING).forEach(x -> held.add(x.model()));
      int keeps = Math.max(1, held.size());
      if (limit == 0 || keeps < limit) {
        limit = keeps;
        learnt = OptionalInt.of(limit);
      }
    }
    ResidencyPlanner planner = new ResidencyPlanner(budget, maxResident, weights, kvPerToken,
        Collections.unmodifiableMap(sizes), loadedAt, Collections.unmodifiableMap(r), warnings, limit,
        Math.max(seenTogether, running.size()));
    return new Reconciliation(planner, vanished, appeared, Collections.unmodifiableMap(resized), forLoad, learnt);
  }

  /** A size in words: GiB with one decimal, or MiB below one GiB (a small model would read "0.0 GiB"). */
  public static String gib(long bytes) {
    return bytes >= 1L << 30 ? String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30))
        : String.format(java.util.Locale.ROOT, "%d MiB", Math.round(bytes / (double) (1L << 20)));
  }

  private ResidencyPlanner with(Consumer<Map<String, Resident>> change, Map<String, String> newWarnings) {
    Map<String, Resident> r = new LinkedHashMap<>(resident);
    change.accept(r);
    return new ResidencyPlanner(budget, maxResident, weights, kvPerToken, measured, loadedAt,
        Collections.unmodifiableMap(r), newWarnings, learnedLimit, seenTogether);
  }

  private ResidencyPlanner withLoadedAt(Map<String, Long> at) {
    return new ResidencyPlanner(budget, maxResident, weights, kvPerToken, measured, at, resident, warnings, learnedLimit,
        seenTogether);
  }

  private static Map<String, Long> put(Map<String, Long> map, String key, long value) {
    Map<String, Long> out = new LinkedHashMap<>(map);
    out.put(key, value);
    return Collections.unmodifiableMap(out);
  }
}
