package dev.turboagents.actors.inference;

/** The figures Ollama reports at the end of a call, in nanoseconds and tokens. */
public record Timings(long totalNanos, long loadNanos, int promptEvalCount, long promptEvalNanos, int evalCount,
    long evalNanos) {

  public static final Timings NONE = new Timings(0, 0, 0, 0, 0, 0);
}
