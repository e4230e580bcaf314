package dev.turboagents.actors.autonomy;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * One named schedule: a Unix cron expression (five fields, {@code "30 8 * * 1-5"}) read by
 * cron-utils, in a time zone. {@link #due} is the whole policy of when to run: the newest slot that
 * passed since the last run, so a daemon that was down over several slots runs once, not once per slot.
 */
public record Schedule(String name, String cron, ZoneId zone, ExecutionTime times) {
  private static final CronParser UNIX = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

  /** Parses {@code cron}; an invalid expression or zone is an {@link IllegalArgumentException} naming the schedule. */
  public static Schedule of(String name, String cron, String zone) {
    ZoneId zoneId;
    try {
      zoneId = ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("schedule '" + name + "': unknown time zone '" + zone + "'", e);
    }
    try {
      return new Schedule(name, cron, zoneId, ExecutionTime.forCron(UNIX.parse(cron)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("schedule '" + name + "': '" + cron + "' is not a cron expression ("
          + e.getMessage() + ")", e);
    }
  }

  /** The first slot strictly after {@code after}. */
  public Optional<Instant> nextAfter(Instant after) {
    return times.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  /** The newest slot at or before {@code now}. */
  public Optional<Instant> latestAtOrBefore(Instant now) {
    ZonedDateTime at = ZonedDateTime.ofInstant(now, zone);
    if (times.isMatch(at.withNano(0)) && at.getSecond() == 0 && at.getNano() == 0) {
      return Optional.of(now);
    }
    return times.lastExecution(at).map(ZonedDateTime::toInstant);
  }

  /** What to do at {@code now}, given the slot the last run was for (empty: never ran). */
  public Decision due(Optional<Instant> lastSlot, Instant now, Instant firstSeen) {
    Optional<Instant> latest = latestAtOrBefore(now);
    // a schedule never run counts from when the daemon first knew it, so a new schedule does not fire for the past
    Instant since = lastSlot.orElse(firstSeen);
    if (latest.isPresent() && latest.get().isAfter(since)) {
      return new Due(latest.get());
    }
    return new Wait(nextAfter(now));
  }

  /** When to run. */
  public sealed interface Decision permits Due, Wait {}

  /** Run now, for {@code slot} (the newest one passed). */
  public record Due(Instant slot) implements Decision {}

  /** Nothing to do before {@code next}. */
  public record Wait(Optional<Instant> next) implements Decision {}
}
