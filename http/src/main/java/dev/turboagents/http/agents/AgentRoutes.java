package dev.turboagents.http.agents;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.JobRefusal;
import dev.turboagents.actors.agents.ReviewFindings;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import dev.turboagents.http.QueryParameters;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The agents API under /agents: submit a code job or a review (202 at once), list and show jobs, follow a job's
 * events as Server-Sent Events (the past replayed first, {@code Last-Event-ID} resumes), cancel.
 */
public final class AgentRoutes {

  /** {@code POST /agents/code/implement}. */
  record ImplementRequest(Optional<String> issueId, Optional<String> context, Optional<BudgetRequest> budget,
      Optional<String> requestedBy) {}

  /** {@code POST /agents/review/analyze}: exactly one of pr_id, branch, range. */
  record ReviewRequest(Optional<String> prId, Optional<String> branch, Optional<String> range,
      Optional<List<String>> focus, Optional<String> issueId, Optional<BudgetRequest> budget, Optional<String> requestedBy) {}

  /** {@code POST /agents/issue/triage}: {@code batch} is "new_issues" or a list of issue ids. */
  record TriageRequest(Optional<com.fasterxml.jackson.databind.JsonNode> batch, Optional<Boolean> autoComment,
      Optional<String> requestedBy) {}

  /** {@code POST /agents/issue/summarize}. */
  record SummarizeRequest(Optional<String> issueId, Optional<String> requestedBy) {}

  private static final int MAX_BATCH = 100;

  /** A budget for this job only; each field left out keeps the configured default. */
  record BudgetRequest(OptionalLong maxSteps, OptionalLong maxWallTimeSeconds, OptionalLong maxTokens) {}

  private static final int MAX_PAGE = 10_000;
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
        path(segment("review").slash("analyze"), () -> post(() -> json.as(ReviewRequest.class, this::review))),
        path(segment("issue").slash("triage"), () -> post(() -> json.as(TriageRequest.class, this::triage))),
        path(segment("issue").slash("summarize"), () -> post(() -> json.as(SummarizeRequest.class, this::summarize))),
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
    AgentJobs.BudgetOverride budget = budget(body.budget());
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(agents.implement(issue, body.context().filter(c -> !c.isBlank()), budget, who), this::accepted);
  }

  private Route review(ReviewRequest body) {
    int named = (body.prId().isPresent() ? 1 : 0) + (body.branch().isPresent() ? 1 : 0) + (body.range().isPresent() ? 1 : 0);
    if (named != 1) {
      throw ApiError.invalid("exactly one of 'pr_id' (an agent job's id), 'branch' or 'range' (A..B) must be given, "
          + (named == 0 ? "none was" : named + " were"));
    }
    ReviewTarget target = body.prId().isPresent() ? new ReviewTarget.JobBranch(FieldRules.meaningful("pr_id", body.prId().get()))
        : body.branch().isPresent() ? new ReviewTarget.Branch(FieldRules.meaningful("branch", body.branch().get()))
        : ReviewTarget.Range.parse(body.range().get()).orElseThrow(() -> ApiError.invalid("field 'range' must be two "
            + "revisions A..B (ids, branches or tags), was '" + body.range().get() + "'"));
    List<ReviewFindings.Focus> focus = new java.util.ArrayList<>();
    List<String> asked = body.focus().orElse(List.of());
    for (int i = 0; i < asked.size(); i++) {
      String name = asked.get(i) == null ? "" : asked.get(i);
      int at = i;
      focus.add(ReviewFindings.Focus.parse(name).orElseThrow(() -> ApiError.invalid("field 'focus[" + at + "]' must be one of "
          + ReviewFindings.Focus.names() + ", was '" + name + "'")));
    }
    Optional<String> issue = body.issueId().map(i -> FieldRules.meaningful("issue_id", i));
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(agents.review(target, List.copyOf(new java.util.LinkedHashSet<>(focus)), issue, budget(body.budget()),
        who), this::accepted);
  }

  private Route accepted(dev.turboagents.persistence.jobs.Job job) {
    return complete(ApiJson.response(StatusCodes.ACCEPTED, new AgentViews.Accepted(job.id(), job.status().label())));
  }

  private static AgentJobs.BudgetOverride budget(Optional<BudgetRequest> budget) {
    return budget.map(b -> new AgentJobs.BudgetOverride(
        positive(b.maxSteps(), "budget.max_steps", 10_000).map(Long::intValue),
        positive(b.maxWallTimeSeconds(), "budget.max_wall_time_seconds", 7 * 24 * 3600L).map(Duration::ofSeconds),
        positive(b.maxTokens(), "budget.max_tokens", Integer.MAX_VALUE))).orElse(AgentJobs.BudgetOverride.NONE);
  }

  private Route triage(TriageRequest body) {
    var batch = FieldRules.required("batch", body.batch());
    Optional<java.util.List<String>> ids;
    if (batch.isTextual() && batch.asText().equals("new_issues")) {
      ids = Optional.empty();
    } else if (batch.isArray() && !batch.isEmpty() && batch.size() <= MAX_BATCH) {
      java.util.List<String> list = new java.util.ArrayList<>();
      for (var id : batch) {
        if (!id.isTextual() || id.asText().isBlank()) {
          throw ApiError.invalid("'batch' must list issue ids as non-empty strings, had " + id);
        }
        list.add(id.asText().strip());
      }
      ids = Optional.of(list);
    } else {
      throw ApiError.invalid("'batch' must be \"new_issues\" or a list of 1 to " + MAX_BATCH + " issue ids, was " + batch);
    }
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(agents.triage(ids, body.autoComment().orElse(false), who), start -> complete(switch (start) {
      case AgentJobs.TriageStart.Started s -> ApiJson.response(StatusCodes.ACCEPTED,
          new AgentViews.TriageAccepted(Optional.of(s.job().id()), s.job().status().label(), s.issueIds()));
      case AgentJobs.TriageStart.NothingNew n -> ApiJson.response(StatusCodes.OK,
          new AgentViews.TriageAccepted(Optional.empty(), "nothing_new", java.util.List.of()));
    }));
  }

  private Route summarize(SummarizeRequest body) {
    String issue = FieldRules.meaningful("issue_id", FieldRules.required("issue_id", body.issueId()));
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    return onSuccess(agents.summarize(issue, who), job ->
        complete(ApiJson.response(StatusCodes.ACCEPTED, new AgentViews.Accepted(job.id(), job.status().label()))));
  }

  private static Optional<Long> positive(OptionalLong value, String field, long max) {
    return value.isPresent() ? Optional.of(FieldRules.between(field, value.getAsLong(), 1, max)) : Optional.empty();
  }

  private Route list(Map<String, String> params) {
    Optional<JobStatus> status = QueryParameters.choice(params, "status", JobStatus::parse, STATUSES);
    Optional<String> agent = Optional.ofNullable(params.get("agent")).filter(a -> !a.isBlank());
    Optional<String> issue = Optional.ofNullable(params.get("issue_id")).filter(a -> !a.isBlank());
    int limit = QueryParameters.wholeNumber(params, "limit", MAX_PAGE, 0, MAX_PAGE);
    int offset = QueryParameters.wholeNumber(params, "offset", 0, 0, Integer.MAX_VALUE);
    return onSuccess(agents.page(new AgentJobs.JobFilter(status, agent, issue), offset, limit), page -> respondWithHeader(
        RawHeader.create("X-Total-Count", Integer.toString(page.total())), () -> complete(ApiJson.response(
            StatusCodes.OK, new AgentViews.JobList(page.jobs().stream().map(AgentViews.JobSummary::of).toList())))));
  }

  private Route events(String id, Optional<String> lastEventId) {
    long from;
    try {
      from = lastEventId.map(v -> Long.parseLong(v.strip()) + 1).orElse(1L);
    } catch (NumberFormatException e) {
      throw ApiError.invalid("header 'Last-Event-ID' must be the id of an event of this stream, was '"
          + lastEventId.orElse("") + "'");
    }
    return onSuccess(agents.job(id), job -> completeOK(stream(id, from, job.status().finished())
        .keepAlive(keepAlive, ServerSentEvent::heartbeat), EventStreamMarshalling.toEventStream()));
  }

  /**
   * The persisted events with their ids, and while the job runs its model's tokens merged in
   * without an id (they are not replayable); the stream ends with the persisted events.
   */
  private Source<ServerSentEvent, NotUsed> stream(String id, long from, boolean finished) {
    Source<Optional<ServerSentEvent>, NotUsed> persisted = agents.events(id, from)
        .map(e -> Optional.of(sse((JobEntity.Event) e.event(), e.sequenceNr())))
        .concat(Source.single(Optional.empty()));
    if (finished) {
      return persisted.takeWhile(Optional::isPresent).map(Optional::get);
    }
    Source<Optional<ServerSentEvent>, NotUsed> tokens = agents.tokens(id)
        .filter(d -> !d.content().isEmpty()).map(d -> Optional.of(token(d.content())));
    return persisted.merge(tokens).takeWhile(Optional::isPresent).map(Optional::get);
  }

  /** A live model token: {@code event: token}, no id, data {@code {"text": ...}}. */
  private static ServerSentEvent token(String text) {
    return ServerSentEvent.create(json(Map.of("text", text)), "token");
  }

  private static ServerSentEvent sse(JobEntity.Event event, long sequenceNr) {
    return ServerSentEvent.create(json(AgentViews.StepView.of(event)), AgentViews.StepView.name(event),
        String.valueOf(sequenceNr));
  }

  private static String json(Object view) {
    try {
      return ApiJson.MAPPER.writeValueAsString(view);
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
