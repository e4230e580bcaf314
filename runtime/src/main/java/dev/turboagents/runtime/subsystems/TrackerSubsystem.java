package dev.turboagents.runtime.subsystems;

import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.tracker.TrackerRoutes;
import dev.turboagents.persistence.tracker.Tracker;
import dev.turboagents.supervisors.TrackerHealth;
import dev.turboagents.supervisors.TrackerSupervisor;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/** The work tracker: issues and projects on the journal, the Turbo-compatible API under /api/v1. */
public final class TrackerSubsystem extends Subsystem<Tracker> {
  private final Settings settings;

  public TrackerSubsystem(Settings settings) {
    super("tracker", "tracker", "opening the journal");
    this.settings = settings;
  }

  @Override
  protected Behavior<?> supervisor() {
    return TrackerSupervisor.create(settings, startup);
  }

  @Override
  protected List<HealthCheck> healthChecks(Tracker tracker, ActorSystem<?> system) {
    return List.of(new TrackerHealth(tracker, settings.dataDir()));
  }

  @Override
  protected Route routes(Tracker tracker, ActorSystem<?> system) {
    return new TrackerRoutes(tracker, settings.http().maxBodyBytes()).route();
  }
}
