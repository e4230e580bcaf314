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
}
