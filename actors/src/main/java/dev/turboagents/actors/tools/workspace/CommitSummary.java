package dev.turboagents.actors.tools.workspace;

import java.time.Instant;

/** One commit as an agent's prompt or a job's result shows it. */
public record CommitSummary(String id, String subject, String author, Instant time) {

  /** The abbreviated id people read ("3f2a9c1"). */
  public String shortId() {
    return id.substring(0, Math.min(7, id.length()));
  }
}
