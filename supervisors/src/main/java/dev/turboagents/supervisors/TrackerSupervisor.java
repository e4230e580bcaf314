package dev.turboagents.supervisors;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.tracker.Tracker;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the work tracker: its index and the issue and project registries. The registries stop an
 * entity that fails (a journal write error) and start it afresh from the journal on its next
 * command; the index is restarted on failure and replays the journal again.
 */
public final class TrackerSupervisor {

  private TrackerSupervisor() {}

  public static Behavior<Void> create(Settings settings, Startup<Tracker> startup) {
    return Behaviors.setup(ctx -> {
      startup.ready(Tracker.start(ctx::spawn, ctx.getSystem(), settings.tracker(), settings.http().askTimeout()));
      return Behaviors.empty();
    });
  }
}
