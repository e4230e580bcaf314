package dev.turboagents.http.autonomy;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.autonomy.Autonomy;
import dev.turboagents.actors.autonomy.Schedules;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.QueryParameters;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The autonomy's API: {@code GET /agents/schedules} (each schedule's next run, last run, outcome,
 * whether it runs), {@code POST /agents/schedules/{name}/run} (runs it now: 202; an unknown name is a
 * 404 listing the names, a running one a 409), and the controls: {@code GET /agents/autonomy},
 * {@code POST /agents/autonomy/pause|resume} (paused: nothing scheduled starts, a manual run is a 409),
 * and {@code GET /agents/reports?kind=&limit=}: the runs' reports, newest first (an unknown kind is a
 * 404 listing the kinds, a bad limit a 400).
 */
public final class AutonomyRoutes {
  /** Reports a listing gives when the request says no limit, and at most. */
  static final int DEFAULT_REPORTS = 10;
  static final int MAX_REPORTS = 1000;

  private final Autonomy autonomy;

  public AutonomyRoutes(Autonomy autonomy) {
    this.autonomy = autonomy;
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> pathPrefix("agents", () -> concat(
        pathPrefix("schedules", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> onSuccess(autonomy.schedules(), views -> complete(
                ApiJson.response(StatusCodes.OK, Map.of("schedules", views)))))),
            path(segment().slash("run"), name -> post(() -> run(name))))),
        path("reports", () -> get(() -> parameterMap(this::reports))),
        pathPrefix("autonomy", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> onSuccess(autonomy.state(), this::controls))),
            path("pause", () -> post(() -> onSuccess(autonomy.pause("http"), this::controls))),
            path("resume", () -> post(() -> onSuccess(autonomy.resume("http"), this::controls)))))))));
  }

  private Route controls(Schedules.ControlsView view) {
    return complete(ApiJson.response(StatusCodes.OK, view));
  }

  private Route reports(Map<String, String> params) {
    Optional<String> kind = Optional.ofNullable(params.get("kind")).map(String::strip).filter(k -> !k.isEmpty());
    int limit = QueryParameters.wholeNumber(params, "limit", DEFAULT_REPORTS, 1, MAX_REPORTS);
    if (kind.isPresent() && !autonomy.names().contains(kind.get())) {
      return complete(ApiError.response(StatusCodes.NOT_FOUND, "not found",
          "no report kind '" + kind.get() + "'; the kinds are " + String.join(", ", autonomy.names())));
    }
    return onSuccess(autonomy.reports(kind, limit), reports -> complete(ApiJson.response(StatusCodes.OK,
        Map.of("reports", reports))));
  }

  private Route run(String name) {
    if (!autonomy.names().contains(name)) {
      return complete(ApiError.response(StatusCodes.NOT_FOUND, "not found",
          "no schedule '" + name + "'; the schedules are " + String.join(", ", autonomy.names())));
    }
    return handleExceptions(org.apache.pekko.http.javadsl.server.ExceptionHandler.newBuilder()
        .match(Throwable.class, t -> complete(ApiError.unwrap(t) instanceof org.apache.pekko.pattern.StatusReply.ErrorMessage e
            ? ApiError.response(StatusCodes.CONFLICT, "conflict", e.getMessage()) : ApiError.forThrowable(t))).build(),
        () -> onSuccess(autonomy.runNow(name), (Schedules.ScheduleView view) ->
            complete(ApiJson.response(StatusCodes.ACCEPTED, view))));
  }

}
