package dev.turboagents.actors.autonomy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/** The autonomy as its routes and the CLI see it: the schedules, and running one now. */
public final class Autonomy {
  private final ActorRef<Schedules.Command> schedules;
  private final ActorSystem<?> system;
  private final Duration askTimeout;
  private final List<String> names;

  private final AutonomyControls controls;

  public Autonomy(ActorRef<Schedules.Command> schedules, List<String> names, AutonomyControls controls,
      ActorSystem<?> system, Duration askTimeout) {
    this.schedules = schedules;
    this.controls = controls;
    this.names = List.copyOf(names);
    this.system = system;
    this.askTimeout = askTimeout;
  }

  /** The schedules' names, in their order. */
  public List<String> names() {
    return names;
  }

  public CompletionStage<List<Schedules.ScheduleView>> schedules() {
    return AskPattern.ask(schedules, Schedules.GetSchedules::new, askTimeout, system.scheduler());
  }

  /** Starts {@code name} now; fails with a message naming what was wrong (unknown, already running). */
  public CompletionStage<Schedules.ScheduleView> runNow(String name) {
    return AskPattern.<Schedules.Command, StatusReply<Schedules.ScheduleView>>ask(schedules,
        reply -> new Schedules.RunNow(name, reply), askTimeout, system.scheduler())
        .thenApply(StatusReply::getValue);
  }

  /** The reports of {@code kind}'s runs (empty: every schedule's), newest first, at most {@code limit}. */
  public CompletionStage<List<Schedules.Report>> reports(java.util.Optional<String> kind, int limit) {
    return AskPattern.ask(schedules, reply -> new Schedules.GetReports(kind, limit, reply), askTimeout, system.scheduler());
  }

  /** The controls other autonomous work consults ({@code controls().paused()}). */
  public AutonomyControls controls() {
    return controls;
  }

  public CompletionStage<Schedules.ControlsView> state() {
    return AskPattern.ask(schedules, Schedules.GetControls::new, askTimeout, system.scheduler());
  }

  public CompletionStage<Schedules.ControlsView> pause(String by) {
    return AskPattern.ask(schedules, reply -> new Schedules.Pause(by, reply), askTimeout, system.scheduler());
  }

  public CompletionStage<Schedules.ControlsView> resume(String by) {
    return AskPattern.ask(schedules, reply -> new Schedules.Resume(by, reply), askTimeout, system.scheduler());
  }
}
