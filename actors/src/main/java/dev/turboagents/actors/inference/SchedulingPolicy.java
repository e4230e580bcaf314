package dev.turboagents.actors.inference;

/**
 * What the door does next, as a pure function of what it sees and the clock: {@link SwapPolicy} in
 * the daemon. Another one (a reference policy a benchmark compares against) can be given to
 * {@link InferenceActor#create(dev.turboagents.config.InferenceSettings, InferenceBackend, MemoryBudget,
 * java.util.function.Function)}; the actor applies whatever it decides the same way.
 */
public interface SchedulingPolicy {

  /** The next thing to do at {@code nowNanos}; the door applies it and asks again until it holds. */
  SwapPolicy.Plan decide(SwapPolicy.Snapshot snapshot, long nowNanos);

  /**
   * The policy to plan ahead with: {@link ServingPlan} asks it what the door will do over and over on
   * a modelled clock to estimate when each waiting request starts, so deciding on it must not change
   * what this one decides next. A pure policy, as {@link SwapPolicy} is, is its own; one that notes
   * what it decided gives a copy of its notes.
   */
  default SchedulingPolicy forPlanning() {
    return this;
  }
}
