package dev.turboagents.actors.inference;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;

/**
 * How much model time each priority class brings per second of wall time: its arrivals over the
 * last {@code window} times its smoothed service time. The estimated start of a waiting request
 * counts, with it, the work expected to overtake the request: requests of higher classes that are
 * still to arrive. Until the door has seen {@code window / 10} of traffic it spreads what it saw
 * over that much time, so the first few arrivals do not read as a flood. The inference actor's own
 * (mutable, one thread; {@link #load} only reads).
 */
final class ClassDemand {
  private final long windowNanos;
  private final Map<Priority, Deque<Long>> arrivals = new EnumMap<>(Priority.class);
  private final Map<Priority, Long> serviceNanos = new EnumMap<>(Priority.class);
  private long firstArrivalNanos = Long.MIN_VALUE;

  ClassDemand(long windowNanos) {
    this.windowNanos = windowNanos;
    for (Priority p : Priority.values()) {
      arrivals.put(p, new ArrayDeque<>());
    }
  }

  /** A request of class {@code p} arrived at {@code now}. */
  void arrived(Priority p, long now) {
    if (firstArrivalNanos == Long.MIN_VALUE) {
      firstArrivalNanos = now;
    }
    arrivals.get(p).addLast(now);
    forgetBefore(now - windowNanos);
  }

  /** A call of class {@code p} held the model for {@code nanos}. */
  void served(Priority p, long nanos) {
    serviceNanos.merge(p, nanos, ServiceTimes::smoothed);
  }

  /**
   * Model time per wall second that class {@code p} brings (0.5: half a model's time), at
   * {@code now}; a class whose calls were never served is costed at {@code fallbackServiceNanos}.
   */
  double load(Priority p, long now, OptionalLong fallbackServiceNanos) {
    long count = arrivals.get(p).stream().filter(t -> t >= now - windowNanos).count();
    if (count == 0) {
      return 0;
    }
    long span = Math.max(Math.min(windowNanos, now - firstArrivalNanos), windowNanos / 10);
    long service = serviceNanos.containsKey(p) ? serviceNanos.get(p) : fallbackServiceNanos.orElse(0);
    return count * (double) service / span;
  }

  /**
   * How long the traffic now in the window has been going on: from its oldest arrival to
   * {@code now} (0 when nothing arrived within the window). A forecast expects the traffic to go on
   * about as long again: seen for a minute, it is as likely to stop within the next minute as not.
   */
  long observedNanos(long now) {
    long oldest = arrivals.values().stream().flatMap(Deque::stream).filter(t -> t >= now - windowNanos)
        .mapToLong(Long::longValue).min().orElse(now);
    return now - oldest;
  }

  private void forgetBefore(long cutoff) {
    arrivals.values().forEach(q -> {
      while (!q.isEmpty() && q.peekFirst() < cutoff) {
        q.removeFirst();
      }
    });
  }
}
