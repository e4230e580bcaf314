package dev.turboagents.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;

/** Reads typed values from a resolved config and turns every failure into one line naming the key. */
public final class SettingsReader {
  private final Config config;

  public SettingsReader(Config config) {
    this.config = config;
  }

  public Config config() {
    return config;
  }

  public String string(String key) {
    try {
      return config.getString(key).trim();
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a string");
    }
  }

  public String nonEmpty(String key) {
    String value = string(key);
    if (value.isEmpty()) {
      throw new InvalidSettingException(key, "must not be empty");
    }
    return value;
  }

  public int intIn(String key, int min, int max) {
    int value;
    try {
      value = config.getInt(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a whole number, was '" + raw(key) + "'");
    }
    if (value < min || value > max) {
      throw new InvalidSettingException(key, "must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  public int port(String key) {
    return intIn(key, 0, 65535);
  }

  public Duration positiveDuration(String key) {
    Duration value;
    try {
      value = config.getDuration(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a duration such as 10s or 500ms, was '" + raw(key) + "'");
    }
    if (value.isNegative() || value.isZero()) {
      throw new InvalidSettingException(key, "must be positive, was " + raw(key));
    }
    return value;
  }

  public long positiveBytes(String key) {
    long value;
    try {
      value = config.getBytes(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.BadValue | ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a size such as 512KiB, 1MiB or 48GiB, was '" + raw(key) + "'");
    }
    if (value <= 0) {
      throw new InvalidSettingException(key, "must be positive, was " + raw(key));
    }
    return value;
  }

  public Path path(String key) {
    String value = nonEmpty(key);
    try {
      return Path.of(value).toAbsolutePath().normalize();
    } catch (RuntimeException e) {
      throw new InvalidSettingException(key, "is not a valid path: " + value);
    }
  }

  /** An http(s) URL; empty when the value is empty. Accepts Ollama's "host" and "host:port" forms. */
  public String httpUrl(String key, int defaultPort) {
    String value = string(key);
    if (value.isEmpty()) {
      return "";
    }
    String withScheme = value.contains("://") ? value : "http://" + value;
    try {
      URI uri = new URI(withScheme);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new InvalidSettingException(key, "must be an http(s) URL such as http://127.0.0.1:" + defaultPort + ", was '" + value + "'");
      }
      int port = uri.getPort() == -1 && !value.contains("://") ? defaultPort : uri.getPort();
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      String stripped = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
      return uri.getScheme() + "://" + uri.getHost() + (port == -1 ? "" : ":" + port) + stripped;
    } catch (URISyntaxException e) {
      throw new InvalidSettingException(key, "is not a valid URL: '" + value + "'");
    }
  }

  private String raw(String key) {
    try {
      return config.getValue(key).unwrapped().toString();
    } catch (ConfigException e) {
      return "?";
    }
  }
}
