package dev.turboagents.actors.autonomy;

import java.time.Clock;
import java.util.concurrent.CompletionStage;

/** The nightly housekeeping as a schedule's work: the stale sweep (the duplicate sweep and the graph check join it). */
public final class Nightly {
  private final StaleIssues stale;
  private final Clock clock;
  private final boolean dryRun;

  public Nightly(StaleIssues stale, Clock clock, boolean dryRun) {
    this.stale = stale;
    this.clock = clock;
    this.dryRun = dryRun;
  }

  public Schedules.Work asWork() {
    return (schedule, since, slot, manual) -> stale.sweep(clock.instant(), dryRun).thenApply(o -> {
      String summary = "nightly: " + o.stale().size() + " stale in-progress issue(s)"
          + (dryRun ? " (dry run: nothing posted)" : ", reminded " + o.commented().size());
      StringBuilder body = new StringBuilder("# Nightly ").append(slot).append("\n\n## Stale in-progress issues\n\n");
      if (o.stale().isEmpty()) {
        body.append("none\n");
      }
      for (String id : o.stale()) {
        body.append("- #").append(id).append(dryRun ? " (dry run: would be reminded)"
            : o.commented().contains(id) ? ": reminded now" : ": already reminded in this quiet spell").append('\n');
      }
      return new Schedules.Outcome(summary, body.toString());
    });
  }
}
