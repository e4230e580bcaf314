package dev.turboagents.actors.autonomy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.Eventually;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The schedules on the real journal (LevelDB in a temp dir) driven by a clock the test moves: a slot
 * fires once, a daemon down over three slots runs once when it is back (a new actor system on the
 * same data dir), a manual run, an unknown name.
 */
class SchedulesTest {
  @TempDir Path dir;
  ActorTestKit kit;

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

  record Call(String schedule, Instant slot, boolean manual) {}

  final List<Instant> sinces = new CopyOnWriteArrayList<>();

  final List<Call> calls = new CopyOnWriteArrayList<>();
  /** A schedule whose runs fail, with this message. */
  volatile Optional<String> failing = Optional.empty();

  final Schedules.Work work = (schedule, since, slot, manual) -> {
    calls.add(new Call(schedule, slot, manual));
    sinces.add(since);
    if (failing.isPresent() && failing.get().equals(schedule)) {
      return CompletableFuture.failedFuture(new IllegalStateException("the tracker is away"));
    }
    return CompletableFuture.completedFuture(new Schedules.Outcome("commented on 2 issues", "# " + schedule + " " + slot + "\n"));
  };

  @AfterEach
  void stop() {
    if (kit != null) {
      kit.shutdownTestKit();
    }
  }

  @Test
  void aSlotFiresOnceAndSlotsMissedWhileDownRunOnceAtStart() throws Exception {
    // 08:30 in Berlin is 07:30 UTC in December
    List<Schedule> schedules = List.of(Schedule.of("standup", "30 8 * * *", "Europe/Berlin"),
        Schedule.of("nightly", "0 2 * * *", "Europe/Berlin"));
    MovableClock clock = new MovableClock(Instant.parse("2026-12-01T06:00:00Z"));
    ActorRef<Schedules.Command> actor = start(schedules, clock);
    actor.tell(new Schedules.Tick()); // the daemon knows the schedules from now (06:00) on, whenever its first tick lands

    Schedules.ScheduleView standup = Eventually.value(Duration.ofSeconds(30), () -> view(actor, "standup"));
    assertEquals(Optional.of(Instant.parse("2026-12-01T07:30:00Z")), standup.nextRun());
    assertEquals(Optional.empty(), standup.lastRun());
    assertTrue(calls.isEmpty(), "a schedule new to the daemon does not run for slots before it knew it: " + calls);

    clock.set(Instant.parse("2026-12-01T07:31:00Z"));
    actor.tell(new Schedules.Tick());
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertEquals(Optional.of("commented on 2 issues"), view(actor, "standup").lastOutcome()));
    assertEquals(List.of(new Call("standup", Instant.parse("2026-12-01T07:30:00Z"), false)), calls);
    assertEquals(List.of(Instant.parse("2026-11-30T07:30:00Z")), sinces, "a first run covers the day before its slot");
    actor.tell(new Schedules.Tick());
    actor.tell(new Schedules.Tick());
    assertEquals(Optional.of(Instant.parse("2026-12-02T07:30:00Z")), view(actor, "standup").nextRun());
    assertEquals(1, calls.size(), "the same slot never runs twice: " + calls);

    // the daemon is down from the 1st to the 4th at noon: three standups and three nightlies missed, each runs once
    kit.shutdownTestKit();
    calls.clear();
    sinces.clear();
    clock.set(Instant.parse("2026-12-04T11:00:00Z"));
    ActorRef<Schedules.Command> again = start(schedules, clock);
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      assertEquals(2, calls.size(), calls.toString());
      assertFalse(view(again, "nightly").running());
      assertFalse(view(again, "standup").running());
    });
    assertTrue(calls.contains(new Call("standup", Instant.parse("2026-12-04T07:30:00Z"), false)), calls.toString());
    assertTrue(sinces.contains(Instant.parse("2026-12-01T07:30:00Z")), "the catch-up covers all the days missed: " + sinces);
    assertTrue(calls.contains(new Call("nightly", Instant.parse("2026-12-04T01:00:00Z"), false)), calls.toString());
    again.tell(new Schedules.Tick());
    assertEquals(Optional.of(Instant.parse("2026-12-04T11:00:00Z")), view(again, "standup").lastRun());
    assertEquals(2, calls.size(), "after the catch-up nothing is due until the next slot: " + calls);

    // a manual run now; an unknown name is refused with the names there are
    StatusReply<Schedules.ScheduleView> manual = runNow(again, "nightly");
    assertTrue(manual.isSuccess(), manual.toString());
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertEquals(3, calls.size()));
    assertTrue(calls.get(2).manual());
    StatusReply<Schedules.ScheduleView> unknown = runNow(again, "weekly");
    assertTrue(unknown.isError());
    assertTrue(unknown.getError().getMessage().contains("no schedule 'weekly'"), unknown.getError().getMessage());
  }

  @Test
  void aPauseStopsRunsSurvivesARestartAndTheResumeRunsTheMissedSlotOnce() throws Exception {
    List<Schedule> schedules = List.of(Schedule.of("standup", "30 8 * * *", "UTC"));
    MovableClock clock = new MovableClock(Instant.parse("2026-12-01T06:00:00Z"));
    AutonomyControls controls = new AutonomyControls();
    ActorRef<Schedules.Command> actor = start(schedules, clock, controls);
    actor.tell(new Schedules.Tick());
    Eventually.value(Duration.ofSeconds(30), () -> view(actor, "standup"));
    assertFalse(controls.paused().getAsBoolean(), "a fresh journal is not paused");

    Schedules.ControlsView paused = control(actor, r -> new Schedules.Pause("ana", r));
    assertTrue(paused.paused());
    assertEquals(Optional.of("ana"), paused.by());
    assertTrue(controls.paused().getAsBoolean());
    clock.set(Instant.parse("2026-12-01T08:31:00Z"));
    actor.tell(new Schedules.Tick());
    StatusReply<Schedules.ScheduleView> manual = runNow(actor, "standup");
    assertTrue(manual.isError() && manual.getError().getMessage().contains("paused"), manual.toString());
    assertEquals(Optional.empty(), view(actor, "standup").lastRun());
    assertTrue(calls.isEmpty(), "paused: nothing runs: " + calls);

    // the pause is on the journal: a restart stays paused
    kit.shutdownTestKit();
    clock.set(Instant.parse("2026-12-02T09:00:00Z"));
    AutonomyControls after = new AutonomyControls();
    ActorRef<Schedules.Command> again = start(schedules, clock, after);
    assertTrue(control(again, Schedules.GetControls::new).paused());
    again.tell(new Schedules.Tick());
    assertEquals(Optional.empty(), view(again, "standup").lastRun());
    assertTrue(after.paused().getAsBoolean());
    assertTrue(calls.isEmpty(), calls.toString());

    assertFalse(control(again, r -> new Schedules.Resume("ana", r)).paused());
    assertFalse(after.paused().getAsBoolean());
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertEquals(1, calls.size(), calls.toString()));
    assertEquals(new Call("standup", Instant.parse("2026-12-02T08:30:00Z"), false), calls.get(0), "the newest missed slot, once");
    again.tell(new Schedules.Tick());
    Eventually.assertThat(Duration.ofSeconds(30), () -> assertFalse(view(again, "standup").running()));
    assertEquals(1, calls.size(), calls.toString());
  }

  @Test
  void everyRunKeepsAReportReadNewestFirstByKindAndOnlyTheNewestAreKeptAcrossARestart() throws Exception {
    List<Schedule> schedules = List.of(Schedule.of("standup", "30 8 * * *", "UTC"), Schedule.of("nightly", "0 2 * * *", "UTC"));
    MovableClock clock = new MovableClock(Instant.parse("2026-12-01T09:00:00Z"));
    ActorRef<Schedules.Command> actor = start(schedules, clock, new AutonomyControls(), 2);
    assertEquals(List.of(), reports(actor, Optional.empty(), 10), "no run, no report");
    for (int i = 1; i <= 3; i++) {
      clock.set(Instant.parse("2026-12-01T09:00:00Z").plusSeconds(60L * i));
      runAndWait(actor, "standup");
    }
    failing = Optional.of("nightly");
    clock.set(Instant.parse("2026-12-01T09:10:00Z"));
    runAndWait(actor, "nightly");

    List<Schedules.Report> all = reports(actor, Optional.empty(), 10);
    assertEquals(List.of("nightly", "standup", "standup"), all.stream().map(Schedules.Report::kind).toList(),
        "newest first, two standups kept of three: " + all);
    Schedules.Report failed = all.get(0);
    assertFalse(failed.ok());
    assertTrue(failed.manual());
    assertEquals("the tracker is away", failed.outcome());
    assertTrue(failed.body().contains("nightly failed: the tracker is away"), failed.body());
    assertEquals(Instant.parse("2026-12-01T09:10:00Z"), failed.finishedAt());
    assertEquals(Instant.parse("2026-12-01T02:00:00Z"), failed.slot());
    Schedules.Report newest = all.get(1);
    assertTrue(newest.ok());
    assertEquals("commented on 2 issues", newest.outcome());
    assertEquals("# standup 2026-12-01T08:30:00Z\n", newest.body());
    assertEquals(Instant.parse("2026-12-01T09:03:00Z"), newest.finishedAt());
    assertEquals(Instant.parse("2026-12-01T09:02:00Z"), all.get(2).finishedAt(), "the first standup's report is gone");
    assertEquals(List.of(newest), reports(actor, Optional.of("standup"), 1));

    kit.shutdownTestKit();
    ActorRef<Schedules.Command> again = start(schedules, clock, new AutonomyControls(), 2);
    assertEquals(all, reports(again, Optional.empty(), 10), "the reports are on the journal");
  }

  /** Writes on the schedules' journal as a daemon from before the reports did: a RunFinished without a report. */
  static final class JournalBeforeReports
      extends org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior<JournalBeforeReports.Write, Schedules.Event, Integer> {
    record Write(List<Schedules.Event> events, ActorRef<Boolean> replyTo) {}

    JournalBeforeReports() {
      super(Schedules.PERSISTENCE_ID);
    }

    @Override
    public Integer emptyState() {
      return 0;
    }

    @Override
    public org.apache.pekko.persistence.typed.javadsl.CommandHandler<Write, Schedules.Event, Integer> commandHandler() {
      return newCommandHandlerBuilder().forAnyState()
          .onCommand(Write.class, (n, c) -> Effect().persist(c.events()).thenRun(s -> c.replyTo().tell(true))).build();
    }

    @Override
    public org.apache.pekko.persistence.typed.javadsl.EventHandler<Integer, Schedules.Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent((n, e) -> n + 1);
    }
  }

  /** A snapshot of the schedules' state as a daemon from before the reports took it. */
  record StateBeforeReports(Map<String, Schedules.Progress> schedules, Schedules.ControlsView controls)
      implements dev.turboagents.persistence.CborSerializable {}

  @Test
  void aJournalAndASnapshotFromBeforeTheReportsStillReplay() throws Exception {
    List<Schedule> schedules = List.of(Schedule.of("standup", "30 8 * * *", "UTC"));
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("schedules", settings.config());
    Instant added = Instant.parse("2026-11-30T06:00:00Z");
    Instant slot = Instant.parse("2026-12-01T08:30:00Z");
    ActorRef<JournalBeforeReports.Write> old = kit.spawn(new JournalBeforeReports());
    boolean written = AskPattern.<JournalBeforeReports.Write, Boolean>ask(old, r -> new JournalBeforeReports.Write(List.of(
            new Schedules.ScheduleAdded("standup", added),
            new Schedules.RunStarted("standup", slot.minus(Duration.ofDays(1)), slot, false, slot),
            new Schedules.RunFinished("standup", slot, true, "standup 2026-12-01: commented on 4 in-progress issue(s)",
                slot.plusSeconds(5))), r), Duration.ofSeconds(10), kit.scheduler())
        .toCompletableFuture().get(15, TimeUnit.SECONDS);
    assertTrue(written);

    // the snapshot's bytes, as the serializer wrote them then, read as today's state
    var serialization = org.apache.pekko.serialization.SerializationExtension.get(
        org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(kit.system()));
    StateBeforeReports before = new StateBeforeReports(Map.of("standup", new Schedules.Progress(added, Optional.of(slot),
        Optional.of(slot), Optional.of(slot.plusSeconds(5)), Optional.of("done"), Optional.of(true), false, Optional.empty(),
        Optional.empty())), new Schedules.ControlsView(false, Optional.empty(), Optional.empty()));
    var serializer = serialization.findSerializerFor(before);
    Schedules.State read = (Schedules.State) serialization.deserialize(serializer.toBinary(before), serializer.identifier(),
        Schedules.State.class.getName()).get();
    assertEquals(Map.of(), read.reports());
    assertEquals(before.schedules(), read.schedules());
    kit.shutdownTestKit();

    MovableClock clock = new MovableClock(Instant.parse("2026-12-01T10:00:00Z"));
    ActorRef<Schedules.Command> actor = start(schedules, clock, new AutonomyControls(), 30);
    Schedules.ScheduleView replayed = view(actor, "standup");
    assertEquals(Optional.of("standup 2026-12-01: commented on 4 in-progress issue(s)"), replayed.lastOutcome());
    assertEquals(Optional.of(slot), replayed.lastRun());
    assertEquals(List.of(), reports(actor, Optional.empty(), 10), "the runs from before the reports have none");
    actor.tell(new Schedules.Tick());
    assertTrue(calls.isEmpty(), "the replayed run's slot does not run again: " + calls);
    runAndWait(actor, "standup");
    assertEquals(1, reports(actor, Optional.of("standup"), 10).size());
  }

  private void runAndWait(ActorRef<Schedules.Command> actor, String name) throws Exception {
    int before = calls.size();
    StatusReply<Schedules.ScheduleView> started = runNow(actor, name);
    assertTrue(started.isSuccess(), started.toString());
    Eventually.assertThat(Duration.ofSeconds(30), () -> {
      assertEquals(before + 1, calls.size());
      assertFalse(view(actor, name).running());
    });
  }

  private List<Schedules.Report> reports(ActorRef<Schedules.Command> actor, Optional<String> kind, int limit) throws Exception {
    return AskPattern.<Schedules.Command, List<Schedules.Report>>ask(actor, r -> new Schedules.GetReports(kind, limit, r),
        Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private Schedules.ControlsView control(ActorRef<Schedules.Command> actor,
      org.apache.pekko.japi.function.Function<ActorRef<Schedules.ControlsView>, Schedules.Command> message) throws Exception {
    return AskPattern.ask(actor, message, Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  private ActorRef<Schedules.Command> start(List<Schedule> schedules, Clock clock, AutonomyControls controls) {
    return start(schedules, clock, controls, 30);
  }

  private ActorRef<Schedules.Command> start(List<Schedule> schedules, Clock clock, AutonomyControls controls, int reportsKept) {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("schedules", settings.config());
    return kit.spawn(Schedules.create(schedules, work, clock, Optional.empty(), controls, reportsKept));
  }

  private ActorRef<Schedules.Command> start(List<Schedule> schedules, Clock clock) {
    Settings settings = Settings.forTest(dir.resolve("data"), Map.of());
    kit = ActorTestKit.create("schedules", settings.config());
    return kit.spawn(Schedules.create(schedules, work, clock, Optional.empty(), new AutonomyControls(), 30));
  }

  private Schedules.ScheduleView view(ActorRef<Schedules.Command> actor, String name) {
    try {
      List<Schedules.ScheduleView> all = AskPattern.<Schedules.Command, List<Schedules.ScheduleView>>ask(actor,
          Schedules.GetSchedules::new, Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
      return all.stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private StatusReply<Schedules.ScheduleView> runNow(ActorRef<Schedules.Command> actor, String name) throws Exception {
    return AskPattern.<Schedules.Command, StatusReply<Schedules.ScheduleView>>ask(actor, r -> new Schedules.RunNow(name, r),
        Duration.ofSeconds(10), kit.scheduler()).toCompletableFuture().get(15, TimeUnit.SECONDS);
  }
}
