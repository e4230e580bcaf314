package dev.turboagents.actors.inference;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of the door, as {@link InferenceActor.GetStatus} answers it: the server's state, the
 * budget and what is resident, the queue with where each request stands and why it waits, what runs,
 * and the figures.
 *
 * @param queuedPerClass waiting requests per priority class
 * @param queue every waiting request, in serving order
 * @param maxResident the most models resident at once: the configured cap, or the server's learnt limit if lower
 * @param loads the loads the door made
 * @param warnings e.g. a model served alone because it alone exceeds the budget
 * @param serverLoads loads the server made on its own for a call (it had dropped the model): with
 *     {@code loads}, every load the server made for the door
 * @param learnedResidentLimit how many models the server keeps at once, learnt from an eviction it made on its own
 * @param disagreements how often the door's picture differed from the server's (a model it dropped
 *     or reloaded behind the door's back, a size other than planned)
 * @param recentDisagreements the latest of them, oldest first, each with its time
 * @param watchdogAlarm what the watchdog caught last (a stalled answer, a hung load), while recent
 * @param modelTime per priority class, its daily budget of model time, what it spent today and when that resets
 */
public record InferenceStatus(BackendHealth.State backend, String backendDetail, long budgetBytes, String budgetSource,
    long usedBytes, int maxResident, List<ResidentModel> resident, Map<String, Integer> queuedPerClass,
    List<QueuedRequest> queue, List<RunningRequest> running, int loads, int unloads, long completed, long failed,
    Optional<Double> avgTimeToFirstTokenMillis, Optional<Double> tokensPerSecond, List<String> warnings,
    int serverLoads, Optional<Integer> learnedResidentLimit, long disagreements, List<String> recentDisagreements,
    Optional<String> watchdogAlarm, List<ModelTime> modelTime) {

  /** A request in the queue, with where it stands and why it waits. */
  public record QueuedRequest(String requestId, String model, Priority priority, int effectiveClass, int position,
      long waitedMillis, long estimatedStartMillis, String reason) {}

  /** A request running now. */
  public record RunningRequest(String requestId, String model, Priority priority, long runningMillis) {}

  /**
   * A model in memory; {@code phase} loading, ready or unloading; {@code sizeFromServer}: its bytes
   * are the server's figure (its running set), not the door's estimate; {@code contextProfile}: the
   * context size (num_ctx) it is loaded with, when known.
   */
  public record ResidentModel(String model, long bytes, String phase, boolean loadedByAnotherTool,
      Optional<Long> measuredLoadMillis, boolean sizeFromServer, Optional<Integer> contextProfile) {}

  /**
   * A priority class's daily model time: {@code budgetMillis} empty = unlimited; {@code spentMillis}
   * what its calls held the model today; {@code resetsAt} the end of today (the configured zone);
   * {@code spent}: the budget is used up, new requests of the class are refused until then.
   */
  public record ModelTime(Priority priority, Optional<Long> budgetMillis, long spentMillis, java.time.Instant resetsAt,
      boolean spent) {}
}
