package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.BackendHealth;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.telemetry.GenAiSpans;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.ModelListings;
import dev.turboagents.actors.inference.Priority;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * A runner's blocking view of the inference door: a chat at priority {@code agent} (or the job's
 * {@link JobPriority}), and while it
 * waits, a look every {@code waitCheck} whether the door's backend is down (the job is then
 * {@code waiting}). A cancelled job's runner is interrupted: its call is cancelled at the door.
 */
public final class ModelDoor {
  private final ActorRef<InferenceActor.Command> door;
  private final ActorSystem<?> system;
  private final Scheduler scheduler;
  private final Duration waitCheck;
  private final Duration askTimeout;
  private final Priority priority;

  public ModelDoor(ActorRef<InferenceActor.Command> door, ActorSystem<?> system, Duration waitCheck, Duration askTimeout) {
    this(door, system, waitCheck, askTimeout, Priority.AGENT);
  }

  /** @param priority what the calls are asked at ({@link JobPriority}: background work yields to the rest) */
  public ModelDoor(ActorRef<InferenceActor.Command> door, ActorSystem<?> system, Duration waitCheck, Duration askTimeout,
      Priority priority) {
    this.priority = priority;
    this.door = door;
    this.system = system;
    this.scheduler = system.scheduler();
    this.waitCheck = waitCheck;
    this.askTimeout = askTimeout;
  }

  /**
   * Asks {@code call} and waits for the reply, at most {@code timeout}; {@code onWait} hears
   * "down: <detail>" while the backend is away and "up" once it answers again.
   */
  public InferenceActor.Reply chat(InferenceCall.Chat call, Duration timeout, Consumer<Optional<String>> onWait)
      throws InterruptedException {
    return chat(call, timeout, onWait, Optional.empty());
  }

  /**
   * As {@link #chat(InferenceCall.Chat, Duration, Consumer)}, and {@code onToken} hears each piece
   * of the answer as the model produces it (on an actor's thread: it must not block).
   */
  public InferenceActor.Reply chat(InferenceCall.Chat call, Duration timeout, Consumer<Optional<String>> onWait,
      Consumer<Delta> onToken) throws InterruptedException {
    // The door watches this sink and ends it with End; should that never come, it stops once idle.
    Duration idle = timeout.plus(askTimeout);
    ActorRef<Object> sink = system.systemActorOf(Behaviors.setup(context -> {
      context.setReceiveTimeout(idle, "idle");
      return Behaviors.receiveMessage(m -> {
        if (m instanceof InferenceActor.Token t) {
          onToken.accept(t.delta());
          return Behaviors.same();
        }
        return Behaviors.stopped();
      });
    }), "tokens-" + UUID.randomUUID(), Props.empty());
    return chat(call, timeout, onWait, Optional.of(sink.narrow()));
  }

  private InferenceActor.Reply chat(InferenceCall.Chat call, Duration timeout, Consumer<Optional<String>> onWait,
      Optional<ActorRef<InferenceActor.Chunk>> stream) throws InterruptedException {
    String id = "job-" + UUID.randomUUID();
    GenAiSpans.current().handOver(id);
    CompletableFuture<InferenceActor.Reply> reply = AskPattern.<InferenceActor.Command, InferenceActor.Reply>ask(door,
        r -> new InferenceActor.Submit(id, call, priority, Optional.of(timeout), stream, r),
        timeout.plus(askTimeout), scheduler).toCompletableFuture();
    boolean waiting = false;
    try {
      while (true) {
        try {
          InferenceActor.Reply r = reply.get(waitCheck.toMillis(), TimeUnit.MILLISECONDS);
          if (waiting) {
            onWait.accept(Optional.empty());
          }
          return r;
        } catch (TimeoutException stillWaiting) {
          Optional<String> down = down();
          if (down.isPresent() != waiting) {
            waiting = down.isPresent();
            onWait.accept(down);
          }
        }
      }
    } catch (ExecutionException e) {
      return new InferenceActor.Failed(id, InferenceActor.Failure.DEADLINE, "no answer from the inference door within "
          + timeout, List.of());
    } catch (InterruptedException e) {
      door.tell(new InferenceActor.Cancel(id));
      throw e;
    }
  }

  /** Why the door cannot serve now, if its backend is down. */
  public Optional<String> down() {
    try {
      InferenceStatus status = AskPattern.<InferenceActor.Command, InferenceStatus>ask(door, InferenceActor.GetStatus::new,
          askTimeout, scheduler).toCompletableFuture().get(askTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return status.backend() == BackendHealth.State.UP ? Optional.empty()
          : Optional.of("the model door is " + status.backend().name().toLowerCase() + ": " + status.backendDetail());
    } catch (ExecutionException | TimeoutException e) {
      return Optional.of("the inference door does not answer");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The model's capabilities as /api/show tells them; empty when the server cannot say now. */
  public List<String> capabilities(String model) {
    try {
      ModelListings.ShowReply reply = AskPattern.<InferenceActor.Command, ModelListings.ShowReply>ask(door,
          r -> new InferenceActor.Listing(new ModelListings.ShowModel(model, r)), askTimeout, scheduler)
          .toCompletableFuture().get(askTimeout.toMillis(), TimeUnit.MILLISECONDS);
      return reply instanceof ModelListings.Shown shown ? shown.model().capabilities() : List.of();
    } catch (ExecutionException | TimeoutException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }
}
