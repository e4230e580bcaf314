package dev.turboagents.http.inference;

import dev.turboagents.actors.inference.InferenceStatus;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/inference/status} as the API promises it (snake_case on the wire, see the
 * OpenAPI document): written from this record, not from the actor's status, so a change inside the
 * door cannot change the API by accident.
 *
 * @param backend UP, DEGRADED (failing, retrying) or DOWN (circuit open)
 * @param serverLoads loads Ollama made on its own for a call (it had dropped the model)
 * @param serverResidentLimit how many models Ollama keeps at once, learnt from an eviction it made on its own
 * @param disagreements how often the door's picture differed from Ollama's; the latest in {@code recentDisagreements}
 * @param watchdog what the watchdog caught last (a stalled answer, a hung load), while recent
 * @param modelTime per priority class: its daily budget of model time, what it spent today, when that resets
 */
public record InferenceStatusView(String backend, String backendDetail, long budgetBytes, String budgetSource,
    long usedBytes, int maxResident, List<Resident> resident, Map<String, Integer> queuedPerClass, List<Queued> queue,
    List<Running> running, int loads, int unloads, long completed, long failed,
    Optional<Double> avgTimeToFirstTokenMillis, Optional<Double> tokensPerSecond, List<String> warnings,
    int serverLoads, Optional<Integer> serverResidentLimit, long disagreements, List<String> recentDisagreements,
    Optional<String> watchdog, List<ModelTime> modelTime) {

  /** A waiting request: its place, effective class (0 = interactive), time waited, estimated start and why it waits. */
  public record Queued(String requestId, String model, String priority, int effectiveClass, int position,
      long waitedMillis, long estimatedStartMillis, String reason) {}

  /** A request running now. */
  public record Running(String requestId, String model, String priority, long runningMillis) {}

  /**
   * A model in memory; {@code phase} loading, ready or unloading; {@code sizeFromOllama}: bytes from
   * /api/ps; {@code contextProfile}: the context size it is loaded with.
   */
  public record Resident(String model, long bytes, String phase, boolean loadedByAnotherTool,
      Optional<Long> measuredLoadMillis, boolean sizeFromOllama, Optional<Integer> contextProfile) {}

  /**
   * A class's daily model time: {@code budgetSeconds} empty = unlimited (off); {@code spentSeconds}
   * today; {@code resetsAt} when today ends; {@code spent}: the budget is used up, requests of the
   * class are refused (429) until then.
   */
  public record ModelTime(String priority, Optional<Double> budgetSeconds, double spentSeconds, String resetsAt,
      boolean spent) {}

  public static InferenceStatusView of(InferenceStatus s) {
    return new InferenceStatusView(s.backend().name(), s.backendDetail(), s.budgetBytes(), s.budgetSource(), s.usedBytes(),
        s.maxResident(),
        s.resident().stream().map(r -> new Resident(r.model(), r.bytes(), r.phase(), r.loadedByAnotherTool(),
            r.measuredLoadMillis(), r.sizeFromServer(), r.contextProfile())).toList(),
        Collections.unmodifiableMap(new LinkedHashMap<>(s.queuedPerClass())),
        s.queue().stream().map(q -> new Queued(q.requestId(), q.model(), q.priority().name(), q.effectiveClass(),
            q.position(), q.waitedMillis(), q.estimatedStartMillis(), q.reason())).toList(),
        s.running().stream().map(r -> new Running(r.requestId(), r.model(), r.priority().name(), r.runningMillis())).toList(),
        s.loads(), s.unloads(), s.completed(), s.failed(), s.avgTimeToFirstTokenMillis(), s.tokensPerSecond(),
        List.copyOf(s.warnings()), s.serverLoads(), s.learnedResidentLimit(), s.disagreements(),
        List.copyOf(s.recentDisagreements()), s.watchdogAlarm(),
        s.modelTime().stream().map(t -> new ModelTime(t.priority().label(), t.budgetMillis().map(ms -> ms / 1000.0),
            t.spentMillis() / 1000.0, t.resetsAt().toString(), t.spent())).toList());
  }
}
