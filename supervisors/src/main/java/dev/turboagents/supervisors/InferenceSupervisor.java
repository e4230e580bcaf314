package dev.turboagents.supervisors;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceBackend;
import dev.turboagents.actors.inference.OllamaBackend;
import dev.turboagents.config.Settings;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Owns the node's one inference actor and its Ollama backend. A crash of the actor restarts it
 * with backoff; the restarted actor reconciles with Ollama's /api/ps, so the resident set is not
 * lost. Queued requests of the crashed instance get no answer: their asks time out at the caller.
 */
public final class InferenceSupervisor {

  private InferenceSupervisor() {}

  public static Behavior<Void> create(Settings settings, Startup<ActorRef<InferenceActor.Command>> startup) {
    return Behaviors.setup(ctx -> {
      InferenceBackend backend = new OllamaBackend(settings.services().ollamaHost(), settings.inference().requestTimeout());
      ActorRef<InferenceActor.Command> inference = ctx.spawn(
          Behaviors.supervise(InferenceActor.create(settings.inference(), backend))
              .onFailure(SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2)),
          "inference");
      startup.ready(inference);
      return Behaviors.<Void>receive(Void.class)
          .onSignal(PostStop.class, s -> {
            backend.close();
            return Behaviors.same();
          })
          .build();
    });
  }
}
