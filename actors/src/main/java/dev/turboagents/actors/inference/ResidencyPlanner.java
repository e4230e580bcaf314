package dev.turboagents.actors.inference;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which models are resident and which may be: a memory budget, a cap on resident models, sizes
 * from Ollama (weights from /api/tags, KV cache per token from /api/show at the pinned context
 * length, the real figure from /api/ps once loaded). Decides what to evict before a load so the
 * resident set never exceeds the budget; a model that alone exceeds it is loaded alone, with a
 * warning. Not thread-safe: the inference actor owns it.
 */
public final class ResidencyPlanner {

  /** Where a resident model is in its life. */
  public enum Phase { LOADING, READY, UNLOADING }

  /** A model in memory; {@code foreign} = another tool loaded it (seen in /api/ps). */
  public record Resident(String model, long bytes, Phase phase, boolean foreign, long lastUsedNanos) {}

  /** What a load needs first. */
  public sealed interface LoadPlan {
    /** Unload {@code evict} (maybe none), then load. */
    record Evict(List<String> evict, long bytes, Optional<String> warning) implements LoadPlan {}

    /** Cannot load yet: the models that must finish first are busy. */
    record Wait(String reason) implements LoadPlan {}
  }

  private final long budget;
  private final int maxResident;
  private final Map<String, Long> weights = new HashMap<>();
  private final Map<String, Long> kvPerToken = new HashMap<>();
  private final Map<String, Long> measured = new HashMap<>();
  private final Map<String, Resident> resident = new LinkedHashMap<>();
  private final Map<String, String> warnings = new LinkedHashMap<>();

  public ResidencyPlanner(long budget, int maxResident) {
    this.budget = budget;
    this.maxResident = maxResident;
  }

  public long budget() {
    return budget;
  }

  public void weights(String model, long bytes) {
    weights.put(model, bytes);
  }

  public void kvBytesPerToken(String model, long bytes) {
    kvPerToken.put(model, bytes);
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
    // without model_info, assume the KV cache and runtime buffers add a fifth to the weights
    return kv == null ? w + w / 5 : w + kv * numCtx;
  }

  public Map<String, Resident> resident() {
    return Map.copyOf(resident);
  }

  public boolean isReady(String model) {
    Resident r = resident.get(model);
    return r != null && r.phase() == Phase.READY;
  }

  public boolean isLoading(String model) {
    Resident r = resident.get(model);
    return r != null && r.phase() == Phase.LOADING;
  }

  public boolean anyInFlight() {
    return resident.values().stream().anyMatch(r -> r.phase() != Phase.READY);
  }

  public long usedBytes() {
    return resident.values().stream().mapToLong(Resident::bytes).sum();
  }

  public Map<String, String> warnings() {
    return Map.copyOf(warnings);
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
      if (used + bytes <= budget && count + 1 <= maxResident) {
        break;
      }
      evict.add(r.model());
      used -= r.bytes();
      count--;
    }
    if (used + bytes > budget || count + 1 > maxResident) {
      List<String> busyOnes = others.stream().map(Resident::model).filter(busy::contains).toList();
      return new LoadPlan.Wait("waiting for " + String.join(", ", busyOnes) + " to finish to free "
          + gib(used + bytes - budget > 0 ? used + bytes - budget : 0) + " for " + model);
    }
    return new LoadPlan.Evict(List.copyOf(evict), bytes, Optional.empty());
  }

  public void loading(String model, long bytes, Optional<String> warning, long nowNanos) {
    resident.put(model, new Resident(model, bytes, Phase.LOADING, false, nowNanos));
    warning.ifPresentOrElse(w -> warnings.put(model, w), () -> warnings.remove(model));
  }

  public void loaded(String model, long nowNanos) {
    resident.computeIfPresent(model, (k, r) -> new Resident(k, r.bytes(), Phase.READY, false, nowNanos));
  }

  public void unloading(String model) {
    resident.computeIfPresent(model, (k, r) -> new Resident(k, r.bytes(), Phase.UNLOADING, r.foreign(), r.lastUsedNanos()));
  }

  public void gone(String model) {
    resident.remove(model);
    warnings.remove(model);
  }

  public void used(String model, long nowNanos) {
    resident.computeIfPresent(model, (k, r) -> new Resident(k, r.bytes(), r.phase(), r.foreign(), nowNanos));
  }

  /** Forgets everything resident (the server restarted); the next reconcile fills it again. */
  public void forgetResident() {
    resident.clear();
    warnings.clear();
  }

  /**
   * Takes Ollama's /api/ps as the truth for what is in memory: real sizes replace estimates,
   * models another tool loaded count against the budget, models that left are dropped. Models in
   * flight (loading, unloading) keep their state.
   */
  public void reconcile(List<InferenceBackend.RunningModel> running, long nowNanos) {
    Map<String, InferenceBackend.RunningModel> seen = new HashMap<>();
    running.forEach(m -> seen.put(m.name(), m));
    resident.values().removeIf(r -> r.phase() == Phase.READY && !seen.containsKey(r.model()));
    for (InferenceBackend.RunningModel m : running) {
      long bytes = m.vramBytes() > 0 ? Math.max(m.vramBytes(), m.sizeBytes()) : m.sizeBytes();
      measured.put(m.name(), bytes);
      Resident r = resident.get(m.name());
      if (r == null) {
        resident.put(m.name(), new Resident(m.name(), bytes, Phase.READY, true, nowNanos));
      } else if (r.phase() == Phase.READY) {
        resident.put(m.name(), new Resident(m.name(), bytes, Phase.READY, r.foreign(), r.lastUsedNanos()));
      }
    }
  }

  public static String gib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
  }
}
