package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.openai.OpenAiRoutes;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * OpenAI's API ({@code /v1}) in front of the one inference actor: a second front door beside
 * Ollama's, with no actors of its own. It serves once the inference subsystem does; its health is
 * the inference subsystem's.
 */
public final class OpenAiSubsystem extends Subsystem<ActorRef<InferenceActor.Command>> {
  private final Settings settings;
  private final CompletionStage<ActorRef<InferenceActor.Command>> inference;

  public OpenAiSubsystem(Settings settings, CompletionStage<ActorRef<InferenceActor.Command>> inference) {
    super("openai", "openai", "waiting for the inference subsystem");
    this.settings = settings;
    this.inference = inference;
  }

  @Override
  protected Behavior<?> supervisor() {
    return servesOnce(inference);
  }

  @Override
  protected List<HealthCheck> healthChecks(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    return List.of();
  }

  @Override
  protected Route routes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    return new OpenAiRoutes(inference, system, settings.http().maxBodyBytes(), settings.http().askTimeout(),
        settings.inference().defaultDeadline().plus(settings.inference().replyMargin()), settings.http().retryAfter())
        .route();
  }
}
