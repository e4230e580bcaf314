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
    return (schedule, since, slot, manual) -> stale.sweep(clock.instant(), dryRun).thenApply(o ->
        "nightly: " + o.stale().size() + " stale in-progress issue(s)"
            + (dryRun ? " (dry run: nothing posted)" : ", reminded " + o.commented().size()));
  }
}
