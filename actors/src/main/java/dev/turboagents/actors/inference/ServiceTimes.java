package dev.turboagents.actors.inference;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * What the door has measured: per model, how long a load takes, how long a request takes and how
 * long a token takes, how long a prompt token takes to read; over all calls, the time to the first token and the tokens per second the
 * server reports. Every figure is smoothed the same way, an exponentially weighted moving average
 * in which a new sample weighs {@value #NEW_SAMPLE_WEIGHT} (the first sample is taken as it is), so
 * one slow call moves an estimate a quarter of the way. Immutable.
 */
public record ServiceTimes(Map<String, Long> loadNanos, Map<String, Long> serviceNanos, Map<String, Long> nanosPerToken,
    Map<String, Long> nanosPerPromptToken, Optional<Double> timeToFirstTokenMillis, Optional<Double> tokensPerSecond) {

  /** The weight of a new sample in every smoothed figure. */
  public static final double NEW_SAMPLE_WEIGHT = 0.25;

  /** A load with no measurement of any model to scale from is taken to last this long. */
  public static final double UNMEASURED_LOAD_NANOS = 1e9;

  public static final ServiceTimes NONE = new ServiceTimes(Map.of(), Map.of(), Map.of(), Map.of(), Optional.empty(),
      Optional.empty());

  public ServiceTimes {
    loadNanos = Collections.unmodifiableMap(new LinkedHashMap<>(loadNanos));
    serviceNanos = Collections.unmodifiableMap(new LinkedHashMap<>(serviceNanos));
    nanosPerToken = Collections.unmodifiableMap(new LinkedHashMap<>(nanosPerToken));
    nanosPerPromptToken = Collections.unmodifiableMap(new LinkedHashMap<>(nanosPerPromptToken));
  }

  /** A load of {@code model} took {@code nanos}. */
  public ServiceTimes withLoad(String model, long nanos) {
    return new ServiceTimes(smoothed(loadNanos, model, nanos), serviceNanos, nanosPerToken, nanosPerPromptToken,
        timeToFirstTokenMillis, tokensPerSecond);
  }

  /** A request on {@code model} took {@code nanos} for {@code tokens} generated tokens (0: an embedding, say). */
  public ServiceTimes withService(String model, long nanos, int tokens) {
    return new ServiceTimes(loadNanos, smoothed(serviceNanos, model, nanos),
        tokens > 0 ? smoothed(nanosPerToken, model, nanos / tokens) : nanosPerToken, nanosPerPromptToken,
        timeToFirstTokenMillis, tokensPerSecond);
  }

  /**
   * A call on {@code model} finished after {@code nanos}, its first piece {@code firstPieceNanos} after
   * it started (0 = nothing streamed), with the figures the server reported.
   */
  public ServiceTimes afterCall(String model, long nanos, long firstPieceNanos, Timings timings) {
    ServiceTimes out = withService(model, nanos, timings.evalCount());
    if (firstPieceNanos > 0) {
      out = out.withFirstToken(firstPieceNanos / 1e6);
    }
    if (timings.evalNanos() > 0 && timings.evalCount() > 0) {
      out = out.withRate(timings.evalCount() / (timings.evalNanos() / 1e9));
    }
    if (timings.promptEvalNanos() > 0 && timings.promptEvalCount() > 0) {
      out = new ServiceTimes(out.loadNanos, out.serviceNanos, out.nanosPerToken, smoothed(out.nanosPerPromptToken, model,
          timings.promptEvalNanos() / timings.promptEvalCount()), out.timeToFirstTokenMillis, out.tokensPerSecond);
    }
    return out;
  }

  /** The first piece of an answer came {@code millis} after its call started. */
  public ServiceTimes withFirstToken(double millis) {
    return new ServiceTimes(loadNanos, serviceNanos, nanosPerToken, nanosPerPromptToken,
        Optional.of(smoothed(timeToFirstTokenMillis, millis)), tokensPerSecond);
  }

  /** The server reported {@code rate} tokens per second of generation. */
  public ServiceTimes withRate(double rate) {
    return new ServiceTimes(loadNanos, serviceNanos, nanosPerToken, nanosPerPromptToken, timeToFirstTokenMillis,
        Optional.of(smoothed(tokensPerSecond, rate)));
  }

  public Optional<Long> load(String model) {
    return Optional.ofNullable(loadNanos.get(model));
  }

  /**
   * How long a load of {@code model} is expected to take: as measured; for a model not measured yet,
   * scaled by size ({@code bytes}: what a model takes resident) from the models that were (load time
   * grows with size); with none measured, {@link #UNMEASURED_LOAD_NANOS}.
   */
  public double expectedLoadNanos(String model, ToLongFunction<String> bytes) {
    Long measured = loadNanos.get(model);
    if (measured != null) {
      return measured;
    }
    double perByte = perByte(loadNanos, bytes);
    long size = bytes.applyAsLong(model);
    return perByte > 0 && size > 0 ? perByte * size : UNMEASURED_LOAD_NANOS;
  }

  /**
   * How long a call on {@code model} is expected to take: as measured; for a model not measured yet,
   * the average of the models that were; with none measured, as long as its load
   * ({@link #expectedLoadNanos}): the door's policy and its plan cost a call the same way.
   */
  public double expectedServiceNanos(String model, ToLongFunction<String> bytes) {
    Long measured = serviceNanos.get(model);
    if (measured != null) {
      return measured;
    }
    return serviceNanos.values().stream().mapToLong(Long::longValue).average()
        .orElseGet(() -> expectedLoadNanos(model, bytes));
  }

  /** Nanoseconds per resident byte ({@code bytes}) over the models measured in {@code perModel}; 0 when none is. */
  static double perByte(Map<String, Long> perModel, ToLongFunction<String> bytes) {
    double nanos = 0;
    double size = 0;
    for (var e : perModel.entrySet()) {
      nanos += e.getValue();
      size += bytes.applyAsLong(e.getKey());
    }
    return size > 0 ? nanos / size : 0;
  }

  public Optional<Long> service(String model) {
    return Optional.ofNullable(serviceNanos.get(model));
  }

  public Optional<Long> perToken(String model) {
    return Optional.ofNullable(nanosPerToken.get(model));
  }

  /** How long {@code model} takes to read a prompt token (Ollama's prompt_eval figures), once measured. */
  public Optional<Long> perPromptToken(String model) {
    return Optional.ofNullable(nanosPerPromptToken.get(model));
  }

  private static Map<String, Long> smoothed(Map<String, Long> figures, String model, long sample) {
    Map<String, Long> out = new LinkedHashMap<>(figures);
    out.merge(model, sample, ServiceTimes::smoothed);
    return out;
  }

  /** {@code old} moved by one new {@code sample}: the smoothing of every figure here. */
  static long smoothed(long old, long sample) {
    return Math.round(old * (1 - NEW_SAMPLE_WEIGHT) + sample * NEW_SAMPLE_WEIGHT);
  }

  private static double smoothed(Optional<Double> old, double sample) {
    return old.map(o -> o * (1 - NEW_SAMPLE_WEIGHT) + sample * NEW_SAMPLE_WEIGHT).orElse(sample);
  }
}
