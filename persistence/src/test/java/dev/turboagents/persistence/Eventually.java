package dev.turboagents.persistence;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one way tests wait for something that happens asynchronously: the assertion is retried
 * until it holds or the time is up, and then the last failure is thrown. It cannot fall through
 * silently: a timeout always fails the test with the assertion's own message.
 */
public final class Eventually {

  private Eventually() {}

  /** Retries {@code assertion} until it passes; after {@code within} rethrows its last failure. */
  public static void assertThat(Duration within, Runnable assertion) {
    value(within, () -> {
      assertion.run();
      return Boolean.TRUE;
    });
  }

  /** Retries {@code attempt} until it returns without throwing, and returns what it returned. */
  public static <T> T value(Duration within, Supplier<T> attempt) {
    long deadline = System.nanoTime() + within.toNanos();
    long pause = 5;
    while (true) {
      try {
        return attempt.get();
      } catch (AssertionError | RuntimeException e) {
        if (System.nanoTime() >= deadline) {
          AssertionError timeout = new AssertionError("still failing after " + within.toMillis() + " ms: " + e.getMessage(), e);
          throw timeout;
        }
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting", e);
      }
      pause = Math.min(100, pause * 2);
    }
  }
}
