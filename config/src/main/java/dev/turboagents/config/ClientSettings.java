package dev.turboagents.config;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * The command-line client's own settings (keys under {@code turbo-agents.client}). Read on their
 * own, so a daemon setting the client does not use cannot stop it.
 *
 * @param connectTimeout longest the client waits to connect to the daemon
 * @param requestTimeout longest the client waits for the daemon's answer
 */
public record ClientSettings(Duration connectTimeout, Duration requestTimeout) {

  public static ClientSettings load() {
    SettingsReader r = new SettingsReader(ConfigFactory.load());
    return new ClientSettings(r.positiveDuration("turbo-agents.client.connect-timeout"),
        r.positiveDuration("turbo-agents.client.request-timeout"));
  }
}
