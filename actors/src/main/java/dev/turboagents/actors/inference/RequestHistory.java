package dev.turboagents.actors.inference;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The requests the door answered, remembered for {@code request-history-for} and at most
 * {@code request-history} of them (the oldest forgotten first), so a client can still ask how long
 * its request waited and ran; and when each running request started. Not thread-safe: the
 * inference actor owns it.
 */
final class RequestHistory {

  private record Remembered(RequestState.Done done, long atNanos) {}

  private final int capacity;
  private final long keepNanos;
  private final Map<String, Long> started = new HashMap<>();
  private final LinkedHashMap<String, Remembered> done = new LinkedHashMap<>();

  RequestHistory(int capacity, Duration keepFor) {
    this.capacity = capacity;
    this.keepNanos = keepFor.toNanos();
  }

  /** {@code requestId} starts running now. */
  void started(String requestId, long nowNanos) {
    started.put(requestId, nowNanos);
  }

  /** The request was answered at {@code nowNanos}; {@code enqueuedNanos} when it was received. */
  void answered(String requestId, String model, Priority priority, long enqueuedNanos, InferenceActor.Reply reply,
      long nowNanos) {
    Long start = started.remove(requestId);
    long waited = (start == null ? nowNanos : start) - enqueuedNanos;
    long ran = start == null ? 0 : nowNanos - start;
    String outcome = reply instanceof InferenceActor.Failed f ? f.failure().name().toLowerCase(java.util.Locale.ROOT)
        : "completed";
    String message = reply instanceof InferenceActor.Failed f ? f.message() : "";
    done.remove(requestId);
    done.put(requestId, new Remembered(new RequestState.Done(requestId, model, priority, Math.max(0, waited) / 1_000_000,
        ran / 1_000_000, outcome, message), nowNanos));
    forget(nowNanos);
  }

  Optional<RequestState.Done> find(String requestId, long nowNanos) {
    forget(nowNanos);
    return Optional.ofNullable(done.get(requestId)).map(Remembered::done);
  }

  private void forget(long nowNanos) {
    Iterator<Remembered> oldest = done.values().iterator();
    while (oldest.hasNext()) {
      Remembered r = oldest.next();
      if (done.size() > capacity || nowNanos - r.atNanos() > keepNanos) {
        oldest.remove();
      } else {
        break;
      }
    }
  }
}
