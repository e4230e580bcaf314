package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InferenceSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The door's plan is made again only when what it is made from changed or a tick-interval passed,
 * and a plan taken again a moment later gives the starts a new one would. The policy here is the
 * door's own, counting the plans made with it.
 */
class RecentPlanTest {
  private static final long GIB = 1L << 30;
  private static final long SECOND = 1_000_000_000L;
  private static final long NOW = 100 * SECOND;

  private final InferenceSettings settings = StandInSettings.inference(Map.of("turbo-agents.inference.total-concurrency", 1,
      "turbo-agents.inference.tick-interval", "500ms"));
  private final SwapPolicy swap = new SwapPolicy(settings);
  private int plansMade;
  private final SchedulingPolicy counted = new SchedulingPolicy() {
    @Override
    public SwapPolicy.Plan decide(SwapPolicy.Snapshot snapshot, long nowNanos) {
      return swap.decide(snapshot, nowNanos);
    }

    @Override
    public SchedulingPolicy forPlanning() {
      plansMade++;
      return swap;
    }
  };

  private static InferenceQueue.Waiting<Void> waiting(String id, String model, long enqueuedNanos) {
    return new InferenceQueue.Waiting<>(id, new InferenceCall.Chat(model, List.of(), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 2), Thinking.SERVER_DEFAULT), Priority.AGENT, enqueuedNanos,
        Long.MAX_VALUE, null);
  }

  private static SwapPolicy.Snapshot snapshot(ResidencyPlanner residency) {
    return new SwapPolicy.Snapshot(List.of(waiting("a1", "a", 90 * SECOND), waiting("b1", "b", 91 * SECOND)), List.of("a"),
        residency, ServiceTimes.NONE.withLoad("b", 8 * SECOND).withService("a", 2 * SECOND, 0),
        SwapPolicy.Commitment.NONE, Map.of());
  }

  private static List<Long> starts(List<ServingPlan.Start> plan) {
    return plan.stream().map(ServingPlan.Start::startNanos).toList();
  }

  @Test
  void thePlanIsMadeAgainWhenItsInputsChangeOrATickHasPassed() {
    ResidencyPlanner residency = new ResidencyPlanner(5 * GIB, 3).weights("a", 3 * GIB).weights("b", 3 * GIB)
        .loading("a", 3 * GIB, Optional.empty(), 0).loaded("a", SECOND);
    List<ServingPlan.Running> running = List.of(new ServingPlan.Running("a", NOW - SECOND, false));
    RecentPlan plans = new RecentPlan(counted, settings);

    List<ServingPlan.Start> first = plans.of(snapshot(residency), running, NOW);
    List<ServingPlan.Start> again = plans.of(snapshot(residency), running, NOW + SECOND / 4);
    assertEquals(1, plansMade, "the same inputs within a tick: the same plan");
    assertEquals(starts(ServingPlan.of(swap, snapshot(residency), running, settings, NOW + SECOND / 4)), starts(again),
        "taken again a moment later, it starts every request when a new plan would");
    assertEquals(starts(first), starts(again));

    plans.of(snapshot(residency), running, NOW + SECOND / 2);
    assertEquals(2, plansMade, "a tick later: made again (aging moves with the clock)");
    plans.of(snapshot(residency.used("a", NOW + SECOND / 2)), running, NOW + SECOND / 2);
    assertEquals(3, plansMade, "another resident set: made again");
    plans.of(snapshot(residency), List.of(), NOW + SECOND / 2);
    assertEquals(4, plansMade, "the call ended: made again");
  }
}
