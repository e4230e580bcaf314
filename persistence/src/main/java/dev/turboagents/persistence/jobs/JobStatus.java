package dev.turboagents.persistence.jobs;

import java.util.Locale;
import java.util.Optional;

/** Where a job is. {@code WAITING}: on the model door (Ollama away), until its deadline. */
public enum JobStatus {
  QUEUED, RUNNING, WAITING, SUCCEEDED, FAILED, CANCELLED;

  public boolean finished() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code queued|running|...}, any case. */
  public static Optional<JobStatus> parse(String text) {
    try {
      return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
