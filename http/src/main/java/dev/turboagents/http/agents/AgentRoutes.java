package dev.turboagents.http.agents;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.JobRefusal;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import dev.turboagents.http.QueryParameters;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The agents API under /agents: submit a code job (202 at once), list and show jobs, follow a job's
 * events as Server-Sent Events (the past replayed first, {@code Last-Event-ID} resumes), cancel.
 */
public final class AgentRoutes {

  /** {@code POST /agents/code/implement}. */
  record ImplementRequest(Optional<String> issueId, Optional<String> context, Optional<BudgetRequest> budget,
      Optional<String> requestedBy) {}

  /** A budget for this job only; each field left out keeps the configured default. */
  record BudgetRequest(OptionalLong maxSteps, OptionalLong maxWallTimeSeconds, OptionalLong maxTokens) {}

  private static final String STATUSES = "queued, running, waiting, succeeded, failed, cancelled";

  private final AgentJobs agents;
  private final JsonBody json;
  private final Duration keepAlive;

  /** @param keepAlive how often an idle event stream sends a heartbeat */
  public AgentRoutes(AgentJobs agents, long maxBodyBytes, Duration keepAlive) {
    this.agents = agents;
    this.json = new JsonBody(maxBodyBytes);
    this.keepAlive = keepAlive;
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> pathPrefix("agents", () -> handleExceptions(refusals(), () -> concat(
        path(segment("code").slash("implement"), () -> post(() -> json.as(ImplementRequest.class, this::implement))),
        new ChatRoutes(agents.chat(), json).route(),
        pathPrefix("jobs", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> parameterMap(this::list))),
            pathPrefix(segment(), this::job))))))));
  }

  private Route job(String id) {
    return concat(
        pathEnd(() -> get(() -> onSuccess(agents.job(id), this::view))),
        path("events", () -> get(() -> optionalHeaderValueByName("Last-Event-ID", last -> events(id, last)))),
        path("cancel", () -> post(() -> onSuccess(agents.cancel(id, "http"), this::view))));
  }

  private Route view(dev.turboagents.persistence.jobs.Job job) {
    return complete(ApiJson.response(StatusCodes.OK, AgentViews.JobView.of(job)));
  }

  private Route implement(ImplementRequest body) {
    String issue = FieldRules.meaningful("issue_id", FieldRules.required("issue_id", body.issueId()));
    AgentJobs.BudgetOverride budget = body.budget().map(b -> new AgentJobs.BudgetOverride(
        positive(b.maxSteps(), "budget.max_steps", 10_000).map(Long::intValue),
        positive(b.maxWallTimeSeconds(), "budget.max_wall_time_seconds", 7 * 24 * 3600L).map(Duration::ofSeconds),
        positive(b.maxTokens(), "budget.max_tokens", Integer.MAX_VALUE))).orElse(AgentJobs.BudgetOverride.NONE);
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(agents.implement(issue, body.context().filter(c -> !c.isBlank()), budget, who), job ->
        complete(ApiJson.response(StatusCodes.ACCEPTED, new AgentViews.Accepted(job.id(), job.status().label()))));
  }

  private static Optional<Long> positive(OptionalLong value, String field, long max) {
    return value.isPresent() ? Optional.of(FieldRules.between(field, value.getAsLong(), 1, max)) : Optional.empty();
  }

  private Route list(Map<String, String> params) {
    Optional<JobStatus> status = QueryParameters.choice(params, "status", JobStatus::parse, STATUSES);
    Optional<String> agent = Optional.ofNullable(params.get("agent")).filter(a -> !a.isBlank());
    Optional<String> issue = Optional.ofNullable(params.get("issue_id")).filter(a -> !a.isBlank());
    return onSuccess(agents.jobs(new AgentJobs.JobFilter(status, agent, issue)), jobs -> complete(ApiJson.response(
        StatusCodes.OK, new AgentViews.JobList(jobs.stream().map(AgentViews.JobSummary::of).toList()))));
  }

  private Route events(String id, Optional<String> lastEventId) {
    long from;
    try {
      from = lastEventId.map(v -> Long.parseLong(v.strip()) + 1).orElse(1L);
    } catch (NumberFormatException e) {
      throw ApiError.invalid("header 'Last-Event-ID' must be the id of an event of this stream, was '"
          + lastEventId.orElse("") + "'");
    }
    return onSuccess(agents.job(id), job -> completeOK(agents.events(id, from)
        .map(e -> sse((JobEntity.Event) e.event(), e.sequenceNr()))
        .keepAlive(keepAlive, ServerSentEvent::heartbeat), EventStreamMarshalling.toEventStream()));
  }

  private static ServerSentEvent sse(JobEntity.Event event, long sequenceNr) {
    try {
      return ServerSentEvent.create(ApiJson.MAPPER.writeValueAsString(AgentViews.StepView.of(event)),
          AgentViews.StepView.name(event), String.valueOf(sequenceNr));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render a job event", e);
    }
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
