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

  public Autonomy(ActorRef<Schedules.Command> schedules, List<String> names, ActorSystem<?> system, Duration askTimeout) {
    this.schedules = schedules;
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
}
