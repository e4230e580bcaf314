package dev.turboagents.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import java.nio.file.Path;
import java.util.Map;

/**
 * Every setting of the daemon, typed and validated. Built once at start; a wrong value fails the
 * start with an {@link InvalidSettingException} that names the key.
 *
 * @param config the resolved configuration the settings came from, including the Pekko section
 *     with the journal and snapshot directories pointed under {@code dataDir}
 */
public record Settings(Path dataDir, DaemonSettings daemon, HttpSettings http, TrackerSettings tracker,
    ExternalServices services, GraphSettings graph, InferenceSettings inference, ToolSettings tools, Config config) {

  /** Loads reference.conf, application.conf, system properties and environment, then {@code overrides}. */
  public static Settings load(Map<String, ?> overrides) {
    Config layered;
    try {
      Config unresolved = ConfigFactory.defaultOverrides()
          .withFallback(ConfigFactory.parseMap(overrides, "command-line flags"))
          .withFallback(ConfigFactory.defaultApplication(ConfigParseOptions.defaults()))
          .withFallback(ConfigFactory.defaultReferenceUnresolved());
      layered = unresolved.resolve(ConfigResolveOptions.defaults());
    } catch (ConfigException e) {
      throw new InvalidSettingException(e.origin() == null ? "configuration" : e.origin().description(), e.getMessage());
    }
    return from(layered);
  }

  /** Validates an already resolved config. */
  public static Settings from(Config config) {
    SettingsReader r = new SettingsReader(config);
    Path dataDir = r.path("turbo-agents.data-dir");
    Config pekko = ConfigFactory.parseMap(pekkoOverrides(dataDir), "turbo-agents (Settings.pekkoOverrides)");
    return new Settings(
        dataDir,
        DaemonSettings.read(r),
        HttpSettings.read(r),
        TrackerSettings.read(r),
        ExternalServices.read(r),
        GraphSettings.read(r),
        InferenceSettings.read(r),
        ToolSettings.read(r),
        pekko.withFallback(config));
  }

  /**
   * The Pekko keys the daemon relies on. They are set here, over every reference.conf, because
   * Pekko's own reference.conf defines the same keys (an empty journal plugin, native LevelDB, the
   * default logger) and which reference.conf wins depends on the order of the classpath.
   */
  static Map<String, Object> pekkoOverrides(Path dataDir) {
    return Map.ofEntries(
        Map.entry("pekko.persistence.journal.plugin", "pekko.persistence.journal.leveldb"),
        Map.entry("pekko.persistence.journal.leveldb.dir", dataDir.resolve("journal").toString()),
        // iq80 LevelDB, pure Java: leveldbjni has no arm64 build for Apple Silicon.
        Map.entry("pekko.persistence.journal.leveldb.native", "off"),
        // every acknowledged write reaches the disk before the reply
        Map.entry("pekko.persistence.journal.leveldb.fsync", "on"),
        Map.entry("pekko.persistence.journal.auto-start-journals", java.util.List.of("pekko.persistence.journal.leveldb")),
        Map.entry("pekko.persistence.snapshot-store.plugin", "pekko.persistence.snapshot-store.local"),
        Map.entry("pekko.persistence.snapshot-store.local.dir", dataDir.resolve("snapshots").toString()),
        Map.entry("pekko.persistence.snapshot-store.auto-start-snapshot-stores",
            java.util.List.of("pekko.persistence.snapshot-store.local")),
        Map.entry("pekko.loggers", java.util.List.of("org.apache.pekko.event.slf4j.Slf4jLogger")),
        Map.entry("pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"),
        // timers that sleep until they are due, not a 10 ms tick that wakes an idle daemon 100 times a second
        Map.entry("pekko.scheduler.implementation", "dev.turboagents.persistence.DeadlineScheduler"));
  }

  /** Settings for a test: everything default except the data directory and {@code overrides}. */
  public static Settings forTest(Path dataDir, Map<String, ?> overrides) {
    Map<String, Object> all = new java.util.HashMap<>(overrides);
    all.put("turbo-agents.data-dir", dataDir.toString());
    all.putIfAbsent("turbo-agents.http.port", 0);
    return load(all);
  }
}
