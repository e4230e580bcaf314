package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daily budget of model time per priority class: how long calls of each class may hold the
 * model in one day, the day ending at midnight in {@code zone}. Keys
 * {@code turbo-agents.inference.daily-model-time.{interactive,agent,background}} ({@code off} or a
 * duration) and {@code turbo-agents.inference.daily-model-time-zone}.
 *
 * @param budgets per class label (interactive, agent, background), its budget; empty = unlimited
 * @param zone where a day begins and ends
 */
public record ModelTimeSettings(Map<String, Optional<Duration>> budgets, ZoneId zone) {

  /** The priority classes, by the labels the door and its header use. */
  public static final List<String> CLASSES = List.of("interactive", "agent", "background");

  /** No budget for any class, the day in UTC. */
  public static final ModelTimeSettings UNLIMITED = new ModelTimeSettings(
      Map.of("interactive", Optional.empty(), "agent", Optional.empty(), "background", Optional.empty()), ZoneId.of("UTC"));

  /** The budget of {@code label}; empty = unlimited. */
  public Optional<Duration> budget(String label) {
    return budgets.getOrDefault(label, Optional.empty());
  }

  static ModelTimeSettings read(SettingsReader r, String prefix) {
    String key = prefix + "daily-model-time";
    com.typesafe.config.ConfigObject object;
    try {
      object = r.config().getObject(key);
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be an object such as { interactive = off, agent = off, background = 2h }");
    }
    for (String name : object.keySet()) {
      if (!CLASSES.contains(name)) {
        throw new InvalidSettingException(key + "." + name, "is not a priority class: the classes are " + CLASSES);
      }
    }
    Map<String, Optional<Duration>> budgets = new LinkedHashMap<>();
    for (String label : CLASSES) {
      budgets.put(label, budget(r, key + "." + label, object.get(label)));
    }
    String zoneKey = prefix + "daily-model-time-zone";
    ZoneId zone;
    try {
      zone = ZoneId.of(r.nonEmpty(zoneKey));
    } catch (DateTimeException e) {
      throw new InvalidSettingException(zoneKey, "must be a time zone such as UTC or Europe/Berlin, was '"
          + r.string(zoneKey) + "'");
    }
    return new ModelTimeSettings(Map.copyOf(budgets), zone);
  }

  private static Optional<Duration> budget(SettingsReader r, String key, ConfigValue value) {
    if (value == null) {
      throw new InvalidSettingException(key, "is missing (off, or a duration such as 2h)");
    }
    if (value.valueType() == ConfigValueType.BOOLEAN && !((Boolean) value.unwrapped())
        || value.valueType() == ConfigValueType.STRING && "off".equalsIgnoreCase(((String) value.unwrapped()).trim())) {
      return Optional.empty();
    }
    try {
      Duration d = r.config().getDuration(key);
      if (d.isNegative() || d.isZero()) {
        throw new InvalidSettingException(key, "must be off or a positive duration such as 2h, was '" + value.unwrapped() + "'");
      }
      return Optional.of(d);
    } catch (ConfigException e) {
      throw new InvalidSettingException(key, "must be off or a duration such as 2h or 90m, was '" + value.unwrapped() + "'");
    }
  }
}
