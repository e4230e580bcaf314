package dev.turboagents.http.tracker;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.http.ApiErrors;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.JsonFields;
import dev.turboagents.http.JsonRequest;
import dev.turboagents.http.QueryParameters;
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
import java.util.Set;
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
 */
public final class TrackerRoutes {

  private static final Set<String> NEW_ISSUE = Set.of("title", "description", "priority", "labels", "project_id", "assignee", "author");
  private static final Set<String> ISSUE_PATCH = Set.of("title", "description", "status", "priority", "labels", "project_id",
      "assignee", "duplicate_of", "version");
  private static final Set<String> NEW_COMMENT = Set.of("text", "author");
  private static final Set<String> NEW_DEPENDENCY = Set.of("blocked_by", "blocks", "version");
  private static final Set<String> NEW_PROJECT = Set.of("name", "description", "author");
  private static final Set<String> PROJECT_PATCH = Set.of("name", "description", "status", "version");
  private static final int MAX_PAGE = 10_000;

  private final Tracker tracker;
  private final JsonRequest json;

  public TrackerRoutes(Tracker tracker, long maxBodyBytes) {
    this.tracker = tracker;
    this.json = new JsonRequest(maxBodyBytes);
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
            post(() -> json.object(this::createIssue)))),
        pathPrefix(segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> reply(StatusCodes.OK, () -> withComments(id))),
                patch(() -> optionalHeaderValueByName("If-Match", ifMatch -> json.object(body -> updateIssue(id, body, ifMatch)))))),
            path("comments", () -> concat(
                get(() -> reply(StatusCodes.OK, () -> tracker.comments(id)
                    .thenApply(cs -> cs.stream().map(c -> TrackerJson.comment(id, c)).toList()))),
                post(() -> json.object(body -> addComment(id, body))))),
            pathPrefix("dependencies", () -> concat(
                pathEndOrSingleSlash(() -> concat(
                    get(() -> reply(StatusCodes.OK, () -> tracker.issue(id).thenApply(TrackerJson::dependencies))),
                    post(() -> json.object(body -> addDependency(id, body))))),
                path(segment(), other -> delete(() -> removeDependency(id, other))))),
            path("history", () -> get(() -> reply(StatusCodes.OK, () -> tracker.issueHistory(id).thenApply(TrackerJson::history)))))));
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
        () -> complete(ApiJson.response(StatusCodes.OK, all.stream().skip(offset).limit(limit)
            .map(TrackerJson::issue).toList()))));
  }

  private Route createIssue(JsonFields body) {
    body.allowOnly(NEW_ISSUE);
    NewIssue request = new NewIssue(
        body.requiredString("title"),
        body.optionalString("description").orElse(""),
        body.optionalChoice("priority", Priority::fromWire, Priority.wireNames()),
        body.optionalStringList("labels").orElse(List.of()),
        body.optionalString("assignee"),
        body.optionalString("project_id"),
        body.optionalString("author").orElse("user"));
    return onSuccess(tracker.createIssue(request), issue -> respondWithHeader(
        Location.create("/api/v1/issues/" + issue.id()),
        () -> complete(ApiJson.response(StatusCodes.CREATED, TrackerJson.issue(new IndexedIssue(issue, List.of()), Optional.of(List.of()))))));
  }

  private Route updateIssue(String id, JsonFields body, Optional<String> ifMatch) {
    body.allowOnly(ISSUE_PATCH);
    OptionalLong version = version(body, ifMatch);
    IssueEntity.Changes changes = new IssueEntity.Changes(
        body.optionalString("title"),
        body.optionalString("description"),
        body.optionalChoice("status", IssueStatus::fromWire, IssueStatus.wireNames()),
        body.optionalChoice("priority", Priority::fromWire, Priority.wireNames()),
        body.optionalStringList("labels"),
        body.isNull("assignee") ? Optional.of("") : body.optionalString("assignee"),
        body.isNull("project_id") ? Optional.of("") : body.optionalString("project_id"));
    Optional<String> duplicateOf = body.optionalString("duplicate_of");
    return reply(StatusCodes.OK, () -> tracker.updateIssue(id, changes, version)
        .thenCompose(updated -> duplicateOf.isEmpty() ? CompletableFuture.completedStage(updated)
            : tracker.markDuplicate(id, duplicateOf.get(), OptionalLong.empty()))
        .thenCompose(updated -> withComments(id)));
  }

  private Route addComment(String id, JsonFields body) {
    body.allowOnly(NEW_COMMENT);
    String text = body.requiredString("text");
    String author = body.optionalString("author").orElse("user");
    return reply(StatusCodes.CREATED, () -> tracker.comment(id, text, author).thenApply(c -> TrackerJson.comment(id, c)));
  }

  private Route addDependency(String id, JsonFields body) {
    body.allowOnly(NEW_DEPENDENCY);
    Optional<String> blockedBy = body.optionalString("blocked_by");
    Optional<String> blocks = body.optionalString("blocks");
    if (blockedBy.isPresent() == blocks.isPresent()) {
      throw ApiErrors.BadRequest.invalid("send exactly one of 'blocked_by' (an issue this one waits for) or 'blocks' (an issue that waits for this one)");
    }
    OptionalLong version = body.optionalLong("version");
    CompletionStage<?> change = blockedBy.isPresent()
        ? tracker.addBlocker(id, blockedBy.get(), version)
        : tracker.addBlocks(id, blocks.get());
    return reply(StatusCodes.CREATED, () -> change.thenCompose(x -> tracker.issue(id)).thenApply(TrackerJson::dependencies));
  }

  /** Removes the dependency between the two issues, whichever way it points. */
  private Route removeDependency(String id, String other) {
    return reply(StatusCodes.OK, () -> tracker.issue(id).thenCompose(i -> i.issue().blockedBy().contains(other)
            ? tracker.removeBlocker(id, other, OptionalLong.empty())
            : tracker.removeBlocker(other, id, OptionalLong.empty()))
        .thenCompose(x -> tracker.issue(id)).thenApply(TrackerJson::dependencies));
  }

  private CompletionStage<Map<String, Object>> withComments(String id) {
    return tracker.issue(id).thenCombine(tracker.comments(id), (issue, comments) -> TrackerJson.issue(issue, Optional.of(comments)));
  }

  // ---- projects -----------------------------------------------------------------------------

  private Route projects() {
    return concat(
        pathEndOrSingleSlash(() -> concat(
            get(() -> reply(StatusCodes.OK, () -> tracker.projects().thenApply(ps -> ps.stream().map(TrackerJson::project).toList()))),
            post(() -> json.object(this::createProject)))),
        pathPrefix(segment(), id -> concat(
            pathEndOrSingleSlash(() -> concat(
                get(() -> reply(StatusCodes.OK, () -> tracker.project(id).thenApply(TrackerJson::project))),
                patch(() -> optionalHeaderValueByName("If-Match", ifMatch -> json.object(body -> updateProject(id, body, ifMatch)))))),
            path("issues", () -> get(() -> parameterMap(params -> onSuccess(tracker.project(id), p -> listIssues(params, Optional.of(id)))))),
            path("history", () -> get(() -> reply(StatusCodes.OK, () -> tracker.projectHistory(id).thenApply(TrackerJson::history)))))));
  }

  private Route createProject(JsonFields body) {
    body.allowOnly(NEW_PROJECT);
    String name = body.requiredString("name");
    String description = body.optionalString("description").orElse("");
    String author = body.optionalString("author").orElse("user");
    return onSuccess(tracker.createProject(name, description, author), p -> respondWithHeader(
        Location.create("/api/v1/projects/" + p.id()), () -> complete(ApiJson.response(StatusCodes.CREATED, TrackerJson.project(p)))));
  }

  private Route updateProject(String id, JsonFields body, Optional<String> ifMatch) {
    body.allowOnly(PROJECT_PATCH);
    OptionalLong version = version(body, ifMatch);
    return reply(StatusCodes.OK, () -> tracker.updateProject(id, body.optionalString("name"), body.optionalString("description"),
        body.optionalChoice("status", ProjectStatus::fromWire, "active, archived"), version).thenApply(TrackerJson::project));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static Route reply(StatusCode status, Supplier<CompletionStage<?>> work) {
    return onSuccess(work.get(), body -> complete(ApiJson.response(status, body)));
  }

  /** The expected version from the body's "version" or an If-Match header ("3" or 3). */
  private static OptionalLong version(JsonFields body, Optional<String> ifMatch) {
    OptionalLong fromBody = body.optionalLong("version");
    if (fromBody.isPresent() || ifMatch.isEmpty()) {
      return fromBody;
    }
    String raw = ifMatch.get().strip().replace("W/", "").replace("\"", "");
    try {
      return OptionalLong.of(Long.parseLong(raw));
    } catch (NumberFormatException e) {
      throw ApiErrors.BadRequest.invalid("header If-Match must hold the version number you read, was '" + ifMatch.get() + "'");
    }
  }





}
