package dev.turboagents.config;

import java.time.Duration;

/**
 * The daemon process around the subsystems.
 *
 * @param stopTimeout longest {@code close()} waits for the actor system to terminate, and a stop for the graph's open under way
 */
public record DaemonSettings(Duration stopTimeout) {

  static DaemonSettings read(SettingsReader r) {
    return new DaemonSettings(r.positiveDuration("turbo-agents.daemon.stop-timeout"));
  }
}
