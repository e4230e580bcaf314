package dev.turboagents.actors.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The models Ollama acknowledged unloading and may still list. Ollama answers a keep_alive 0 at
 * once and ends the runner on its own time (30-52 ms on the 2-core machine, up to 0.5 s when it is
 * busy). When its own limit of loaded models makes the next load wait for that, the door sends the
 * next model's work without waiting, and reads a listing of a leaving model as the unload under
 * way, not as a model Ollama kept. Only for {@code lag}: a model still listed after that was kept.
 * Not thread-safe: the actor owns it.
 */
final class LeavingModels {

  /**
   * What a running set says once the leaving models are read out of it.
   *
   * @param running the models to take as held
   * @param stayed the models still listed {@code lag} after their unload was acknowledged
   */
  record Read(List<LoadedModel> running, List<String> stayed) {}

  private final long lagNanos;
  private final Map<String, Long> since = new LinkedHashMap<>();

  LeavingModels(java.time.Duration lag) {
    this.lagNanos = lag.toNanos();
  }

  /** Ollama acknowledged unloading {@code model}. */
  void unloaded(String model, long nowNanos) {
    since.put(model, nowNanos);
  }

  /** The door loads {@code model} again: a listing of it from now on is the new load. */
  void loading(String model) {
    since.remove(model);
  }

  /**
   * Reads {@code listed}, a running set the door takes as the truth (asked for after the latest
   * unload was acknowledged): a model unloaded less than the lag before is left out of it, one no
   * longer listed has gone, one listed after the lag stayed (and is taken as held from now on).
   */
  Read read(List<LoadedModel> listed, long nowNanos) {
    List<LoadedModel> running = new ArrayList<>();
    List<String> stayed = new ArrayList<>();
    for (LoadedModel m : listed) {
      Long at = since.get(m.name());
      boolean leaving = at != null && nowNanos - at < lagNanos;
      if (!leaving) {
        running.add(m);
      }
      if (at != null && !leaving) {
        stayed.add(m.name());
      }
    }
    since.keySet().removeIf(name -> listed.stream().noneMatch(m -> m.name().equals(name)));
    stayed.forEach(since::remove);
    return new Read(running, stayed);
  }
}
