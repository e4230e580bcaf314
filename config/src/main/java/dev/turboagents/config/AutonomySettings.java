package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The autonomy ({@code turbo-agents.autonomy}, documented in reference.conf): the scheduled work the
 * daemon does on its own (standup, nightly), how often it looks at the clock, and its controls.
 *
 * @param enabled false: no schedule fires on its own (a manual run still works)
 * @param tick how often the schedules look whether one is due
 * @param schedules the named schedules (standup, nightly) with their cron and zone
 * @param standupIssue the issue the standup summary is posted on (empty: kept as a report only)
 * @param staleAfter an in_progress issue with no activity for this long is stale (nightly)
 * @param dryRun record what would be posted in the report, post nothing
 * @param reportsKept how many reports of each schedule's runs are kept (the newest)
 */
public record AutonomySettings(boolean enabled, Duration tick, List<ScheduleSetting> schedules,
    Optional<String> standupIssue, Duration staleAfter, boolean dryRun, int reportsKept) {

  /** One schedule's configuration. */
  public record ScheduleSetting(String name, boolean enabled, String cron, String zone) {}

  private static final String A = "turbo-agents.autonomy.";
  /** The schedules the daemon knows: each has a block {@code turbo-agents.autonomy.<name>}. */
  public static final List<String> SCHEDULES = List.of("standup", "nightly");

  public static AutonomySettings of(Settings settings) {
    SettingsReader r = new SettingsReader(settings.config());
    List<ScheduleSetting> schedules = SCHEDULES.stream().map(name -> new ScheduleSetting(name,
        bool(r, A + name + ".enabled"), r.nonEmpty(A + name + ".cron"), r.nonEmpty(A + name + ".zone"))).toList();
    String issue = r.string(A + "standup-summary-issue").strip();
    return new AutonomySettings(bool(r, A + "enabled"), r.positiveDuration(A + "tick"), schedules,
        issue.isEmpty() ? Optional.empty() : Optional.of(issue), r.positiveDuration(A + "stale-after"),
        bool(r, A + "dry-run"), r.intIn(A + "reports-kept", 1, 1000));
  }

  private static boolean bool(SettingsReader r, String key) {
    try {
      return r.config().getBoolean(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be true or false");
    }
  }
}
