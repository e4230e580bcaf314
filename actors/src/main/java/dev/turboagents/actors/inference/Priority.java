package dev.turboagents.actors.inference;

import java.util.Locale;
import java.util.Optional;

/** Priority classes of model work, most urgent first. Aging lifts a waiting request one class per step. */
public enum Priority {
  /** A person is waiting for the answer (chat, the front door by default). */
  INTERACTIVE,
  /** An agent step inside a job. */
  AGENT,
  /** Scheduled or bulk work (nightly analysis, embeddings of a backlog). */
  BACKGROUND;

  /** Parses {@code interactive|agent|background}, any case. */
  public static Optional<Priority> parse(String text) {
    try {
      return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
