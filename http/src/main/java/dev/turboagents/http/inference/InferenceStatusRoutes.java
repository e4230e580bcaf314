package dev.turboagents.http.inference;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceStatus;
import dev.turboagents.actors.inference.RequestState;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code GET /api/v1/inference/status}: the queue per class with each request's position,
 * estimated start and why it waits; resident models and bytes against the budget; loads,
 * unloads, time to first token and tokens per second. Written from {@link InferenceStatusView}.
 * {@code GET /api/v1/inference/requests/{id}}: one request (the id of a door response's
 * {@code X-Turbo-Request-Id}) as {@link RequestView}; {@code .../events} streams the same as SSE
 * whenever it changes, until it starts (then one final event).
 */
public final class InferenceStatusRoutes {
  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final Duration timeout;
  private final Duration eventInterval;

  /** @param eventInterval how often a request's event stream looks at it again (the door's tick-interval) */
  public InferenceStatusRoutes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, Duration timeout,
      Duration eventInterval) {
    this.inference = inference;
    this.system = system;
    this.timeout = timeout;
    this.eventInterval = eventInterval;
  }

  public Route route() {
    return pathPrefix(segment("api").slash("v1").slash("inference"), () -> concat(
        path("status", () -> get(() -> onSuccess(
            AskPattern.<InferenceActor.Command, InferenceStatus>ask(inference, InferenceActor.GetStatus::new, timeout,
                system.scheduler()),
            status -> complete(ApiJson.response(StatusCodes.OK, InferenceStatusView.of(status)))))),
        path(segment("requests").slash(segment()), id -> get(() -> onSuccess(ask(id), state -> known(state,
            () -> complete(ApiJson.response(StatusCodes.OK, RequestView.of(state))))))),
        path(segment("requests").slash(segment()).slash("events"), id -> get(() -> onSuccess(ask(id), state -> known(state,
            () -> completeOK(events(id), EventStreamMarshalling.toEventStream())))))));
  }

  private CompletionStage<RequestState> ask(String id) {
    return AskPattern.ask(inference, to -> new InferenceActor.GetRequest(id, to), timeout, system.scheduler());
  }

  private static Route known(RequestState state, java.util.function.Supplier<Route> then) {
    if (state instanceof RequestState.Unknown u) {
      throw ApiError.notFound("no inference request '" + u.requestId() + "' (never seen, or answered longer ago than"
          + " turbo-agents.inference.request-history-for)");
    }
    return then.get();
  }

  /** The request's view each time it changes, ending with the first that is not waiting. */
  private Source<ServerSentEvent, NotUsed> events(String id) {
    return Source.tick(Duration.ZERO, eventInterval, id)
        .mapMaterializedValue(tick -> NotUsed.getInstance())
        .mapAsync(1, this::ask)
        .takeWhile(s -> s instanceof RequestState.Waiting, true)
        .filter(s -> !(s instanceof RequestState.Unknown))
        .map(RequestView::of)
        .statefulMapConcat(() -> {
          AtomicReference<Optional<RequestView>> last = new AtomicReference<>(Optional.empty());
          return view -> {
            // waited time always moves: a new event when anything else changes, or the state ends
            Optional<RequestView> before = last.get();
            RequestView same = view.withWaited(before.map(RequestView::waitedMillis).orElse(view.waitedMillis()));
            if (before.isPresent() && before.get().equals(same) && "waiting".equals(view.state())) {
              return List.of();
            }
            last.set(Optional.of(view));
            return List.of(view);
          };
        })
        .map(view -> ServerSentEvent.create(ApiJson.MAPPER.writeValueAsString(view), view.state()));
  }
}
