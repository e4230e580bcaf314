package dev.turboagents.actors.tools.process;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment a configured command sees: the daemon's PATH, its LANG (else C.UTF-8), HOME and
 * TMPDIR pointed at the run's own temporary directory, and only the daemon variables named in
 * {@code allowList}. Nothing else of the daemon's environment (API tokens, NEO4J_PASSWORD, ...)
 * reaches code the agent may have written.
 */
public record ScrubbedEnvironment(Map<String, String> daemonEnvironment, List<String> allowList) {

  private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

  public ScrubbedEnvironment {
    daemonEnvironment = Map.copyOf(daemonEnvironment);
    allowList = List.copyOf(allowList);
  }

  /** The daemon's own environment, filtered by {@code allowList}. */
  public static ScrubbedEnvironment ofDaemon(List<String> allowList) {
    return new ScrubbedEnvironment(System.getenv(), allowList);
  }

  /** The variables of one run whose HOME and TMPDIR is {@code home}. */
  public Map<String, String> forRun(Path home) {
    Map<String, String> env = new TreeMap<>();
    for (String name : allowList) {
      String value = daemonEnvironment.get(name);
      if (value != null) {
        env.put(name, value);
      }
    }
    env.put("PATH", daemonEnvironment.getOrDefault("PATH", DEFAULT_PATH));
    env.put("LANG", daemonEnvironment.getOrDefault("LANG", "C.UTF-8"));
    // after the allow-list: HOME and TMPDIR are never the daemon's, so nothing reads its dotfiles
    env.put("HOME", home.toString());
    env.put("TMPDIR", home.toString());
    return env;
  }
}
