package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.Priority;
import dev.turboagents.persistence.jobs.Job;

/**
 * The priority a job's model calls get at the inference door, and its place in the coordinator's
 * queue: work nobody waits for (scheduled, triggered by the tracker's events) is requested by
 * {@code background:<who>} and runs at {@link Priority#BACKGROUND}; everything else at
 * {@link Priority#AGENT}. Kept in the job's requested_by, so a resumed job keeps its priority.
 */
public final class JobPriority {
  /** The prefix of requested_by that makes a job background work. */
  public static final String BACKGROUND = "background:";

  private JobPriority() {}

  public static Priority of(Job job) {
    return job.requestedBy().startsWith(BACKGROUND) ? Priority.BACKGROUND : Priority.AGENT;
  }

  /** The requested_by of background work done for {@code who}. */
  public static String background(String who) {
    return BACKGROUND + who;
  }
}
