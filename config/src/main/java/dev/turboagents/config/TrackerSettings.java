package dev.turboagents.config;

/** The event-sourced work tracker (issues and projects). */
public record TrackerSettings(int snapshotEvery, int keepSnapshots, java.time.Duration passivateAfter, int maxTitleLength,
    int maxTextLength) {

  static TrackerSettings read(SettingsReader r) {
    return new TrackerSettings(
        r.intIn("turbo-agents.tracker.snapshot-every", 1, 1_000_000),
        r.intIn("turbo-agents.tracker.keep-snapshots", 1, 100),
        r.positiveDuration("turbo-agents.tracker.passivate-after"),
        r.intIn("turbo-agents.tracker.max-title-length", 1, 100_000),
        r.intIn("turbo-agents.tracker.max-text-length", 1, 10_000_000));
  }
}
