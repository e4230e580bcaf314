package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InferenceSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Where the status puts each waiting request and when it says it starts, on hand-made snapshots and
 * a clock the test sets: the order and the loads of the door's own policy, planned ahead. No traffic
 * has been seen, so no work of a higher class is expected to overtake anyone: the estimate is the
 * planned start itself.
 */
class StatusReportTest {
  private static final long GIB = 1L << 30;
  private static final long SECOND = 1_000_000_000L;
  private static final long LOAD_A = 10 * SECOND;
  private static final long LOAD_B = 8 * SECOND;
  private static final long SERVICE_A = 2 * SECOND;
  private static final long SERVICE_B = 3 * SECOND;
  /** When the status is asked for. */
  private static final long NOW = 100 * SECOND;

  private final InferenceSettings settings = StandInSettings.inference(Map.of(
      "turbo-agents.inference.total-concurrency", 1, "turbo-agents.inference.max-swap-wait", "2m"));
  private final ServiceTimes measured = ServiceTimes.NONE.withLoad("a", LOAD_A).withLoad("b", LOAD_B)
      .withService("a", SERVICE_A, 0).withService("b", SERVICE_B, 0);

  private static InferenceQueue.Waiting<Void> waiting(String id, String model, Priority p, long enqueuedNanos) {
    return new InferenceQueue.Waiting<>(id, new InferenceCall.Chat(model, List.of(), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 2), Thinking.SERVER_DEFAULT), p, enqueuedNanos, Long.MAX_VALUE, null);
  }

  /** a and b take 3.6 GiB each as planned: only one of them fits in 5 GiB. */
  private static ResidencyPlanner oneOfTwoFits() {
    return new ResidencyPlanner(5 * GIB, 3).weights("a", 3 * GIB).weights("b", 3 * GIB);
  }

  private List<InferenceStatus.QueuedRequest> queued(ResidencyPlanner residency, List<RunningCalls.RunningCall<Void>> running,
      InferenceQueue.Waiting<?>... waiting) {
    return queued(measured, residency, running, waiting);
  }

  private List<InferenceStatus.QueuedRequest> queued(ServiceTimes measured, ResidencyPlanner residency,
      List<RunningCalls.RunningCall<Void>> running, InferenceQueue.Waiting<?>... waiting) {
    InferenceQueue<Void> queue = new InferenceQueue<>(16, settings.agingStep());
    for (var w : waiting) {
      queue.offer(new InferenceQueue.Waiting<>(w.id(), w.call(), w.priority(), w.enqueuedNanos(), w.deadlineNanos(), null));
    }
    var snapshot = new SwapPolicy.Snapshot(queue.ordered(NOW), running.stream().map(RunningCalls.RunningCall::model).toList(),
        residency, measured, SwapPolicy.Commitment.NONE, Map.of());
    return new StatusReport(new RecentPlan(new SwapPolicy(settings), settings), snapshot, running,
        new ClassDemand(settings.demandWindow().toNanos()), BackendHealth.connecting(settings).answering(), settings)
        .queued(NOW);
  }

  private static InferenceStatus.QueuedRequest find(List<InferenceStatus.QueuedRequest> queued, String id) {
    return queued.stream().filter(q -> q.requestId().equals(id)).findFirst().orElseThrow();
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }

  /**
   * a is resident; an interactive request for b arrived between agent and background work for a and
   * b. The policy swaps to b for the person, lets b's background request ride on b, and only then
   * brings a back: a's requests, first in the queue's order after the interactive one, wait for both
   * loads (b, then a again, since b evicted it), and b's background request goes before them.
   */
  @Test
  void theEstimateFollowsThePolicysOrderAndCountsEveryLoadItMakesBeforeTheRequest() {
    ResidencyPlanner residency = oneOfTwoFits().loading("a", 3 * GIB, Optional.empty(), 0).loaded("a", SECOND);
    List<InferenceStatus.QueuedRequest> queued = queued(residency, List.of(),
        waiting("a1", "a", Priority.AGENT, 90 * SECOND), waiting("b1", "b", Priority.INTERACTIVE, 91 * SECOND),
        waiting("a2", "a", Priority.BACKGROUND, 92 * SECOND), waiting("b2", "b", Priority.BACKGROUND, 93 * SECOND));

    assertEquals(List.of("b1", "b2", "a1", "a2"), queued.stream().map(InferenceStatus.QueuedRequest::requestId).toList(),
        "the order the policy serves them in, not the queue's (b1, a1, a2, b2)");
    assertEquals(List.of(1, 2, 3, 4), queued.stream().map(InferenceStatus.QueuedRequest::position).toList());
    assertEquals(millis(LOAD_B), find(queued, "b1").estimatedStartMillis());
    assertEquals(millis(LOAD_B + SERVICE_B), find(queued, "b2").estimatedStartMillis());
    // the queue's order would have said SERVICE_B: a is resident now
    assertEquals(millis(LOAD_B + 2 * SERVICE_B + LOAD_A), find(queued, "a1").estimatedStartMillis());
    assertEquals(millis(LOAD_B + 2 * SERVICE_B + LOAD_A + SERVICE_A), find(queued, "a2").estimatedStartMillis());

    String reason = find(queued, "a1").reason();
    assertTrue(reason.startsWith("behind 1 interactive request and 1 background request"), reason);
    assertTrue(reason.endsWith("before it the door loads b, then a"), reason);
    assertTrue(find(queued, "b2").reason().contains("behind 1 interactive request"), find(queued, "b2").reason());
  }

  /**
   * Two requests for b, the model not in memory, behind agent work for resident a: the policy serves
   * a's queue first (batching), so b's agent request waits for a's work and b's load, and its
   * background request after it for one more call, not for a second load.
   */
  @Test
  void workForAModelNotInMemoryWaitsForTheResidentQueueAndOneLoad() {
    ResidencyPlanner residency = oneOfTwoFits().loading("a", 3 * GIB, Optional.empty(), 0).loaded("a", SECOND);
    List<InferenceStatus.QueuedRequest> queued = queued(residency, List.of(),
        waiting("b1", "b", Priority.AGENT, 90 * SECOND), waiting("a1", "a", Priority.AGENT, 91 * SECOND),
        waiting("a2", "a", Priority.BACKGROUND, 92 * SECOND), waiting("b2", "b", Priority.BACKGROUND, 93 * SECOND));
    assertEquals(List.of("a1", "a2", "b1", "b2"), queued.stream().map(InferenceStatus.QueuedRequest::requestId).toList());
    assertEquals(millis(2 * SERVICE_A + LOAD_B), find(queued, "b1").estimatedStartMillis());
    assertEquals(millis(2 * SERVICE_A + LOAD_B + SERVICE_B), find(queued, "b2").estimatedStartMillis());
    assertEquals("waiting for b to load, behind 2 agent requests and 1 background request", find(queued, "b2").reason());
    assertEquals("next on a", find(queued, "a1").reason());
  }

  /**
   * A fresh door has measured nothing: a's load is taken as the policy's prior (1 s), and so is each
   * call, as the policy costs them; the three requests start one after another, not all at the end
   * of the load (a new user saw five waiting requests all estimated at the same millisecond).
   */
  @Test
  void aFreshDoorCostsACallAsThePolicyDoesSoTheWaitingRequestsStartOneAfterAnother() {
    List<InferenceStatus.QueuedRequest> queued = queued(ServiceTimes.NONE, oneOfTwoFits(), List.of(),
        waiting("a1", "a", Priority.AGENT, 90 * SECOND), waiting("a2", "a", Priority.AGENT, 91 * SECOND),
        waiting("a3", "a", Priority.AGENT, 92 * SECOND));
    long prior = Math.round(ServiceTimes.UNMEASURED_LOAD_NANOS);
    assertEquals(List.of(millis(prior), millis(2 * prior), millis(3 * prior)),
        queued.stream().map(InferenceStatus.QueuedRequest::estimatedStartMillis).toList());
  }

  private static LoadedModel held(String name) {
    return new LoadedModel(name, name, 3 * GIB, 3 * GIB, "", null, Optional.empty(), Optional.empty());
  }

  /**
   * A call on a started half a second ago; b has been loading beside it for 3 s (the budget holds
   * both, and Ollama's running set showed both): a1 starts when the call's time is up, b1 when b's
   * load, not a whole one, is done.
   */
  @Test
  void aRunningCallCountsWithTheTimeItHasLeftAndALoadUnderWayWithTheTimeItHasLeft() {
    ResidencyPlanner residency = new ResidencyPlanner(16 * GIB, 3).weights("a", 3 * GIB).weights("b", 3 * GIB)
        .loading("a", 3 * GIB, Optional.empty(), 0).loaded("a", SECOND)
        .loading("b", 3 * GIB, Optional.empty(), NOW - 3 * SECOND)
        .reconcile(List.of(held("a"), held("b")), NOW - 2 * SECOND);
    List<RunningCalls.RunningCall<Void>> running = new ArrayList<>();
    running.add(new RunningCalls.RunningCall<>(waiting("r", "a", Priority.AGENT, 80 * SECOND), NOW - SECOND / 2));
    List<InferenceStatus.QueuedRequest> queued = queued(residency, running,
        waiting("a1", "a", Priority.AGENT, 90 * SECOND), waiting("b1", "b", Priority.AGENT, 91 * SECOND));
    assertEquals(millis(SERVICE_A - SECOND / 2), find(queued, "a1").estimatedStartMillis());
    assertEquals(millis(LOAD_B - 3 * SECOND), find(queued, "b1").estimatedStartMillis(),
        "a1 is done by then: b1 waits for the rest of b's load");
    assertTrue(find(queued, "b1").reason().startsWith("waiting for b to load, behind 1 agent request"),
        find(queued, "b1").reason());
  }
}
