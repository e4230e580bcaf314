package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.actors.inference.SchedulingSimulation.Model;
import dev.turboagents.actors.inference.standin.StandInSettings;
import dev.turboagents.config.InferenceSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The door's plan against what the door then does: a {@link SchedulingSimulation} whose every call
 * takes the same time per model and whose loads take exactly their time, so the measured times are
 * the true ones and, with nothing arriving after the plan is made, the plan must be the door's
 * order and its starts to within the simulated unloads (1 ms each; the plan takes them as instant).
 */
class ServingPlanTest {
  private static final long GIB = 1L << 30;
  private static final long MS = 1_000_000;
  private static final int TOKENS = 20;

  private static SchedulingSimulation measuredDoor(Map<String, Object> overrides, Model... models) {
    var sim = new SchedulingSimulation(5 * GIB, overrides, models);
    int n = 0;
    for (Model m : models) {
      sim.submit("warm-" + n++, m.name(), TOKENS, Priority.BACKGROUND).runToEnd();
    }
    return sim;
  }

  @Test
  void thePlanIsTheOrderAndTheStartsOfTheDoorWhenNothingElseArrives() {
    for (long seed : new long[] {1, 2, 3, 4}) {
      // a and b cannot be resident together: the policy batches, swaps for people, and swaps back
      var sim = measuredDoor(Map.of("turbo-agents.inference.total-concurrency", 1),
          new Model("a", 3 * GIB, Duration.ofMillis(30), Duration.ofNanos(400_000)),
          new Model("b", 3 * GIB, Duration.ofMillis(20), Duration.ofNanos(300_000)));
      Random random = new Random(seed);
      for (int i = 0; i < 12; i++) {
        sim.submit("r" + i, random.nextBoolean() ? "a" : "b", TOKENS, Priority.values()[random.nextInt(3)])
            .advance(Duration.ofNanos(1_000));
      }
      List<ServingPlan.Start> plan = sim.plan();
      sim.runToEnd();

      List<String> planned = plan.stream().map(p -> p.request().id()).toList();
      List<String> served = planned.stream().sorted(java.util.Comparator.comparingLong(sim::startedAt)).toList();
      assertEquals(served, planned, "seed " + seed);
      assertTrue(plan.stream().anyMatch(p -> !p.loadsBefore().isEmpty()), "seed " + seed + ": the plan swaps");
      for (ServingPlan.Start p : plan) {
        long error = Math.abs(p.startNanos() - sim.startedAt(p.request().id()));
        assertTrue(error <= p.loadsBefore().size() * MS, "seed " + seed + ", " + p.request().id() + " planned at "
            + p.startNanos() + " ns, started at " + sim.startedAt(p.request().id()) + " ns after " + p.loadsBefore());
      }
    }
  }

  @Test
  void aRunningCallThatCarriesItsModelsLoadEndsTheLoadsExpectedTimeLaterEvenBeforeThatModelsLoadWasMeasured() {
    long second = 1_000_000_000L;
    long now = 100 * second;
    InferenceSettings settings = StandInSettings.inference(Map.of("turbo-agents.inference.total-concurrency", 1));
    SwapPolicy policy = new SwapPolicy(settings);
    // a has just been loaded within its running call (its load not measured yet); b, of the same size, loads in 6 s
    ResidencyPlanner residency = new ResidencyPlanner(5 * GIB, 3).weights("a", 3 * GIB).weights("b", 3 * GIB)
        .loading("a", 3 * GIB, Optional.empty(), now - second).loaded("a", now - second / 2);
    var queued = new InferenceQueue.Waiting<Void>("a1", new InferenceCall.Chat("a", List.of(), List.of(), AnswerFormat.TEXT,
        ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 2), Thinking.SERVER_DEFAULT), Priority.AGENT, now - second,
        Long.MAX_VALUE, null);
    var snapshot = new SwapPolicy.Snapshot(List.of(queued), List.of("a"), residency,
        ServiceTimes.NONE.withLoad("b", 6 * second).withService("a", 2 * second, 0), SwapPolicy.Commitment.NONE, Map.of());

    long behindCarrier = ServingPlan.of(policy, snapshot, List.of(new ServingPlan.Running("a", now - second, true)),
        settings, now).getFirst().startNanos();
    long behindCall = ServingPlan.of(policy, snapshot, List.of(new ServingPlan.Running("a", now - second, false)),
        settings, now).getFirst().startNanos();
    assertEquals(now + second, behindCall, "started a second ago, a call of 2 s ends in a second");
    assertEquals(6 * second, behindCarrier - behindCall, "the carrier ends a's expected load (b's, same size) later");
  }
}
