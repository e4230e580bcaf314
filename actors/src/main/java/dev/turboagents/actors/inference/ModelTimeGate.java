package dev.turboagents.actors.inference;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * Whether a priority class has spent its daily model time ({@code daily-model-time}), asked of the
 * door before autonomous work starts something at that class: such work is skipped with the door's
 * reason instead of started only to be refused at its first model call.
 */
@FunctionalInterface
public interface ModelTimeGate {

  /** Empty while {@code priority} may still ask the model today, or the door cannot say; else why not. */
  CompletionStage<Optional<String>> spent(Priority priority);

  /** Never spent: for wiring without a door. */
  ModelTimeGate OPEN = priority -> CompletableFuture.completedFuture(Optional.empty());

  /**
   * Asks {@code door}'s status (within {@code timeout}); a door not serving yet, or not answering, is
   * taken as time left: the work's own model calls then meet the door's answer.
   */
  static ModelTimeGate asking(CompletionStage<ActorRef<InferenceActor.Command>> door, ActorSystem<?> system,
      Duration timeout) {
    return priority -> {
      CompletableFuture<ActorRef<InferenceActor.Command>> ref = door.toCompletableFuture();
      if (!ref.isDone() || ref.isCompletedExceptionally()) {
        return CompletableFuture.completedFuture(Optional.empty());
      }
      return AskPattern.<InferenceActor.Command, InferenceStatus>ask(ref.join(), InferenceActor.GetStatus::new, timeout,
              system.scheduler())
          .thenApply(status -> status.modelTime().stream().filter(t -> t.priority() == priority && t.spent())
              .findFirst().map(t -> new DailyModelTime.Spent(priority, Duration.ofMillis(t.budgetMillis().orElse(0L)),
                  Duration.ofMillis(t.spentMillis()), t.resetsAt()).message(Instant.now())))
          .exceptionally(e -> Optional.empty());
    };
  }
}
