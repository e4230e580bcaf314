package dev.turboagents.actors.inference;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The waiting room: bounded, ordered by priority class with aging (a request climbs one class per
 * aging step, so nothing starves), first come first served within a class. Not thread-safe: the
 * inference actor owns it.
 *
 * @param <T> what the caller keeps with each request (who to answer, where to stream)
 */
public final class InferenceQueue<T> {

  /** A waiting request. */
  public record Waiting<T>(String id, InferenceCall call, Priority priority, long enqueuedNanos, long deadlineNanos,
      T attachment) {
    public String model() {
      return call.model();
    }
  }

  private final int capacity;
  private final long agingNanos;
  private final Map<String, Waiting<T>> waiting = new LinkedHashMap<>();

  public InferenceQueue(int capacity, Duration agingStep) {
    this.capacity = capacity;
    this.agingNanos = agingStep.toNanos();
  }

  /** Adds a request; false when the queue is full. */
  public boolean offer(Waiting<T> w) {
    if (waiting.size() >= capacity) {
      return false;
    }
    waiting.put(w.id(), w);
    return true;
  }

  /** Puts back a request that could not run (the server went away); it keeps its place in line. */
  public void putBack(Waiting<T> w) {
    waiting.put(w.id(), w);
  }

  public Optional<Waiting<T>> remove(String id) {
    return Optional.ofNullable(waiting.remove(id));
  }

  public boolean contains(String id) {
    return waiting.containsKey(id);
  }

  public int size() {
    return waiting.size();
  }

  public int capacity() {
    return capacity;
  }

  /** The class a request competes in now: its own, lifted one step per aging step waited. */
  public int effectiveClass(Waiting<?> w, long nowNanos) {
    return effectiveClass(w, nowNanos, agingNanos);
  }

  /** The class {@code w} competes in at {@code nowNanos} with aging steps of {@code agingNanos} (0 = interactive). */
  public static int effectiveClass(Waiting<?> w, long nowNanos, long agingNanos) {
    long steps = (nowNanos - w.enqueuedNanos()) / agingNanos;
    return (int) Math.max(0, w.priority().ordinal() - steps);
  }

  /** Everyone waiting, in the order they should be served. */
  public List<Waiting<T>> ordered(long nowNanos) {
    List<Waiting<T>> all = new ArrayList<>(waiting.values());
    all.sort(Comparator.comparingInt((Waiting<T> w) -> effectiveClass(w, nowNanos))
        .thenComparingLong(Waiting::enqueuedNanos));
    return all;
  }

  /** Removes and returns the requests whose deadline has passed. */
  public List<Waiting<T>> expire(long nowNanos) {
    return removeIf(w -> w.deadlineNanos() <= nowNanos);
  }

  /** Removes and returns the requests {@code test} picks. */
  public List<Waiting<T>> removeIf(Predicate<Waiting<T>> test) {
    List<Waiting<T>> gone = waiting.values().stream().filter(test).toList();
    gone.forEach(w -> waiting.remove(w.id()));
    return gone;
  }
}
