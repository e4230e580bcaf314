package dev.turboagents.supervisors;

import dev.turboagents.config.Settings;
import dev.turboagents.persistence.tracker.Tracker;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the work tracker: {@code Tracker.start} spawns its children here, each with its strategy.
 * The index runs under restart with backoff ({@code tracker.index-min-backoff} ..
 * {@code index-max-backoff}) and replays the journal after a restart while queries wait. The
 * issue and project registries stop an entity that fails (a journal write or recovery error) and
 * start it afresh from the journal on its next command. The rule-checked queue is restarted.
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
