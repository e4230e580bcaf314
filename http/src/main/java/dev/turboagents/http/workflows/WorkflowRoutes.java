package dev.turboagents.http.workflows;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.agents.JobRefusal;
import dev.turboagents.actors.workflows.ImplementAndReview;
import dev.turboagents.actors.workflows.Workflows;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The workflows under /agents/workflows: start an implement-and-review workflow (202 at once),
 * show one with its steps and rounds, cancel one; and {@code GET /agents/triggers}, the tracker's
 * triggers (new issue → triage, a comment addressing an agent → a reply): whether each acts and why
 * not, its lag behind the tracker's journal, its counts and newest actions.
 */
public final class WorkflowRoutes {

  /** {@code POST /agents/workflows/implement-and-review}. */
  record StartRequest(Optional<String> issueId, Optional<String> requestedBy) {}

  /** The reply to a start. */
  record Accepted(String workflowId, String status) {}

  /** One step as a client sees it. */
  record StepView(String step, int round, Optional<String> jobId, String status, Optional<String> detail,
      Optional<Integer> blockingFindings, String startedAt, Optional<String> endedAt) {}

  /** A workflow as a client sees it. */
  record WorkflowView(String id, String kind, String issueId, String status, String step, int round, int maxRounds,
      Optional<String> branch, Optional<String> result, String requestedBy, String startedAt, String updatedAt,
      List<StepView> steps) {
    static WorkflowView of(ImplementAndReview.Workflow w) {
      return new WorkflowView(w.id(), "implement-and-review", w.issueId(), w.status().wire(),
          w.current().map(s -> s.kind().wire()).orElse("implement"), w.round(), w.maxRounds(), w.branch(), w.result(),
          w.requestedBy(), w.startedAt().toString(), w.updatedAt().toString(), w.steps().stream().map(s -> new StepView(
              s.kind().wire(), s.round(), s.jobId(), s.outcome().map(o -> o.ok() ? "succeeded" : "failed")
                  .orElse(s.jobId().isPresent() ? "running" : "starting"),
              s.outcome().map(ImplementAndReview.StepOutcome::detail),
              s.kind() == ImplementAndReview.Kind.REVIEW ? s.outcome().map(ImplementAndReview.StepOutcome::blocking)
                  : Optional.empty(),
              s.startedAt().toString(), s.endedAt().map(Object::toString))).toList());
    }
  }

  private final Workflows workflows;
  private final JsonBody json;

  public WorkflowRoutes(Workflows workflows, long maxBodyBytes) {
    this.workflows = workflows;
    this.json = new JsonBody(maxBodyBytes);
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> pathPrefix("agents", () -> concat(
        pathPrefix("workflows", () -> handleExceptions(refusals(), () -> concat(
            path("implement-and-review", () -> post(() -> json.as(StartRequest.class, this::start))),
            pathPrefix(segment(), id -> concat(
                pathEnd(() -> get(() -> onSuccess(workflows.workflow(id), this::view))),
                path("cancel", () -> post(() -> onSuccess(workflows.cancel(id, "http"), this::view)))))))),
        pathPrefix("triggers", () -> pathEndOrSingleSlash(() -> get(this::triggers)))))));
  }

  /** {@code GET /agents/triggers}: each trigger's state, its place in the tracker's journal, counts, newest actions. */
  private Route triggers() {
    return workflows.triggers().<Route>map(t -> onSuccess(t.status(), status -> complete(
            ApiJson.response(StatusCodes.OK, status))))
        .orElseGet(() -> complete(ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, "unavailable",
            "the tracker's triggers are not running in this daemon")));
  }

  private Route start(StartRequest body) {
    String issue = FieldRules.meaningful("issue_id", FieldRules.required("issue_id", body.issueId()));
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(workflows.implementAndReview(issue, who), w -> complete(ApiJson.response(StatusCodes.ACCEPTED,
        new Accepted(w.id(), w.status().wire()))));
  }

  private Route view(ImplementAndReview.Workflow w) {
    return complete(ApiJson.response(StatusCodes.OK, WorkflowView.of(w)));
  }

  private static ExceptionHandler refusals() {
    return ExceptionHandler.newBuilder().match(Throwable.class, t -> complete(
        ApiError.unwrap(t) instanceof JobRefusal r ? switch (r.kind()) {
          case NOT_FOUND -> ApiError.response(StatusCodes.NOT_FOUND, "not found", r.getMessage());
          case INVALID -> ApiError.response(StatusCodes.BAD_REQUEST, "invalid request", r.getMessage());
          case UNCONFIGURED -> ApiError.response(StatusCodes.CONFLICT, "not configured", r.getMessage());
        } : ApiError.forThrowable(t))).build();
  }
}
