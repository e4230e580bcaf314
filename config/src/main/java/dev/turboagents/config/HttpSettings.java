package dev.turboagents.config;

import java.time.Duration;

/** The HTTP server: where it listens, how long routes wait for actors, how large a body may be. */
public record HttpSettings(String bind, int port, Duration askTimeout, long maxBodyBytes, Duration shutdownGrace) {

  static HttpSettings read(SettingsReader r) {
    return new HttpSettings(
        r.nonEmpty("turbo-agents.http.bind"),
        r.port("turbo-agents.http.port"),
        r.positiveDuration("turbo-agents.http.ask-timeout"),
        r.positiveBytes("turbo-agents.http.max-body-size"),
        r.positiveDuration("turbo-agents.http.shutdown-grace"));
  }
}
