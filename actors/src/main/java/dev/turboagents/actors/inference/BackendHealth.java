package dev.turboagents.actors.inference;

import dev.turboagents.config.InferenceSettings;
import java.time.Duration;

/**
 * Whether the model server answers: {@link State#UP}, {@link State#DEGRADED} (failing, the door
 * retries with exponential backoff) or {@link State#DOWN} (the breaker is open after
 * {@code breaker-failures} failures in a row: nothing but probes until it answers again).
 * Immutable: every change gives a new value.
 */
public final class BackendHealth {

  /** The server's state as the door sees it. */
  public enum State { UP, DEGRADED, DOWN }

  private final boolean answering;
  private final int failures;
  private final String detail;
  private final Duration minBackoff;
  private final Duration maxBackoff;
  private final int breakerFailures;

  private BackendHealth(boolean answering, int failures, String detail, Duration minBackoff, Duration maxBackoff,
      int breakerFailures) {
    this.answering = answering;
    this.failures = failures;
    this.detail = detail;
    this.minBackoff = minBackoff;
    this.maxBackoff = maxBackoff;
    this.breakerFailures = breakerFailures;
  }

  /** Not known to answer yet: the door connects. */
  public static BackendHealth connecting(InferenceSettings settings) {
    return new BackendHealth(false, 0, "connecting", settings.minBackoff(), settings.maxBackoff(), settings.breakerFailures());
  }

  /** The server failed once more, {@code why}. */
  public BackendHealth failed(String why) {
    return new BackendHealth(false, failures + 1, why, minBackoff, maxBackoff, breakerFailures);
  }

  /** The server answers; the failure count starts again. */
  public BackendHealth answering() {
    return new BackendHealth(true, 0, "answering", minBackoff, maxBackoff, breakerFailures);
  }

  /** A call went through: failures in a row are over, whatever the state. */
  public BackendHealth succeeded() {
    return failures == 0 ? this : new BackendHealth(answering, 0, detail, minBackoff, maxBackoff, breakerFailures);
  }

  public boolean isUp() {
    return answering;
  }

  public State state() {
    return answering ? State.UP : failures >= breakerFailures ? State.DOWN : State.DEGRADED;
  }

  /** Why it is in this state, in words: "answering", or the last failure. */
  public String detail() {
    return detail;
  }

  public int failures() {
    return failures;
  }

  /** How long to wait before the next probe: min-backoff, doubled per failure in a row, at most max-backoff. */
  public Duration backoff() {
    long nanos = Math.min(maxBackoff.toNanos(), minBackoff.toNanos() << Math.min(20, Math.max(0, failures - 1)));
    return Duration.ofNanos(nanos);
  }
}
