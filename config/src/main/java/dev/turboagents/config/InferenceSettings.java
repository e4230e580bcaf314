package dev.turboagents.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The one inference actor per node: its memory budget, queue bounds, concurrency, scheduling knobs,
 * Ollama retry policy and timeouts, its restart backoff, and the per-model options pinned so that
 * Ollama never reloads a model because a client changed them. Keys under
 * {@code turbo-agents.inference}, documented in reference.conf.
 *
 * @param memoryBudget bytes all resident models may use together; empty = derive it from physical
 *     memory times {@code usableMemoryFraction}
 * @param demandWindow how far back the door counts each class's arrivals to forecast the work that will overtake a
 *     waiting request (its estimated start)
 * @param tickInterval how often the door looks at its queue when nothing else happens
 * @param replyMargin how much longer than a request's deadline its caller waits for the door's answer
 * @param pinnedOptions per model name, the options that replace the client's reload options
 * @param defaultOptions the pinned options for a model without its own entry
 * @param loadWithFirstCall a model is loaded by sending it the first request queued for it (Ollama loads it
 *     within that call) instead of an empty load request followed by the call
 * @param loadSeenThreshold a call reporting a longer load_duration was a load the server made on its own
 * @param stallTimeout a running chat or generate that receives no piece of its answer for this long has stalled
 *     (before its first piece, plus the time its prompt may take to read)
 * @param slowestPromptRate the prompt tokens per second the watchdog assumes before it has measured a model's rate
 * @param loadTimeout a load that has not finished after this long (or twice the model's measured load time, if longer) hangs
 * @param watchdogAlarmFor how long the health stays degraded after the watchdog caught a stall or a hung load
 * @param requestHistory how many answered requests the door remembers for GET /api/v1/inference/requests/{id}
 * @param requestHistoryFor how long it remembers each of them
 * @param contextProfiles the few context sizes a model is loaded with, and how a prompt is sized
 * @param modelTime the daily budget of model time per priority class
 */
public record InferenceSettings(
    Optional<Long> memoryBudget,
    double usableMemoryFraction,
    int maxResidentModels,
    int maxQueued,
    int perModelConcurrency,
    int totalConcurrency,
    Duration defaultDeadline,
    Duration agingStep,
    Duration demandWindow,
    Duration maxSwapWait,
    double minResidencyLoads,
    Duration keepAlive,
    Duration reconcileInterval,
    Duration minBackoff,
    Duration maxBackoff,
    int breakerFailures,
    Duration requestTimeout,
    Duration connectTimeout,
    Duration unloadPollInterval,
    Duration unloadConfirmTimeout,
    boolean loadWithFirstCall,
    Duration tickInterval,
    Duration replyMargin,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    double restartRandomFactor,
    Map<String, Object> defaultOptions,
    Map<String, Map<String, Object>> pinnedOptions,
    Duration loadSeenThreshold,
    Duration stallTimeout,
    int slowestPromptRate,
    Duration loadTimeout,
    Duration watchdogAlarmFor,
    int requestHistory,
    Duration requestHistoryFor,
    ContextProfileSettings contextProfiles,
    ModelTimeSettings modelTime) {

  private static final String P = "turbo-agents.inference.";

  static InferenceSettings read(SettingsReader r) {
    String budget = r.string(P + "memory-budget");
    Optional<Long> memoryBudget = budget.isEmpty() ? Optional.empty() : Optional.of(r.positiveBytes(P + "memory-budget"));
    double fraction = fraction(r.config(), P + "usable-memory-fraction");
    Duration minBackoff = r.positiveDuration(P + "min-backoff");
    Duration maxBackoff = r.positiveDuration(P + "max-backoff");
    if (maxBackoff.compareTo(minBackoff) < 0) {
      throw new InvalidSettingException(P + "max-backoff", "must not be shorter than min-backoff (" + minBackoff + ")");
    }
    if (r.config().hasPath(P + "interactive-wait-target")) {
      throw new InvalidSettingException(P + "interactive-wait-target", "is no longer a setting: the door now serves"
          + " interactive work in the order of models that keeps the longest wait of a person shortest; remove it");
    }
    if (r.config().hasPath(P + "reload-options")) {
      throw new InvalidSettingException(P + "reload-options", "is no longer a setting: the daemon knows which options make"
          + " Ollama reload (num_ctx, num_batch, num_gpu, ...) and pins them from default-options and models; remove it");
    }
    Duration restartMin = r.positiveDuration(P + "restart-min-backoff");
    Duration restartMax = r.positiveDuration(P + "restart-max-backoff");
    if (restartMax.compareTo(restartMin) < 0) {
      throw new InvalidSettingException(P + "restart-max-backoff", "must not be shorter than restart-min-backoff (" + restartMin + ")");
    }
    double randomFactor = number(r.config(), P + "restart-random-factor");
    if (randomFactor < 0 || randomFactor > 1) {
      throw new InvalidSettingException(P + "restart-random-factor", "must be between 0 and 1, was " + randomFactor);
    }
    Map<String, Map<String, Object>> perModel = new LinkedHashMap<>();
    ConfigObject models = object(r.config(), P + "models");
    for (String model : models.keySet()) {
      perModel.put(model, options(models.get(model), P + "models.\"" + model + "\""));
    }
    return new InferenceSettings(
        memoryBudget,
        fraction,
        r.intIn(P + "max-resident-models", 1, 64),
        r.intIn(P + "max-queued", 1, 1_000_000),
        r.intIn(P + "per-model-concurrency", 1, 256),
        r.intIn(P + "total-concurrency", 1, 1024),
        r.positiveDuration(P + "default-deadline"),
        r.positiveDuration(P + "aging-step"),
        r.positiveDuration(P + "demand-window"),
        r.positiveDuration(P + "max-swap-wait"),
        nonNegative(r.config(), P + "min-residency-loads"),
        r.positiveDuration(P + "keep-alive"),
        r.positiveDuration(P + "reconcile-interval"),
        minBackoff,
        maxBackoff,
        r.intIn(P + "breaker-failures", 1, 1000),
        r.positiveDuration(P + "request-timeout"),
        r.positiveDuration(P + "connect-timeout"),
        r.positiveDuration(P + "unload-poll-interval"),
        r.positiveDuration(P + "unload-confirm-timeout"),
        r.config().getBoolean(P + "load-with-first-call"),
        r.positiveDuration(P + "tick-interval"),
        r.positiveDuration(P + "reply-margin"),
        restartMin,
        restartMax,
        randomFactor,
        options(object(r.config(), P + "default-options"), P + "default-options"),
        Map.copyOf(perModel),
        r.positiveDuration(P + "load-seen-threshold"),
        r.positiveDuration(P + "stall-timeout"),
        r.intIn(P + "slowest-prompt-rate", 1, 1_000_000),
        r.positiveDuration(P + "load-timeout"),
        r.positiveDuration(P + "watchdog-alarm-for"),
        r.intIn(P + "request-history", 1, 1_000_000),
        r.positiveDuration(P + "request-history-for"),
        ContextProfileSettings.read(r.config(), P),
        ModelTimeSettings.read(r, P));
  }

  /** The options pinned for {@code model}: its own entry, else the defaults. */
  public Map<String, Object> pinnedFor(String model) {
    return pinnedOptions.getOrDefault(model, defaultOptions);
  }

  private static double fraction(Config c, String key) {
    double value = number(c, key);
    if (!(value > 0 && value <= 1)) {
      throw new InvalidSettingException(key, "must be a fraction in (0, 1], was " + value);
    }
    return value;
  }

  private static double nonNegative(Config c, String key) {
    double value = number(c, key);
    if (value < 0) {
      throw new InvalidSettingException(key, "must not be negative, was " + value);
    }
    return value;
  }

  private static double number(Config c, String key) {
    try {
      return c.getDouble(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be a number");
    }
  }

  private static ConfigObject object(Config c, String key) {
    try {
      return c.getObject(key);
    } catch (ConfigException.Missing e) {
      throw new InvalidSettingException(key, "is missing");
    } catch (ConfigException.WrongType e) {
      throw new InvalidSettingException(key, "must be an object of model name -> options");
    }
  }

  private static Map<String, Object> options(ConfigValue value, String key) {
    if (!(value instanceof ConfigObject object)) {
      throw new InvalidSettingException(key, "must be an object of Ollama options such as { num_ctx = 8192 }");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    object.forEach((name, option) -> {
      if (option.valueType() == ConfigValueType.OBJECT || option.valueType() == ConfigValueType.LIST
          || option.valueType() == ConfigValueType.NULL) {
        throw new InvalidSettingException(key + "." + name, "must be a number, boolean or string");
      }
      out.put(name, option.unwrapped());
    });
    return Map.copyOf(out);
  }

}
