package dev.turboagents.config;

import java.time.Duration;

/**
 * The HTTP server: where it listens, how long routes wait for actors, how large a body may be, and
 * the timings around start, long calls and shutdown.
 *
 * @param retryAfter the {@code Retry-After} a subsystem that is still starting answers with
 * @param idleMargin added to the longest call for the connection's idle timeout
 * @param bindTimeout longest the daemon waits for the port to be bound at start
 */
public record HttpSettings(String bind, int port, Duration askTimeout, long maxBodyBytes, Duration shutdownGrace,
    Duration retryAfter, Duration idleMargin, Duration bindTimeout) {

  static HttpSettings read(SettingsReader r) {
    return new HttpSettings(
        r.nonEmpty("turbo-agents.http.bind"),
        r.port("turbo-agents.http.port"),
        r.positiveDuration("turbo-agents.http.ask-timeout"),
        r.positiveBytes("turbo-agents.http.max-body-size"),
        r.positiveDuration("turbo-agents.http.shutdown-grace"),
        r.positiveDuration("turbo-agents.http.retry-after"),
        r.positiveDuration("turbo-agents.http.idle-margin"),
        r.positiveDuration("turbo-agents.http.bind-timeout"));
  }
}
