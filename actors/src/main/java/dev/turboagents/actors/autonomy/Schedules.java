package dev.turboagents.actors.autonomy;

import dev.turboagents.persistence.CborSerializable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The autonomy's schedules, event-sourced on the journal: which slot each schedule last ran for,
 * when, and how it ended. A {@link Tick} (from a timer every {@code tick}, or from a test that moved
 * its clock) starts every schedule that is {@link Schedule.Due}; after a restart the first tick runs
 * a slot missed while the daemon was down once, and a run that was going on when it stopped is run
 * again (the work is idempotent: its comments carry idempotency keys).
 */
public final class Schedules extends EventSourcedBehavior<Schedules.Command, Schedules.Event, Schedules.State> {

  /**
   * What a schedule runs, for {@code slot}, covering what happened since {@code since} (the slot of the
   * schedule's previous run, or the cron slot before this one when it never ran): completes with its
   * outcome, fails with why it failed.
   */
  @FunctionalInterface
  public interface Work {
    CompletionStage<Outcome> run(String schedule, Instant since, Instant slot, boolean manual);
  }

  /** How a run ended: the one-line {@code summary} the schedules show and the report's markdown {@code body}. */
  public record Outcome(String summary, String body) {
    /** An outcome whose report says no more than its summary. */
    public static Outcome of(String summary) {
      return new Outcome(summary, summary + "\n");
    }
  }

  /** The schedules' protocol. */
  public sealed interface Command extends CborSerializable
      permits Tick, RunNow, GetSchedules, Finished, Pause, Resume, GetControls, GetReports {}

  /** Look at the clock: start what is due. */
  public record Tick() implements Command {}

  /** Runs {@code name} now, whatever its cron says; an unknown name is an error naming it, a running one too. */
  public record RunNow(String name, ActorRef<StatusReply<ScheduleView>> replyTo) implements Command {}

  /** Every schedule with its next run, last run and outcome. */
  public record GetSchedules(ActorRef<List<ScheduleView>> replyTo) implements Command {}

  record Finished(String name, Instant slot, boolean manual, boolean ok, String outcome, String body) implements Command {}

  /** The reports of {@code kind}'s runs (empty: of every schedule), newest first, at most {@code limit}. */
  public record GetReports(Optional<String> kind, int limit, ActorRef<List<Report>> replyTo) implements Command {}

  /**
   * What one run did: the schedule ({@code kind}), the slot it ran for, when it finished, whether it
   * succeeded, its one-line outcome and the full text (markdown; why it failed when it did).
   */
  public record Report(String kind, Instant slot, Instant finishedAt, boolean ok, boolean manual, String outcome,
      String body) implements CborSerializable {}

  /** Stops starting runs (by the clock or by hand) until {@link Resume}; kept across restarts. */
  public record Pause(String by, ActorRef<ControlsView> replyTo) implements Command {}

  public record Resume(String by, ActorRef<ControlsView> replyTo) implements Command {}

  public record GetControls(ActorRef<ControlsView> replyTo) implements Command {}

  /** Whether the autonomy is paused, since when and by whom. */
  public record ControlsView(boolean paused, Optional<Instant> since, Optional<String> by) {}

  /** The schedules' events. */
  public sealed interface Event extends CborSerializable
      permits ScheduleAdded, RunStarted, RunFinished, ReportKept, Paused, Resumed {}

  /** The daemon first knew schedule {@code name} {@code at}: slots before it are not missed runs. */
  public record ScheduleAdded(String name, Instant at) implements Event {}

  public record RunStarted(String name, Instant since, Instant slot, boolean manual, Instant at) implements Event {}

  public record RunFinished(String name, Instant slot, boolean ok, String outcome, Instant at) implements Event {}

  /**
   * The report of the run that just finished, persisted with its {@link RunFinished} (a journal from
   * before reports has none: those runs have no report).
   */
  public record ReportKept(Report report) implements Event {}

  public record Paused(String by, Instant at) implements Event {}

  public record Resumed(String by, Instant at) implements Event {}

  /** Where one schedule stands. */
  public record Progress(Instant firstSeen, Optional<Instant> lastSlot, Optional<Instant> lastStarted,
      Optional<Instant> lastFinished, Optional<String> lastOutcome, Optional<Boolean> lastOk, boolean running,
      Optional<Instant> runningSlot, Optional<Instant> runningSince) implements CborSerializable {

    static Progress added(Instant at) {
      return new Progress(at, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), false,
          Optional.empty(), Optional.empty());
    }
  }

  /** @param reports each schedule's reports, newest first (a snapshot from before reports has none) */
  public record State(Map<String, Progress> schedules, ControlsView controls, Map<String, List<Report>> reports)
      implements CborSerializable {
    public State {
      reports = reports == null ? Map.of() : reports;
    }

    State with(String name, Progress p) {
      Map<String, Progress> next = new HashMap<>(schedules);
      next.put(name, p);
      return new State(Map.copyOf(next), controls, reports);
    }

    State with(ControlsView next) {
      return new State(schedules, next, reports);
    }

    /** {@code report} kept as its schedule's newest, the oldest beyond {@code kept} dropped. */
    State with(Report report, int kept) {
      List<Report> list = new ArrayList<>();
      list.add(report);
      list.addAll(reports.getOrDefault(report.kind(), List.of()));
      Map<String, List<Report>> next = new HashMap<>(reports);
      next.put(report.kind(), List.copyOf(list.subList(0, Math.min(kept, list.size()))));
      return new State(schedules, controls, Map.copyOf(next));
    }
  }

  /** One schedule as {@code GET /agents/schedules} shows it. */
  public record ScheduleView(String name, String cron, String zone, Optional<Instant> nextRun, Optional<Instant> lastRun,
      Optional<Instant> lastFinished, Optional<String> lastOutcome, Optional<Boolean> lastOk, boolean running) {}

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("autonomy-schedules");

  /**
   * @param controls told whether the autonomy is paused, for other autonomous work to consult
   * @param reportsKept how many reports of each schedule are kept, the newest
   */
  public static Behavior<Command> create(List<Schedule> schedules, Work work, Clock clock, Optional<Duration> tick,
      AutonomyControls controls, int reportsKept) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new Schedules(ctx, timers, schedules, work, clock, tick, controls, reportsKept)));
  }

  private final ActorContext<Command> ctx;
  private final Map<String, Schedule> byName = new java.util.LinkedHashMap<>();
  private final Work work;
  private final Clock clock;
  private final AutonomyControls controls;
  private final int reportsKept;

  private Schedules(ActorContext<Command> ctx, TimerScheduler<Command> timers, List<Schedule> schedules, Work work,
      Clock clock, Optional<Duration> tick, AutonomyControls controls, int reportsKept) {
    super(PERSISTENCE_ID);
    this.ctx = ctx;
    this.reportsKept = reportsKept;
    this.controls = controls;
    schedules.forEach(s -> byName.put(s.name(), s));
    this.work = work;
    this.clock = clock;
    tick.ifPresent(every -> timers.startTimerWithFixedDelay(new Tick(), every));
  }

  @Override
  public State emptyState() {
    return new State(Map.of(), new ControlsView(false, Optional.empty(), Optional.empty()), Map.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> {
          controls.set(state.controls().paused());
          ctx.getSelf().tell(new Tick());
        })
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Tick.class, this::tick)
        .onCommand(RunNow.class, this::runNow)
        .onCommand(Pause.class, (state, c) -> Effect().persist(new Paused(c.by(), clock.instant())).thenRun(s -> {
          controls.set(true);
          c.replyTo().tell(s.controls());
        }))
        .onCommand(Resume.class, (state, c) -> Effect().persist(new Resumed(c.by(), clock.instant())).thenRun(s -> {
          controls.set(false);
          c.replyTo().tell(s.controls());
          ctx.getSelf().tell(new Tick());
        }))
        .onCommand(GetControls.class, (state, c) -> Effect().reply(c.replyTo(), state.controls()))
        .onCommand(GetSchedules.class, (state, c) -> Effect().none().thenRun(s -> c.replyTo().tell(views(s))))
        .onCommand(GetReports.class, (state, c) -> Effect().reply(c.replyTo(), reports(state, c)))
        .onCommand(Finished.class, (state, c) -> {
          Instant at = clock.instant();
          return Effect().persist(List.of(new RunFinished(c.name(), c.slot(), c.ok(), c.outcome(), at),
                  new ReportKept(new Report(c.name(), c.slot(), at, c.ok(), c.manual(), c.outcome(), c.body()))))
              .thenRun(s -> running.remove(c.name()));
        })
        .build();
  }

  private Effect<Event, State> tick(State state, Tick tick) {
    Instant now = clock.instant();
    boolean paused = state.controls().paused(); // a slot passed while paused runs once after the resume, as after downtime
    List<Event> events = new ArrayList<>();
    List<RunStarted> starts = new ArrayList<>();
    for (Schedule schedule : byName.values()) {
      Progress progress = state.schedules().get(schedule.name());
      if (progress == null) {
        events.add(new ScheduleAdded(schedule.name(), now));
        continue;
      }
      if (paused) {
        continue;
      }
      if (progress.running()) {
        // still running in this incarnation, or interrupted by a stop: a recovered run is run again
        if (!running.contains(schedule.name())) {
          Instant slot = progress.runningSlot().orElse(now);
          starts.add(new RunStarted(schedule.name(), progress.runningSince().orElse(since(schedule, progress, slot)), slot, false, now));
        }
        continue;
      }
      if (schedule.due(progress.lastSlot(), now, progress.firstSeen()) instanceof Schedule.Due due) {
        RunStarted started = new RunStarted(schedule.name(), since(schedule, progress, due.slot()), due.slot(), false, now);
        events.add(started);
        starts.add(started);
      }
    }
    if (events.isEmpty()) {
      return Effect().none().thenRun(s -> starts.forEach(this::start));
    }
    return Effect().persist(events).thenRun(s -> starts.forEach(this::start));
  }

  private Effect<Event, State> runNow(State state, RunNow c) {
    Schedule schedule = byName.get(c.name());
    if (schedule == null) {
      return Effect().reply(c.replyTo(), StatusReply.error("no schedule '" + c.name() + "'; the schedules are " + byName.keySet()));
    }
    if (state.controls().paused()) {
      return Effect().reply(c.replyTo(), StatusReply.error("the autonomy is paused (since "
          + state.controls().since().map(Instant::toString).orElse("?") + "); resume it first"));
    }
    Progress progress = state.schedules().get(c.name());
    if (progress != null && progress.running()) {
      return Effect().reply(c.replyTo(), StatusReply.error("schedule '" + c.name() + "' is running"));
    }
    Instant now = clock.instant();
    List<Event> events = new ArrayList<>();
    if (progress == null) {
      events.add(new ScheduleAdded(c.name(), now));
    }
    // a manual run is for the newest slot passed, so the cron does not run the same slot again right after
    Instant slot = schedule.latestAtOrBefore(now).orElse(now);
    RunStarted started = new RunStarted(c.name(), since(schedule, progress, slot), slot, true, now);
    events.add(started);
    return Effect().persist(events).thenRun(s -> {
      start(started);
      c.replyTo().tell(StatusReply.success(view(schedule, s.schedules().get(c.name()))));
    });
  }

  /** The previous run's slot when it is older than {@code slot}, else the cron slot before {@code slot}. */
  private static Instant since(Schedule schedule, Progress progress, Instant slot) {
    Optional<Instant> previous = progress == null ? Optional.empty() : progress.lastSlot().filter(s -> s.isBefore(slot));
    return previous.or(() -> schedule.latestAtOrBefore(slot.minusNanos(1))).orElse(slot);
  }

  private final java.util.Set<String> running = new java.util.HashSet<>();

  private void start(RunStarted run) {
    running.add(run.name());
    CompletionStage<Outcome> outcome;
    try {
      outcome = work.run(run.name(), run.since(), run.slot(), run.manual());
    } catch (RuntimeException e) {
      outcome = java.util.concurrent.CompletableFuture.failedFuture(e);
    }
    ctx.pipeToSelf(outcome, (ok, failure) -> {
      if (failure == null) {
        return new Finished(run.name(), run.slot(), run.manual(), true, ok.summary(), ok.body());
      }
      String why = String.valueOf(dev.turboagents.persistence.AsyncFailure.cause(failure).getMessage());
      return new Finished(run.name(), run.slot(), run.manual(), false, why, run.name() + " failed: " + why + "\n");
    });
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ScheduleAdded.class, (s, e) -> s.with(e.name(), Progress.added(e.at())))
        .onEvent(RunStarted.class, (s, e) -> {
          Progress p = s.schedules().getOrDefault(e.name(), Progress.added(e.at()));
          Optional<Instant> lastSlot = p.lastSlot().isPresent() && p.lastSlot().get().isAfter(e.slot()) ? p.lastSlot() : Optional.of(e.slot());
          return s.with(e.name(), new Progress(p.firstSeen(), lastSlot, Optional.of(e.at()), p.lastFinished(), p.lastOutcome(),
              p.lastOk(), true, Optional.of(e.slot()), Optional.of(e.since())));
        })
        .onEvent(Paused.class, (s, e) -> s.with(new ControlsView(true, Optional.of(e.at()), Optional.of(e.by()))))
        .onEvent(Resumed.class, (s, e) -> s.with(new ControlsView(false, Optional.of(e.at()), Optional.of(e.by()))))
        .onEvent(ReportKept.class, (s, e) -> s.with(e.report(), reportsKept))
        .onEvent(RunFinished.class, (s, e) -> {
          Progress p = s.schedules().getOrDefault(e.name(), Progress.added(e.at()));
          return s.with(e.name(), new Progress(p.firstSeen(), p.lastSlot(), p.lastStarted(), Optional.of(e.at()),
              Optional.of(e.outcome()), Optional.of(e.ok()), false, Optional.empty(), Optional.empty()));
        })
        .build();
  }

  private static List<Report> reports(State state, GetReports c) {
    return state.reports().entrySet().stream()
        .filter(e -> c.kind().map(e.getKey()::equals).orElse(true))
        .flatMap(e -> e.getValue().stream())
        .sorted(java.util.Comparator.comparing(Report::finishedAt).reversed())
        .limit(c.limit())
        .toList();
  }

  private List<ScheduleView> views(State state) {
    return byName.values().stream().map(s -> view(s, state.schedules().get(s.name()))).toList();
  }

  private ScheduleView view(Schedule schedule, Progress p) {
    Instant now = clock.instant();
    if (p == null) {
      return new ScheduleView(schedule.name(), schedule.cron(), schedule.zone().getId(), schedule.nextAfter(now), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), false);
    }
    return new ScheduleView(schedule.name(), schedule.cron(), schedule.zone().getId(), schedule.nextAfter(now), p.lastStarted(),
        p.lastFinished(), p.lastOutcome(), p.lastOk(), p.running());
  }
}
