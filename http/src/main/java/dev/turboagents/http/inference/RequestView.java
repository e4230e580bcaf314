package dev.turboagents.http.inference;

import dev.turboagents.actors.inference.RequestState;
import java.util.Optional;

/**
 * {@code GET /api/v1/inference/requests/{id}} as the API promises it (snake_case on the wire, see
 * the OpenAPI document): {@code state} waiting, running or done; what applies to that state is
 * present, the rest absent.
 *
 * @param position 1 = next, while waiting
 * @param estimatedStartMillis from now, from the measured load and service times, while waiting
 * @param reason why it waits, in words, while waiting
 * @param waitedMillis how long it waited (so far, while waiting)
 * @param ranMillis how long it ran (so far, while running); 0 when it never ran
 * @param outcome completed or the failure (busy, deadline, stalled, ...) once done
 */
public record RequestView(String requestId, String state, String model, String priority, Optional<Integer> position,
    Optional<Long> estimatedStartMillis, Optional<String> reason, long waitedMillis, Optional<Long> ranMillis,
    Optional<String> outcome, Optional<String> message) {

  /** The same view with another waited time (to tell whether anything else changed). */
  RequestView withWaited(long millis) {
    return new RequestView(requestId, state, model, priority, position, estimatedStartMillis, reason, millis, ranMillis,
        outcome, message);
  }

  /** The view of a known request (not {@link RequestState.Unknown}). */
  public static RequestView of(RequestState s) {
    return switch (s) {
      case RequestState.Waiting w -> new RequestView(w.requestId(), "waiting", w.model(), w.priority().name(),
          Optional.of(w.position()), Optional.of(w.estimatedStartMillis()), Optional.of(w.reason()), w.waitedMillis(),
          Optional.empty(), Optional.empty(), Optional.empty());
      case RequestState.Running r -> new RequestView(r.requestId(), "running", r.model(), r.priority().name(),
          Optional.empty(), Optional.empty(), Optional.empty(), r.waitedMillis(), Optional.of(r.runningMillis()),
          Optional.empty(), Optional.empty());
      case RequestState.Done d -> new RequestView(d.requestId(), "done", d.model(), d.priority().name(), Optional.empty(),
          Optional.empty(), Optional.empty(), d.waitedMillis(), Optional.of(d.ranMillis()), Optional.of(d.outcome()),
          d.message().isEmpty() ? Optional.empty() : Optional.of(d.message()));
      case RequestState.Unknown u -> throw new IllegalArgumentException("no view of an unknown request " + u.requestId());
    };
  }
}
