package dev.turboagents.persistence;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The failure a completion stage or future stands for, without the wrappers they put around it. */
public final class AsyncFailure {
  private AsyncFailure() {}

  /** {@code failure} without its {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable cause(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
