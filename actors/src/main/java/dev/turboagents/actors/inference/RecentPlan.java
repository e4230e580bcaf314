package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.util.List;

/**
 * The door's last {@link ServingPlan}, made again only when what it was made from changed (the
 * requests waiting and running, the resident set, the measured times, the swap decided on) or a
 * tick-interval has passed (aging moves on with the clock): every request's event stream asks for
 * its estimate every tick, and a plan of a full queue replays the policy a few hundred times. The
 * starts it holds are times on the door's clock, so an estimate taken from it a moment later is as
 * true as a new plan. Not thread-safe: the inference actor owns it.
 */
final class RecentPlan {

  /** What a plan is made from; the planner is immutable, so the same one is the same resident set. */
  private record Inputs(List<String> queued, List<ServingPlan.Running> running, ResidencyPlanner residency,
      ServiceTimes times, SwapPolicy.Commitment commitment) {

    @Override
    public boolean equals(Object o) {
      return o instanceof Inputs i && queued.equals(i.queued) && running.equals(i.running)
          && residency == i.residency && times.equals(i.times) && commitment.equals(i.commitment);
    }

    @Override
    public int hashCode() {
      return queued.hashCode();
    }
  }

  private final SchedulingPolicy policy;
  private final InferenceSettings settings;
  private Inputs inputs;
  private long madeAtNanos;
  private List<ServingPlan.Start> starts = List.of();

  /** Plans with {@code policy}, the door's own (a copy to plan with each time: {@link SchedulingPolicy#forPlanning}). */
  RecentPlan(SchedulingPolicy policy, InferenceSettings settings) {
    this.policy = policy;
    this.settings = settings;
  }

  /** {@link ServingPlan#of}, or the last plan when it was made from the same inputs less than a tick-interval ago. */
  List<ServingPlan.Start> of(SwapPolicy.Snapshot snapshot, List<ServingPlan.Running> running, long nowNanos) {
    Inputs now = new Inputs(snapshot.queued().stream().map(InferenceQueue.Waiting::id).toList(), List.copyOf(running),
        snapshot.residency(), snapshot.times(), snapshot.commitment());
    if (!now.equals(inputs) || nowNanos - madeAtNanos >= settings.tickInterval().toNanos() || nowNanos < madeAtNanos) {
      starts = ServingPlan.of(policy.forPlanning(), snapshot, running, settings, nowNanos);
      inputs = now;
      madeAtNanos = nowNanos;
    }
    return starts;
  }
}
