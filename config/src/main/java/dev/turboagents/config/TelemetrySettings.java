package dev.turboagents.config;

import com.typesafe.config.Config;
import java.net.URI;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * OpenTelemetry traces ({@code turbo-agents.telemetry}): GenAI spans for model calls, agent runs and
 * tool calls, sent over OTLP/HTTP. Off by default; when on, the collector must be on this machine
 * unless {@code otlp-allow-remote} says otherwise, so no prompt or tool name leaves it by accident.
 * Keys documented in reference.conf.
 *
 * @param enabled whether spans are recorded and exported at all (off: no exporter, no threads)
 * @param otlpEndpoint the collector's OTLP/HTTP base URL; spans go to {@code <endpoint>/v1/traces}
 * @param allowRemote a collector that is not on loopback is accepted
 * @param serviceName the {@code service.name} of the spans' resource
 * @param exportTimeout longest one export (and the flush at shutdown) may take
 */
public record TelemetrySettings(boolean enabled, String otlpEndpoint, boolean allowRemote, String serviceName,
    Duration exportTimeout) {

  private static final String T = "turbo-agents.telemetry.";
  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");

  /** The telemetry settings of a loaded configuration; a wrong value names its key. */
  public static TelemetrySettings of(Settings settings) {
    return of(settings.config());
  }

  /** As {@link #of(Settings)}, from a resolved config (an actor system's). */
  public static TelemetrySettings of(Config config) {
    SettingsReader r = new SettingsReader(config);
    boolean enabled = bool(config, T + "enabled");
    boolean allowRemote = bool(config, T + "otlp-allow-remote");
    String endpoint = r.httpUrl(T + "otlp-endpoint", 4318);
    if (enabled && endpoint.isEmpty()) {
      throw new InvalidSettingException(T + "otlp-endpoint", "must be set when " + T + "enabled is on");
    }
    if (enabled && !allowRemote && !loopback(URI.create(endpoint).getHost())) {
      throw new InvalidSettingException(T + "otlp-endpoint", "is " + endpoint + ", which is not on this machine: "
          + "traces hold prompts' sizes, model and tool names. Point it at a collector on loopback "
          + "(e.g. http://127.0.0.1:4318), or set " + T + "otlp-allow-remote = true to send them there");
    }
    return new TelemetrySettings(enabled, endpoint, allowRemote, r.nonEmpty(T + "service-name"),
        r.positiveDuration(T + "export-timeout"));
  }

  /** {@code localhost}, 127.0.0.0/8 or ::1, decided from the text alone (no name lookup). */
  static boolean loopback(String host) {
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    return h.equalsIgnoreCase("localhost") || IPV4_LOOPBACK.matcher(h).matches() || h.equals("::1")
        || h.equals("0:0:0:0:0:0:0:1");
  }

  private static boolean bool(Config config, String key) {
    try {
      return config.getBoolean(key);
    } catch (com.typesafe.config.ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (com.typesafe.config.ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be true or false, was '" + config.getValue(key).unwrapped() + "'");
    }
  }
}
