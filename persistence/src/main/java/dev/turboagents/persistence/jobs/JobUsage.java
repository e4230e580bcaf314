package dev.turboagents.persistence.jobs;

/** What a job has spent so far. */
public record JobUsage(int turns, int toolCalls, long promptTokens, long answerTokens, long modelMillis) {
  public static final JobUsage NONE = new JobUsage(0, 0, 0, 0, 0);

  public long tokens() {
    return promptTokens + answerTokens;
  }
}
