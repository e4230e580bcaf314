package dev.turboagents.config;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The agents' runtime ({@code turbo-agents.agents}): each agent's model, how tool calls are asked
 * of a model when the door's capabilities should not decide, the default budget of a job, and the
 * coordinator's limits. Keys documented in reference.conf.
 *
 * @param models agent name (code, review, issue, chat) to the model it asks
 * @param toolCalling model name to a forced mode: native-tools, schema-constrained or plain
 * @param maxConcurrentJobs jobs that run at once; the others wait queued
 * @param repairAttempts invalid answers in a row a job survives (each gets a correction)
 * @param loopLimit the same tool call this many times in a row stops a job as a loop
 * @param answerTokens tokens kept free in the window for the model's answer
 * @param modelCallTimeout longest one model call may take, waiting included (within the job's wall time)
 * @param waitCheck how often a job waiting on the model door looks whether the door is down
 * @param askTimeout asks to a job's entity and the coordinator
 * @param serviceTimeout longest a tool waits on the tracker, the graph or the code index
 * @param toolTimeout longest a tool call may take (above the test and lint timeouts)
 * @param eventKeepAlive how often an idle job event stream sends a heartbeat
 * @param indexStashCapacity job listings the job index holds while it replays the journal
 * @param indexMinBackoff first wait before a failed job index is restarted (it doubles up to {@code indexMaxBackoff})
 * @param indexReplayTimeout longest the coordinator waits at start for the job index to replay the journal
 * @param promptDirectory where templates override the built-in ones ({@code <name>.txt}); empty = {@code <data-dir>/prompts}
 */
public record AgentSettings(Map<String, String> models, Map<String, String> toolCalling, int maxSteps,
    Duration maxWallTime, long maxTokens, int maxConcurrentJobs, int repairAttempts, int loopLimit, int answerTokens,
    Duration modelCallTimeout, Duration waitCheck, Duration askTimeout, Duration serviceTimeout, Duration toolTimeout,
    Duration toolMinBackoff, Duration toolMaxBackoff, int snapshotEvery, Optional<java.nio.file.Path> promptDirectory,
    Duration eventKeepAlive, int indexStashCapacity, Duration indexMinBackoff, Duration indexMaxBackoff,
    Duration indexReplayTimeout) {

  private static final String A = "turbo-agents.agents.";
  private static final Set<String> MODES = Set.of("native-tools", "schema-constrained", "plain");

  /** The agents' settings of a loaded configuration; a wrong value names its key. */
  public static AgentSettings of(Settings settings) {
    return read(new SettingsReader(settings.config()));
  }

  static AgentSettings read(SettingsReader r) {
    Map<String, String> models = new LinkedHashMap<>();
    for (String agent : new String[] {"code", "review", "issue", "chat"}) {
      models.put(agent, r.nonEmpty(A + agent + "-model"));
    }
    Map<String, String> modes = new LinkedHashMap<>();
    try {
      for (Map.Entry<String, ConfigValue> e : r.config().getObject(A + "tool-calling").entrySet()) {
        String mode = String.valueOf(e.getValue().unwrapped());
        if (!MODES.contains(mode)) {
          throw new InvalidSettingException(A + "tool-calling.\"" + e.getKey() + "\"",
              "must be native-tools, schema-constrained or plain, was '" + mode + "'");
        }
        modes.put(e.getKey(), mode);
      }
    } catch (ConfigException.Missing | ConfigException.WrongType e) {
      throw new InvalidSettingException(A + "tool-calling", "must be an object of model = mode");
    }
    String prompts = r.string(A + "prompt-directory");
    return new AgentSettings(Map.copyOf(models), Map.copyOf(modes),
        r.intIn(A + "max-steps", 1, 10_000),
        r.positiveDuration(A + "max-wall-time"),
        r.intIn(A + "max-tokens", 1, Integer.MAX_VALUE),
        r.intIn(A + "max-concurrent-jobs", 1, 1000),
        r.intIn(A + "repair-attempts", 0, 100),
        r.intIn(A + "loop-limit", 2, 100),
        r.intIn(A + "answer-tokens", 16, 1_000_000),
        r.positiveDuration(A + "model-call-timeout"),
        r.positiveDuration(A + "wait-check"),
        r.positiveDuration(A + "ask-timeout"),
        r.positiveDuration(A + "service-timeout"),
        r.positiveDuration(A + "tool-timeout"),
        r.positiveDuration(A + "tool-min-backoff"),
        r.positiveDuration(A + "tool-max-backoff"),
        r.intIn(A + "snapshot-every", 1, 1_000_000),
        prompts.isEmpty() ? Optional.empty() : Optional.of(r.path(A + "prompt-directory")),
        r.positiveDuration(A + "event-keep-alive"),
        r.intIn(A + "index-stash-capacity", 1, 1_000_000),
        r.positiveDuration(A + "index-min-backoff"),
        r.positiveDuration(A + "index-max-backoff"),
        r.positiveDuration(A + "index-replay-timeout"));
  }

  public String model(String agent) {
    return models.get(agent);
  }
}
