package dev.turboagents.http.tracker;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import dev.turboagents.http.QueryParameters;
import dev.turboagents.http.TextChange;
import dev.turboagents.http.tracker.TrackerViews.CommentView;
import dev.turboagents.http.tracker.TrackerViews.DependenciesView;
import dev.turboagents.http.tracker.TrackerViews.HistoryView;
import dev.turboagents.http.tracker.TrackerViews.IssueView;
import dev.turboagents.http.tracker.TrackerViews.ProjectView;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.issues.Priority;
import dev.turboagents.persistence.projects.ProjectStatus;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.NewIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The Turbo-compatible work tracker under /api/v1: issues, their comments, dependencies and
 * history, and projects. Thin: read the request, call the {@link Tracker}, render the answer.
 *
 * <p>Creating an issue, a comment or a project takes an {@value #IDEMPOTENCY_KEY} header: the
 * tracker stores the key with the write, so a retry with the same key and body gets the first
 * response again (status and body, also after a restart) and writes nothing; the same key with
 * another body gets 422.
 */
public final class TrackerRoutes {
  private static final int MAX_PAGE = 10_000;
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private final Tracker tracker;
  private final JsonBody json;

  public TrackerRoutes(Tracker tracker, long maxBodyBytes) {
    this.tracker = tracker;
    this.json = new JsonBody(maxBodyBytes);
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> concat(
        pathPrefix("issues", this::issues),
        pathPrefix("projects", this::projects))));
  }

  // ---- issues -------------------------------------------------------------------------------

  private Route issues() {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> parameterMap(params -> listIssues(params, Optional.empty()))),
            post(() -> optionalHeaderValueByName(IDEMPOTENCY_KEY, key ->
                json.as(TrackerRequests.NewIssue.class, body -> createIssue(body, key)))))),
        pathPrefix(segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> reply(StatusCodes.OK, () -> withComments(id))),
                patch(() -> optionalHeaderValueByName("If-Match", ifMatch ->
                    json.as(TrackerRequests.IssuePatch.class, body -> updateIssue(id, body, ifMatch)))))),
            path("comments", () -> concat(
                get(() -> reply(StatusCodes.OK, () -> tracker.comments(id)
                    .thenApply(cs -> cs.stream().map(c -> CommentView.of(id, c)).toList()))),
                post(() -> optionalHeaderValueByName(IDEMPOTENCY_KEY, key ->
                    json.as(TrackerRequests.NewComment.class, body -> addComment(id, body, key)))))),
            pathPrefix("dependencies", () -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> reply(StatusCodes.OK, () -> tracker.issue(id).thenApply(DependenciesView::of))),
                    post(() -> optionalHeaderValueByName(IDEMPOTENCY_KEY, key ->
                        json.as(TrackerRequests.NewDependency.class, body -> addDependency(id, body, key)))))),
                path(segment(), other -> delete(() -> removeDependency(id, other))))),
            path("history", () -> get(() -> reply(StatusCodes.OK, () -> tracker.issueHistory(id)
                .thenApply(h -> h.stream().map(HistoryView::of).toList())))))));
  }

  private Route listIssues(Map<String, String> params, Optional<String> projectId) {
    IssueFilter filter = new IssueFilter(
        QueryParameters.choice(params, "status", IssueStatus::fromWire, IssueStatus.wireNames()),
        Optional.ofNullable(params.get("label")).map(l -> l.strip().toLowerCase(java.util.Locale.ROOT)),
        projectId.or(() -> Optional.ofNullable(params.get("project_id"))),
        Optional.ofNullable(params.get("assignee")));
    int limit = QueryParameters.wholeNumber(params, "limit", MAX_PAGE, 0, MAX_PAGE);
    int offset = QueryParameters.wholeNumber(params, "offset", 0, 0, Integer.MAX_VALUE);
    return onSuccess(tracker.issues(filter), all -> respondWithHeader(
        RawHeader.create("X-Total-Count", Integer.toString(all.size())),
        () -> complete(ApiJson.response(StatusCodes.OK, all.stream().skip(offset).limit(limit).map(IssueView::of).toList()))));
  }

  private Route createIssue(TrackerRequests.NewIssue body, Optional<String> key) {
    NewIssue request = new NewIssue(
        FieldRules.required("title", body.title()),
        body.description().orElse(""),
        FieldRules.choice("priority", body.priority(), Priority::fromWire, Priority.wireNames()),
        body.labels().orElse(List.of()),
        body.assignee(),
        body.projectId(),
        body.author().orElse("user"));
    return onSuccess(tracker.createIssue(request, key), issue -> respondWithHeader(
        Location.create("/api/v1/issues/" + issue.id()),
        () -> complete(ApiJson.response(StatusCodes.CREATED, IssueView.of(new IndexedIssue(issue, List.of()), Optional.of(List.of()))))));
  }

  private Route updateIssue(String id, TrackerRequests.IssuePatch body, Optional<String> ifMatch) {
    OptionalLong version = version(body.version(), ifMatch);
    IssueEntity.Changes changes = new IssueEntity.Changes(
        body.title(),
        body.description(),
        FieldRules.choice("status", body.status(), IssueStatus::fromWire, IssueStatus.wireNames()),
        FieldRules.choice("priority", body.priority(), Priority::fromWire, Priority.wireNames()),
        body.labels(),
        change(body.assignee()),
        change(body.projectId()));
    Optional<String> duplicateOf = body.duplicateOf();
    Optional<String> triagedBy = body.triagedBy().map(j -> FieldRules.meaningful("triaged_by", j));
    return reply(StatusCodes.OK, () -> tracker.updateIssue(id, changes, version)
        .thenCompose(updated -> duplicateOf.isEmpty() ? CompletableFuture.completedStage(updated)
            : tracker.markDuplicate(id, duplicateOf.get(), OptionalLong.empty()))
        .thenCompose(updated -> triagedBy.isEmpty() ? CompletableFuture.completedStage(updated)
            : tracker.markTriaged(id, triagedBy.get()))
        .thenCompose(updated -> withComments(id)));
  }

  /** The entity's convention: empty = leave it, "" = clear it. */
  private static Optional<String> change(TextChange change) {
    return switch (change) {
      case TextChange.Keep k -> Optional.empty();
      case TextChange.Clear c -> Optional.of("");
      case TextChange.SetTo s -> Optional.of(s.value());
    };
  }

  private Route addComment(String id, TrackerRequests.NewComment body, Optional<String> key) {
    String text = FieldRules.required("text", body.text());
    String author = body.author().orElse("user");
    return reply(StatusCodes.CREATED, () -> tracker.comment(id, text, author, key).thenApply(c -> CommentView.of(id, c)));
  }

  private Route addDependency(String id, TrackerRequests.NewDependency body, Optional<String> key) {
    if (body.blockedBy().isPresent() == body.blocks().isPresent()) {
      throw ApiError.invalid("send exactly one of 'blocked_by' (an issue this one waits for) or 'blocks' (an issue that waits for this one)");
    }
    return reply(StatusCodes.CREATED, () -> tracker.addDependency(id, body.blockedBy(), body.blocks(), body.version(), key)
        .thenApply(DependenciesView::of));
  }

  /** Removes the dependency between the two issues, whichever way it points. */
  private Route removeDependency(String id, String other) {
    return reply(StatusCodes.OK, () -> tracker.issue(id).thenCompose(i -> i.issue().blockedBy().contains(other)
            ? tracker.removeBlocker(id, other, OptionalLong.empty())
            : tracker.removeBlocker(other, id, OptionalLong.empty()))
        .thenCompose(x -> tracker.issue(id)).thenApply(DependenciesView::of));
  }

  private CompletionStage<IssueView> withComments(String id) {
    return tracker.issue(id).thenCombine(tracker.comments(id), (issue, comments) -> IssueView.of(issue, Optional.of(comments)));
  }

  // ---- projects -----------------------------------------------------------------------------

  private Route projects() {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> reply(StatusCodes.OK, () -> tracker.projects().thenApply(ps -> ps.stream().map(ProjectView::of).toList()))),
            post(() -> optionalHeaderValueByName(IDEMPOTENCY_KEY, key ->
                json.as(TrackerRequests.NewProject.class, body -> createProject(body, key)))))),
        pathPrefix(segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> reply(StatusCodes.OK, () -> tracker.project(id).thenApply(ProjectView::of))),
                patch(() -> optionalHeaderValueByName("If-Match", ifMatch ->
                    json.as(TrackerRequests.ProjectPatch.class, body -> updateProject(id, body, ifMatch)))))),
            path("issues", () -> get(() -> parameterMap(params -> onSuccess(tracker.project(id), p -> listIssues(params, Optional.of(id)))))),
            path("history", () -> get(() -> reply(StatusCodes.OK, () -> tracker.projectHistory(id)
                .thenApply(h -> h.stream().map(HistoryView::of).toList())))))));
  }

  private Route createProject(TrackerRequests.NewProject body, Optional<String> key) {
    String name = FieldRules.required("name", body.name());
    return onSuccess(tracker.createProject(name, body.description().orElse(""), body.author().orElse("user"), key), p -> respondWithHeader(
        Location.create("/api/v1/projects/" + p.id()), () -> complete(ApiJson.response(StatusCodes.CREATED, ProjectView.of(p)))));
  }

  private Route updateProject(String id, TrackerRequests.ProjectPatch body, Optional<String> ifMatch) {
    OptionalLong version = version(body.version(), ifMatch);
    return reply(StatusCodes.OK, () -> tracker.updateProject(id, body.name(), body.description(),
        FieldRules.choice("status", body.status(), ProjectStatus::fromWire, "active, archived"), version).thenApply(ProjectView::of));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static Route reply(StatusCode status, Supplier<CompletionStage<?>> work) {
    return onSuccess(work.get(), body -> complete(ApiJson.response(status, body)));
  }

  /** The expected version from the body's "version" or an If-Match header ("3" or 3). */
  private static OptionalLong version(OptionalLong fromBody, Optional<String> ifMatch) {
    if (fromBody.isPresent() || ifMatch.isEmpty()) {
      return fromBody;
    }
    String raw = ifMatch.get().strip().replace("W/", "").replace("\"", "");
    try {
      return OptionalLong.of(Long.parseLong(raw));
    } catch (NumberFormatException e) {
      throw ApiError.invalid("header If-Match must hold the version number you read, was '" + ifMatch.get() + "'");
    }
  }
}
