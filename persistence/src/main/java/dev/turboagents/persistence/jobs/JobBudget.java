package dev.turboagents.persistence.jobs;

import java.time.Duration;

/**
 * What a job may spend before it is stopped: model turns, wall time from its acceptance, and
 * tokens (prompt and answer together). From {@code turbo-agents.agents.budget}, overridable per request.
 */
public record JobBudget(int maxSteps, Duration maxWallTime, long maxTokens) {
  public JobBudget {
    if (maxSteps < 1 || maxWallTime.isNegative() || maxWallTime.isZero() || maxTokens < 1) {
      throw new IllegalArgumentException("a budget must be positive: " + maxSteps + " steps, " + maxWallTime + ", "
          + maxTokens + " tokens");
    }
  }
}
