package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceBackend;
import dev.turboagents.actors.inference.MemoryBudget;
import dev.turboagents.actors.inference.ModelTimeLedger;
import dev.turboagents.actors.inference.ollama.OllamaBackend;
import dev.turboagents.config.InferenceSettings;
import dev.turboagents.config.Settings;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the node's one inference actor and its Ollama backend. A failure of the actor restarts it
 * with backoff ({@code restart-min-backoff}..{@code restart-max-backoff}); on the way down it
 * abandons its backend calls and answers every request it held at once (INTERRUPTED), and the
 * restarted actor reconciles with Ollama's /api/ps, so the resident set is not lost. The backend
 * (its HTTP client and threads) and the {@link ModelTimeLedger} (the day's model time per class, on
 * the journal) live as long as this supervisor, across restarts.
 */
public final class InferenceSupervisor {

  private InferenceSupervisor() {}

  public static Behavior<Void> create(Settings settings, Startup<ActorRef<InferenceActor.Command>> startup) {
    return Behaviors.setup(ctx -> {
      InferenceSettings inference = settings.inference();
      InferenceBackend backend = new OllamaBackend(settings.services().ollamaHost(), inference);
      // the day's model time per class, on the journal: it outlives the door's restarts
      ActorRef<ModelTimeLedger.Command> ledger = ctx.spawn(ModelTimeLedger.create(), "model-time");
      ActorRef<InferenceActor.Command> door = ctx.spawn(
          Behaviors.supervise(InferenceActor.create(inference, backend, MemoryBudget.resolve(inference),
              java.time.Clock.systemUTC(), ledger))
              .onFailure(SupervisorStrategy.restartWithBackoff(inference.restartMinBackoff(), inference.restartMaxBackoff(),
                  inference.restartRandomFactor())),
          "inference");
      startup.ready(door);
      return Behaviors.<Void>receive(Void.class)
          .onSignal(PostStop.class, s -> {
            backend.close();
            return Behaviors.same();
          })
          .build();
    });
  }
}
