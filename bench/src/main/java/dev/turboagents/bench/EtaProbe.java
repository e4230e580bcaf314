package dev.turboagents.bench;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.actors.inference.RequestState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The door's estimated start of each request (GET /api/v1/inference/requests/{id} asks the same),
 * read while it waits, shortly after it arrived ({@link #look}), against how much longer it really
 * waited, read once it is done ({@link #errors}). The benchmark sends each request with its own
 * {@code X-Turbo-Request-Id} so it can be asked about before its response.
 */
final class EtaProbe {
  /** One request's estimated start minus when it really started, in seconds (simulated when scaled), and its class. */
  record EtaError(Priority priority, double seconds) {}

  private final ActorSystem<?> system;
  private final ActorRef<InferenceActor.Command> door;
  private final Map<String, RequestState.Waiting> seen = new ConcurrentHashMap<>();

  EtaProbe(ActorSystem<?> system, ActorRef<InferenceActor.Command> door) {
    this.system = system;
    this.door = door;
  }

  private RequestState state(String id) throws Exception {
    return AskPattern.<InferenceActor.Command, RequestState>ask(door, to -> new InferenceActor.GetRequest(id, to),
        Duration.ofSeconds(5), system.scheduler()).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Reads {@code id}'s estimate if it is waiting now. */
  void look(String id) {
    try {
      if (state(id) instanceof RequestState.Waiting w) {
        seen.put(id, w);
      }
    } catch (Exception e) {
      System.out.println("  eta probe of " + id + " failed: " + e);
    }
  }

  /** Signed errors, divided by {@code scale} (positive: estimated later than it started). */
  List<EtaError> errors(double scale) throws Exception {
    List<EtaError> out = new ArrayList<>();
    for (var e : seen.entrySet()) {
      if (state(e.getKey()) instanceof RequestState.Done d) {
        long actual = d.waitedMillis() - e.getValue().waitedMillis();
        out.add(new EtaError(e.getValue().priority(), (e.getValue().estimatedStartMillis() - actual) / 1000.0 / scale));
      }
    }
    return out;
  }

  /** One line: how many were seen waiting, |error| p50 and p90, the median signed error; the same per class. */
  static String line(List<EtaError> errors, int requests) {
    double[] abs = errors.stream().mapToDouble(e -> Math.abs(e.seconds())).sorted().toArray();
    double[] signed = errors.stream().mapToDouble(EtaError::seconds).sorted().toArray();
    if (abs.length == 0) {
      return "no request was seen waiting";
    }
    StringBuilder perClass = new StringBuilder();
    for (Priority p : Priority.values()) {
      double[] cls = errors.stream().filter(e -> e.priority() == p).mapToDouble(e -> Math.abs(e.seconds()))
          .sorted().toArray();
      double[] clsSigned = errors.stream().filter(e -> e.priority() == p).mapToDouble(EtaError::seconds)
          .sorted().toArray();
      if (cls.length > 0) {
        perClass.append(String.format(Locale.ROOT, "; %s (%d) p50 %.1f s, p90 %.1f s, median %+.1f s", p.label(),
            cls.length, at(cls, 0.5), at(cls, 0.9), at(clsSigned, 0.5)));
      }
    }
    return String.format(Locale.ROOT, "%d of %d requests seen waiting: |error| p50 %.1f s, p90 %.1f s; median error %+.1f s"
        + " (+ = estimated later than it started)%s", abs.length, requests, at(abs, 0.5), at(abs, 0.9), at(signed, 0.5),
        perClass);
  }

  private static double at(double[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
