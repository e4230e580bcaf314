package dev.turboagents.actors.inference;

import dev.turboagents.actors.inference.InferenceActor.Chunk;
import dev.turboagents.actors.inference.InferenceActor.Command;
import dev.turboagents.actors.inference.InferenceActor.Failed;
import dev.turboagents.actors.inference.InferenceActor.Failure;
import dev.turboagents.actors.inference.InferenceActor.Reply;
import dev.turboagents.actors.inference.InferenceActor.Submit;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Every request the door holds, and the one place they are answered: waiting in the queue, running
 * on the server, or held back until the model list is fresh. Each gets exactly one reply (and its
 * stream one {@link InferenceActor.End}); a streaming caller is watched, so a client that goes away
 * frees its place. Counts what completed and what failed. Not thread-safe: the inference actor owns
 * it and calls it on its own thread.
 */
final class HeldRequests {

  /** Who waits for a request's answer; {@code failFast}: refused rather than kept waiting while the breaker is open. */
  record Asker(ActorRef<Reply> replyTo, Optional<ActorRef<Chunk>> stream, boolean failFast) {}

  /** A request held back until the model list is fresh (its model was not in the last one). */
  record Pending(Submit submit, long receivedNanos) {}

  private final ActorContext<Command> context;
  private final InferenceQueue<Asker> queue;
  private final RunningCalls<Asker> running = new RunningCalls<>();
  private final RequestHistory history;
  private final Map<String, Pending> pending = new LinkedHashMap<>();
  private final RequestSpans spans;
  private long completed = 0;
  private long failed = 0;

  HeldRequests(ActorContext<Command> context, int maxQueued, Duration agingStep, RequestHistory history,
      RequestSpans spans) {
    this.context = context;
    this.history = history;
    this.spans = spans;
    this.queue = new InferenceQueue<>(maxQueued, agingStep);
  }

  InferenceQueue<Asker> queue() {
    return queue;
  }

  RunningCalls<Asker> running() {
    return running;
  }

  long completed() {
    return completed;
  }

  long failed() {
    return failed;
  }

  /**
   * Queues {@code s}, its call as the door will send it, until {@code deadlineNanos}; a full queue
   * refuses it at once (BUSY). A stream's end is watched: {@code gone} tells the actor it went away.
   */
  boolean enqueue(Submit s, InferenceCall call, long receivedNanos, long deadlineNanos, Function<String, Command> gone) {
    var waiting = new InferenceQueue.Waiting<>(s.requestId(), call, s.priority(), receivedNanos, deadlineNanos,
        new Asker(s.replyTo(), s.stream(), s.failFast()));
    if (!queue.offer(waiting)) {
      refuse(s, failure(s.requestId(), Failure.BUSY, "the inference queue is full (" + queue.capacity()
          + " waiting); try again later"));
      return false;
    }
    s.stream().ifPresent(sink -> context.watchWith(sink, gone.apply(s.requestId())));
    return true;
  }

  void holdBack(Submit s, long receivedNanos) {
    pending.put(s.requestId(), new Pending(s, receivedNanos));
  }

  /** The request held back as {@code requestId}; empty when it was answered meanwhile. */
  Optional<Pending> takeBack(String requestId) {
    return Optional.ofNullable(pending.remove(requestId));
  }

  /** Whether a request {@code requestId} is held now (waiting, running or held back). */
  boolean holds(String requestId) {
    return pending.containsKey(requestId) || queue.contains(requestId)
        || running.all().stream().anyMatch(r -> r.id().equals(requestId));
  }

  /** The request held back as {@code requestId}, left where it is. */
  Optional<Pending> heldBack(String requestId) {
    return Optional.ofNullable(pending.get(requestId));
  }

  /** Takes a queued request out to run it. */
  InferenceQueue.Waiting<Asker> take(String requestId) {
    return queue.remove(requestId).orElseThrow();
  }

  /** Answers CANCELLED (and abandons the call if it runs); false when no such request is held. */
  boolean cancel(String requestId, String why) {
    Optional<InferenceQueue.Waiting<Asker>> waiting = queue.remove(requestId);
    if (waiting.isPresent()) {
      answer(waiting.get(), failure(requestId, Failure.CANCELLED, why));
      return true;
    }
    Optional<RunningCalls.RunningCall<Asker>> call = running.remove(requestId);
    call.ifPresent(c -> {
      c.cancel();
      answer(c.waiting, failure(requestId, Failure.CANCELLED, why));
    });
    Optional<Pending> held = call.isPresent() ? Optional.empty() : takeBack(requestId);
    held.ifPresent(p -> refuse(p.submit(), failure(requestId, Failure.CANCELLED, why)));
    return call.isPresent() || held.isPresent();
  }

  /** Answers DEADLINE to every request whose deadline passed, waiting ({@code waitReasons} say why) or running. */
  void expire(long now, Map<String, String> waitReasons) {
    for (var w : queue.expire(now)) {
      answer(w, failure(w.id(), Failure.DEADLINE, "deadline passed after waiting " + millis(now - w.enqueuedNanos())
          + " ms in the queue (" + waitReasons.getOrDefault(w.model(), "waiting") + ")"));
    }
    for (var r : running.removeExpired(now)) {
      r.cancel();
      answer(r.waiting, failure(r.id(), Failure.DEADLINE, "deadline passed while " + r.model()
          + " was answering (after " + millis(now - r.startNanos) + " ms)"));
    }
  }

  /**
   * A call the server dropped (unreachable, timed out, stream broken): if nothing of it reached a
   * streaming caller it goes back to its place in the queue and runs again, else it is answered
   * BROKEN_STREAM.
   */
  void retryUnlessSeen(RunningCalls.RunningCall<Asker> r, BackendException e) {
    boolean seen = r.waiting.attachment().stream().isPresent()
        && (e.kind() == BackendException.Kind.BROKEN_STREAM || r.deltas.get() > 0);
    if (seen) {
      answer(r.waiting, failure(r.id(), Failure.BROKEN_STREAM, e.getMessage() + "; the answer was cut off, ask again"));
    } else {
      queue.putBack(r.waiting);
    }
  }

  /**
   * Takes the running call {@code requestId} back from the server and queues it again in its old
   * place (class, age, arrival and deadline kept); its caller sees nothing. False when it no longer runs.
   */
  boolean requeue(String requestId) {
    Optional<RunningCalls.RunningCall<Asker>> call = running.withdraw(requestId);
    call.ifPresent(c -> {
      c.cancel();
      queue.putBack(c.waiting);
    });
    return call.isPresent();
  }

  /** Answers every queued request {@code which} picks with the failure {@code why} gives it. */
  void failQueued(Predicate<InferenceQueue.Waiting<Asker>> which, Function<InferenceQueue.Waiting<Asker>, Failed> why) {
    queue.removeIf(which).forEach(w -> answer(w, why.apply(w)));
  }

  /** Abandons every call and answers every request held with INTERRUPTED, {@code why}. */
  void releaseAll(String why) {
    String message = why + "; ask again";
    for (var r : running.removeAll()) {
      r.cancel();
      answer(r.waiting, failure(r.id(), Failure.INTERRUPTED, message));
    }
    failQueued(w -> true, w -> failure(w.id(), Failure.INTERRUPTED, message));
    List.copyOf(pending.values()).forEach(p -> refuse(p.submit(), failure(p.submit().requestId(), Failure.INTERRUPTED, message)));
    pending.clear();
  }

  /** The one reply of a request that was queued: to its stream, then to its asker. */
  void answer(InferenceQueue.Waiting<Asker> w, Reply reply) {
    count(reply);
    history.answered(w.id(), w.model(), w.priority(), w.enqueuedNanos(), reply, System.nanoTime());
    w.attachment().stream().ifPresent(s -> {
      context.unwatch(s);
      s.tell(new InferenceActor.End(reply));
    });
    w.attachment().replyTo().tell(reply);
  }

  /** The one reply of a request that never got into the queue. */
  void refuse(Submit s, Reply reply) {
    count(reply);
    long now = System.nanoTime();
    history.answered(s.requestId(), s.call().model(), s.priority(), now, reply, now);
    s.stream().ifPresent(sink -> sink.tell(new InferenceActor.End(reply)));
    s.replyTo().tell(reply);
  }

  static Failed failure(String requestId, Failure failure, String message) {
    return new Failed(requestId, failure, message, List.of());
  }

  private void count(Reply reply) {
    spans.answered(reply);
    if (reply instanceof Failed) {
      failed++;
    } else {
      completed++;
    }
  }

  private static long millis(long nanos) {
    return nanos / 1_000_000;
  }
}
