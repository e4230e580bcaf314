package dev.turboagents.config;

import java.time.Duration;

/**
 * The event-sourced work tracker (issues and projects).
 *
 * @param snapshotEvery events between two snapshots of an entity
 * @param keepSnapshots snapshots kept per entity
 * @param passivateAfter idle time after which an entity actor is stopped
 * @param maxTitleLength longest title, in characters
 * @param maxTextLength longest description or comment, in characters
 * @param indexStashCapacity queries the index holds while it replays the journal; one more fails it (it restarts and replays)
 * @param indexMinBackoff first wait before the failed index is restarted
 * @param indexMaxBackoff longest wait between restarts of an index that keeps failing
 * @param ruleCheckedQueue rule-checked writes that may wait for their turn; one more is refused
 * @param rememberedKeys keyed writes (idempotency keys) whose first result an issue remembers; an older key's repeat counts as new
 */
public record TrackerSettings(int snapshotEvery, int keepSnapshots, Duration passivateAfter, int maxTitleLength,
    int maxTextLength, int indexStashCapacity, Duration indexMinBackoff, Duration indexMaxBackoff, int ruleCheckedQueue,
    int rememberedKeys) {

  static TrackerSettings read(SettingsReader r) {
    Duration min = r.positiveDuration("turbo-agents.tracker.index-min-backoff");
    Duration max = r.positiveDuration("turbo-agents.tracker.index-max-backoff");
    if (max.compareTo(min) < 0) {
      throw new InvalidSettingException("turbo-agents.tracker.index-max-backoff",
          "must not be shorter than turbo-agents.tracker.index-min-backoff (" + min + "), was " + max);
    }
    return new TrackerSettings(
        r.intIn("turbo-agents.tracker.snapshot-every", 1, 1_000_000),
        r.intIn("turbo-agents.tracker.keep-snapshots", 1, 100),
        r.positiveDuration("turbo-agents.tracker.passivate-after"),
        r.intIn("turbo-agents.tracker.max-title-length", 1, 100_000),
        r.intIn("turbo-agents.tracker.max-text-length", 1, 10_000_000),
        r.intIn("turbo-agents.tracker.index-stash-capacity", 1, 10_000_000),
        min,
        max,
        r.intIn("turbo-agents.tracker.rule-checked-queue", 1, 10_000_000),
        r.intIn("turbo-agents.tracker.remembered-keys", 1, 100_000));
  }
}
