package dev.turboagents.actors.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.ModelTimeSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The accounting of the daily model time per class, on a clock the test moves: no actor, no server. */
class DailyModelTimeTest {

  /** A clock that only moves when the test says so. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void set(Instant at) {
      now = at;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  private static ModelTimeSettings settings(String zone) {
    return new ModelTimeSettings(Map.of("interactive", Optional.empty(), "agent", Optional.of(Duration.ofMinutes(30)),
        "background", Optional.of(Duration.ofSeconds(2))), ZoneId.of(zone));
  }

  @Test
  void aClassIsRefusedOnceItsTimeIsSpentAndAgainServedTheNextDay() {
    MovableClock clock = new MovableClock(Instant.parse("2026-12-03T21:00:00Z"));
    DailyModelTime time = new DailyModelTime(settings("UTC"), clock, Optional.empty());
    time.spend(Priority.BACKGROUND, 1_500_000_000L);
    assertTrue(time.spentFor(Priority.BACKGROUND).isEmpty(), "1.5 s of 2 s: still allowed");
    time.spend(Priority.BACKGROUND, 600_000_000L);
    time.spend(Priority.INTERACTIVE, Duration.ofHours(5).toNanos());
    DailyModelTime.Spent spent = time.spentFor(Priority.BACKGROUND).orElseThrow();
    assertEquals(Instant.parse("2026-12-04T00:00:00Z"), spent.resetsAt());
    assertEquals(Duration.ofHours(3), spent.retryAfter(clock.instant()));
    String message = spent.message(clock.instant());
    assertTrue(message.contains("background") && message.contains("2.1 s used of its 2.0 s")
        && message.contains("daily-model-time.background") && message.contains("2026-12-04T00:00:00Z")
        && message.contains("in 3h"), message);
    assertTrue(time.spentFor(Priority.INTERACTIVE).isEmpty(), "interactive has no budget");
    assertTrue(time.spentFor(Priority.AGENT).isEmpty());
    assertEquals(java.util.Set.of(Priority.BACKGROUND), time.spentClasses());
    var status = time.today().stream().filter(t -> t.priority() == Priority.BACKGROUND).findFirst().orElseThrow();
    assertEquals(Optional.of(2000L), status.budgetMillis());
    assertEquals(2100L, status.spentMillis());
    assertTrue(status.spent());

    clock.set(Instant.parse("2026-12-04T00:00:01Z"));
    assertTrue(time.spentFor(Priority.BACKGROUND).isEmpty(), "a new day gives the budget again");
    assertEquals(0L, time.today().get(Priority.BACKGROUND.ordinal()).spentMillis());
    assertEquals(LocalDate.parse("2026-12-04"), time.day());
  }

  @Test
  void theDayEndsAtMidnightInTheConfiguredZone() {
    // 23:30 UTC is already the next day in Berlin
    MovableClock clock = new MovableClock(Instant.parse("2026-12-03T22:30:00Z"));
    DailyModelTime time = new DailyModelTime(settings("Europe/Berlin"), clock, Optional.empty());
    assertEquals(LocalDate.parse("2026-12-03"), time.day());
    assertEquals(Instant.parse("2026-12-03T23:00:00Z"), time.resetsAt());
    time.spend(Priority.BACKGROUND, 3_000_000_000L);
    assertTrue(time.spentFor(Priority.BACKGROUND).isPresent());
    clock.set(Instant.parse("2026-12-03T23:00:00Z"));
    assertFalse(time.spentFor(Priority.BACKGROUND).isPresent(), "midnight in Berlin");
  }

  @Test
  void theLedgersTotalsOfTodayAreAddedAndAnotherDaysAreNot() {
    MovableClock clock = new MovableClock(Instant.parse("2026-12-03T10:00:00Z"));
    DailyModelTime time = new DailyModelTime(settings("UTC"), clock, Optional.empty());
    time.spend(Priority.BACKGROUND, 500_000_000L); // a call that ended before the ledger answered
    time.recovered(new ModelTimeLedger.Day(LocalDate.parse("2026-12-02"), Map.of(Priority.BACKGROUND, 9_000_000_000L)));
    assertTrue(time.spentFor(Priority.BACKGROUND).isEmpty(), "yesterday's time does not count today");
    time.recovered(new ModelTimeLedger.Day(LocalDate.parse("2026-12-03"), Map.of(Priority.BACKGROUND, 1_600_000_000L)));
    assertEquals(2100L, time.today().get(Priority.BACKGROUND.ordinal()).spentMillis());
    assertTrue(time.spentFor(Priority.BACKGROUND).isPresent());
  }

  @Test
  void aDurationReadsAsAPersonSaysIt() {
    assertEquals("2h", DailyModelTime.words(Duration.ofHours(2)));
    assertEquals("1h 30m", DailyModelTime.words(Duration.ofMinutes(90)));
    assertEquals("4m 12s", DailyModelTime.words(Duration.ofSeconds(252)));
    assertEquals("2.3 s", DailyModelTime.words(Duration.ofMillis(2300)));
  }
}
