package dev.turboagents.http.inference;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.http.ApiJson;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/v1/inference/status}: the queue per class with each request's position,
 * estimated start and why it waits; resident models and bytes against the budget; loads,
 * unloads, time to first token and tokens per second. Written from {@link InferenceStatusView}.
 */
public final class InferenceStatusRoutes {
  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final Duration timeout;

  public InferenceStatusRoutes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, Duration timeout) {
    this.inference = inference;
    this.system = system;
    this.timeout = timeout;
  }

  public Route route() {
    return path(segment("api").slash("v1").slash("inference").slash("status"), () -> get(() -> onSuccess(
        AskPattern.<InferenceActor.Command, InferenceStatus>ask(inference, InferenceActor.GetStatus::new, timeout,
            system.scheduler()),
        status -> complete(ApiJson.response(StatusCodes.OK, InferenceStatusView.of(status))))));
  }
}
