package dev.turboagents.actors.inference;

import dev.turboagents.config.ModelTimeSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The daily budget of model time per priority class ({@code turbo-agents.inference.daily-model-time}):
 * what each class spent today, and whether it may still ask. Model time is the time a call held the
 * model, from the door sending it to its end, whatever the end. The day ends at midnight in the
 * configured zone, read from {@code clock}. Each call's time also goes to the {@link ModelTimeLedger}
 * when there is one, and the day's totals come back from it after a restart ({@link #recovered}).
 * Not thread-safe: the inference actor owns it.
 */
final class DailyModelTime {

  /** A class whose budget for today is spent, and when it is given again. */
  record Spent(Priority priority, Duration budget, Duration spent, Instant resetsAt) {

    /** The reason a request of the class is refused, for the person or job that sent it. */
    String message(Instant now) {
      return "the daily model time of the " + priority.label() + " class is spent: " + words(spent) + " used of its "
          + words(budget) + " (turbo-agents.inference.daily-model-time." + priority.label() + "); it resets at "
          + resetsAt + " (in " + words(retryAfter(now)) + ")";
    }

    /** How long until the budget is given again (at least a second). */
    Duration retryAfter(Instant now) {
      Duration left = Duration.between(now, resetsAt);
      return left.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : left;
    }
  }

  private final ModelTimeSettings settings;
  private final Clock clock;
  private final Optional<ActorRef<ModelTimeLedger.Command>> ledger;
  private LocalDate day;
  private final Map<Priority, Long> spentNanos = new EnumMap<>(Priority.class);
  private boolean known;

  DailyModelTime(ModelTimeSettings settings, Clock clock,
      Optional<ActorRef<ModelTimeLedger.Command>> ledger) {
    this.settings = settings;
    this.clock = clock;
    this.ledger = ledger;
    this.day = currentDay();
    this.known = ledger.isEmpty();
  }

  /** The ledger to ask for today's totals at start, if any. */
  Optional<ActorRef<ModelTimeLedger.Command>> ledger() {
    return ledger;
  }

  /** Whether today's totals are known: no ledger, or it answered ({@link #recovered}). */
  boolean known() {
    return known;
  }

  LocalDate day() {
    rollOver();
    return day;
  }

  /** Adds what the ledger had for {@code recorded}'s day: the calls before this door started. */
  void recovered(ModelTimeLedger.Day recorded) {
    known = true;
    rollOver();
    if (recorded.day().equals(day)) {
      recorded.nanos().forEach((p, n) -> spentNanos.merge(p, n, Long::sum));
    }
  }

  /** The ledger did not answer: today is counted from zero. */
  void unknownSoFar() {
    known = true;
  }

  /** A call of {@code priority} held the model {@code nanos}: counted for today, and on the ledger. */
  void spend(Priority priority, long nanos) {
    rollOver();
    spentNanos.merge(priority, nanos, Long::sum);
    LocalDate on = day;
    ledger.ifPresent(l -> l.tell(new ModelTimeLedger.Spend(on, priority, nanos)));
  }

  /** Why {@code priority} may not ask today; empty while it has time left or no budget. */
  Optional<Spent> spentFor(Priority priority) {
    rollOver();
    Optional<Duration> budget = settings.budget(priority.label());
    long spent = spentNanos.getOrDefault(priority, 0L);
    if (budget.isEmpty() || spent < budget.get().toNanos()) {
      return Optional.empty();
    }
    return Optional.of(new Spent(priority, budget.get(), Duration.ofNanos(spent), resetsAt()));
  }

  /** The classes whose budget for today is spent. */
  Set<Priority> spentClasses() {
    Set<Priority> out = EnumSet.noneOf(Priority.class);
    for (Priority p : Priority.values()) {
      spentFor(p).ifPresent(s -> out.add(p));
    }
    return out;
  }

  /** Every class's budget, what it spent today and when the day ends, for the status. */
  List<InferenceStatus.ModelTime> today() {
    rollOver();
    List<InferenceStatus.ModelTime> out = new ArrayList<>();
    for (Priority p : Priority.values()) {
      out.add(new InferenceStatus.ModelTime(p, settings.budget(p.label()).map(Duration::toMillis),
          spentNanos.getOrDefault(p, 0L) / 1_000_000, resetsAt(), spentFor(p).isPresent()));
    }
    return out;
  }

  /** Midnight at the end of today, in the configured zone. */
  Instant resetsAt() {
    return day.plusDays(1).atStartOfDay(settings.zone()).toInstant();
  }

  Instant now() {
    return clock.instant();
  }

  private LocalDate currentDay() {
    return ZonedDateTime.ofInstant(clock.instant(), settings.zone()).toLocalDate();
  }

  private void rollOver() {
    LocalDate now = currentDay();
    if (!now.equals(day)) {
      day = now;
      spentNanos.clear();
    }
  }

  /** 2h, 1h 30m, 4m 12s, 2.3 s: a duration as a person reads it. */
  static String words(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return String.format(java.util.Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
    long h = s / 3600;
    long m = s % 3600 / 60;
    long sec = s % 60;
    return (h > 0 ? h + "h" : "") + (m > 0 ? (h > 0 ? " " : "") + m + "m" : "")
        + (sec > 0 && h == 0 ? (m > 0 ? " " : "") + sec + "s" : "");
  }
}
