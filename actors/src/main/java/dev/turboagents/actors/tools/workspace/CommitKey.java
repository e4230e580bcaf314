package dev.turboagents.actors.tools.workspace;

/**
 * The idempotency key of a commit: the job and the step that makes it. It travels in the commit
 * message as the trailer {@code Turbo-Agents-Key: <job-id>/<step>}, so a resumed job that commits
 * again at the same step finds the first commit instead of making a second.
 */
public record CommitKey(String jobId, long step) {

  /** The trailer's name. */
  public static final String TRAILER = "Turbo-Agents-Key";

  public CommitKey {
    Workspace.checkJobId(jobId);
    if (step < 0) {
      throw new IllegalArgumentException("a step is not negative, was " + step);
    }
  }

  /** The trailer's value. */
  @Override
  public String toString() {
    return jobId + "/" + step;
  }
}
