package dev.turboagents.actors.inference;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests running on the server now, each with its backend call (to abandon it) and what
 * streamed so far (for the time to first token, and to know whether a retry is still invisible to
 * its caller). Not thread-safe: the inference actor owns it; only the counters are written from
 * the backend's threads.
 *
 * @param <A> what the actor keeps with each request
 */
final class RunningCalls<A> {

  /** One running request. */
  static final class RunningCall<A> {
    final InferenceQueue.Waiting<A> waiting;
    final long startNanos;
    /** Its model is loaded within it (load-with-first-call): its answer takes that load's time longer. */
    final boolean carriesLoad;
    final AtomicLong firstDeltaNanos = new AtomicLong();
    final AtomicInteger deltas = new AtomicInteger();
    /** When the last piece of the answer came (the start until the first): what the watchdog looks at. */
    final AtomicLong lastDeltaNanos;
    private volatile InferenceBackend.Call call;

    RunningCall(InferenceQueue.Waiting<A> waiting, long startNanos) {
      this(waiting, startNanos, false);
    }

    RunningCall(InferenceQueue.Waiting<A> waiting, long startNanos, boolean carriesLoad) {
      this.waiting = waiting;
      this.startNanos = startNanos;
      this.carriesLoad = carriesLoad;
      this.lastDeltaNanos = new AtomicLong(startNanos);
    }

    /** A piece of the answer arrived (any thread). */
    void delta() {
      long now = System.nanoTime();
      firstDeltaNanos.compareAndSet(0, now);
      lastDeltaNanos.set(now);
      deltas.incrementAndGet();
    }

    void call(InferenceBackend.Call call) {
      this.call = call;
    }

    InferenceBackend.Call call() {
      return call;
    }

    void cancel() {
      call.cancel().run();
    }

    String id() {
      return waiting.id();
    }

    String model() {
      return waiting.model();
    }
  }

  private final Map<String, RunningCall<A>> byId = new LinkedHashMap<>();
  private java.util.function.Consumer<RunningCall<A>> ended = r -> {};

  /** {@code ended} is told of every call that leaves (answered, failed, cancelled, expired, abandoned). */
  void onEnd(java.util.function.Consumer<RunningCall<A>> ended) {
    this.ended = ended;
  }

  void add(RunningCall<A> call) {
    byId.put(call.id(), call);
  }

  Optional<RunningCall<A>> remove(String requestId) {
    Optional<RunningCall<A>> gone = Optional.ofNullable(byId.remove(requestId));
    gone.ifPresent(ended);
    return gone;
  }

  /** Removes {@code call} if it is still the running call of its request (not a later run of it). */
  Optional<RunningCall<A>> remove(RunningCall<A> call) {
    return byId.get(call.id()) == call ? remove(call.id()) : Optional.empty();
  }

  /**
   * Removes a call that goes back to the queue to run again later (Ollama evicted its model before it
   * produced anything): it held no model, so the end hook is not told.
   */
  Optional<RunningCall<A>> withdraw(String requestId) {
    return Optional.ofNullable(byId.remove(requestId));
  }

  int size() {
    return byId.size();
  }

  List<RunningCall<A>> all() {
    return List.copyOf(byId.values());
  }

  /** The model of every running request, one entry per request. */
  List<String> models() {
    return byId.values().stream().map(RunningCall::model).toList();
  }

  /** Removes and returns the calls whose deadline passed. */
  List<RunningCall<A>> removeExpired(long nowNanos) {
    List<RunningCall<A>> expired = new ArrayList<>();
    for (RunningCall<A> r : List.copyOf(byId.values())) {
      if (r.waiting.deadlineNanos() <= nowNanos) {
        byId.remove(r.id());
        ended.accept(r);
        expired.add(r);
      }
    }
    return expired;
  }

  /** Removes and returns every call. */
  List<RunningCall<A>> removeAll() {
    List<RunningCall<A>> all = List.copyOf(byId.values());
    byId.clear();
    all.forEach(ended);
    return all;
  }
}
