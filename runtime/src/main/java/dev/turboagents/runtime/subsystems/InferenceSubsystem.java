package dev.turboagents.runtime.subsystems;

import static org.apache.pekko.http.javadsl.server.Directives.concat;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.PinnedOptions;
import dev.turboagents.config.Settings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.inference.InferenceStatusRoutes;
import dev.turboagents.http.ollama.OllamaRoutes;
import dev.turboagents.supervisors.InferenceHealth;
import dev.turboagents.supervisors.InferenceSupervisor;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.http.javadsl.server.Route;

/** The one door to the models: the inference actor before Ollama, its Ollama-compatible API and its status. */
public final class InferenceSubsystem extends Subsystem<ActorRef<InferenceActor.Command>> {
  private final Settings settings;

  public InferenceSubsystem(Settings settings) {
    super("inference", "inference", "starting the inference actor");
    this.settings = settings;
    // a pinned option of the wrong kind is a wrong setting: refuse it before start, not in a restart loop
    PinnedOptions.from(settings.inference());
  }

  @Override
  protected Behavior<?> supervisor() {
    return InferenceSupervisor.create(settings, startup);
  }

  @Override
  protected List<HealthCheck> healthChecks(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    return List.of(new InferenceHealth(inference, system, settings.http().askTimeout()));
  }

  @Override
  protected Route routes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system) {
    return concat(
        new InferenceStatusRoutes(inference, system, settings.http().askTimeout(), settings.inference().tickInterval()).route(),
        new OllamaRoutes(inference, system, settings.http().maxBodyBytes(), settings.http().askTimeout(),
            settings.inference().defaultDeadline().plus(settings.inference().replyMargin()),
            settings.http().retryAfter()).route());
  }
}
