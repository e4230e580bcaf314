package dev.turboagents.http.graph;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import dev.turboagents.config.GraphSettings;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import dev.turboagents.http.QueryParameters;
import dev.turboagents.persistence.graph.EntityRef;
import dev.turboagents.persistence.graph.EntityType;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphContext;
import dev.turboagents.persistence.graph.GraphUnavailable;
import dev.turboagents.persistence.graph.RelatedEntity;
import dev.turboagents.persistence.graph.SearchHit;
import dev.turboagents.persistence.graph.SearchQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The knowledge graph under /api/v1/graph: hybrid search (the seed's body), related entities by
 * traversal, RAG context for a task, what changed since a time (dated facts), and a rebuild from the journal. Neo4j away is a 503.
 */
public final class GraphRoutes {
  private static final int MAX_LIMIT = 100;
  private static final int MAX_CHANGES = 5000;
  private static final String TYPES = Arrays.stream(EntityType.values()).map(EntityType::apiName).collect(Collectors.joining(", "));

  /** {@code POST /graph/search}; {@code status} is one status or a list of them. */
  record SearchRequest(Optional<String> query, OptionalLong limit, OptionalDouble minRelevance, Optional<String> mode,
      Optional<List<String>> types, Optional<String> projectId, Optional<StatusFilter> status,
      Optional<String> asOf) {}

  /** {@code POST /graph/context}. */
  record ContextRequest(Optional<String> task, OptionalLong tokenBudget) {}

  /** One status or several: {@code "open"} or {@code ["open", "in_progress"]}. */
  record StatusFilter(List<String> statuses) {
    @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
    static StatusFilter of(com.fasterxml.jackson.databind.JsonNode value) {
      List<String> out = new ArrayList<>();
      if (value.isTextual()) {
        out.add(value.textValue());
      } else if (value.isArray()) {
        for (var item : value) {
          if (!item.isTextual()) {
            throw ApiError.invalid("field 'status' must be a status or an array of statuses, found " + item);
          }
          out.add(item.textValue());
        }
      } else {
        throw ApiError.invalid("field 'status' must be a status or an array of statuses, was " + value);
      }
      return new StatusFilter(out.stream().map(v -> v.strip().toLowerCase(Locale.ROOT)).toList());
    }
  }

  record SearchResults(List<HitView> results) {}

  record HitView(String entityType, String entityId, String title, double relevance, String snippet, Optional<String> status) {
    static HitView of(SearchHit h) {
      return new HitView(h.entity().type().apiName(), h.entity().id(), h.title(), Math.round(h.relevance() * 10_000) / 10_000.0,
          h.snippet(), h.status().isEmpty() ? Optional.empty() : Optional.of(h.status()));
    }
  }

  record RelatedResults(String entityType, String entityId, List<RelatedView> results) {}

  record RelatedView(String entityType, String entityId, String title, int distance, String via, String snippet,
      Optional<String> status) {
    static RelatedView of(RelatedEntity r) {
      return new RelatedView(r.entity().type().apiName(), r.entity().id(), r.title(), r.distance(), r.via(), r.snippet(),
          r.status().isEmpty() ? Optional.empty() : Optional.of(r.status()));
    }
  }

  record ContextView(String context, List<CitedView> cited, int estimatedTokens, boolean truncated) {
    static ContextView of(GraphContext c) {
      return new ContextView(c.text(), c.cited().stream().map(r -> new CitedView(r.type().apiName(), r.id())).toList(),
          c.estimatedTokens(), c.truncated());
    }
  }

  record CitedView(String entityType, String entityId) {}

  record RebuildView(String status, String detail) {}

  record ChangesView(String since, List<ChangeView> changes) {}

  record ChangeView(String at, String change, String entityType, String entityId, String attribute, String value, String source) {
    static ChangeView of(dev.turboagents.persistence.graph.FactChange c) {
      return new ChangeView(c.at().toString(), c.change(), c.subject().type().apiName(), c.subject().id(), c.attribute(),
          c.value(), c.source());
    }
  }

  private final Graph graph;
  private final GraphSettings settings;
  private final JsonBody json;

  public GraphRoutes(Graph graph, GraphSettings settings, long maxBodyBytes) {
    this.graph = graph;
    this.settings = settings;
    this.json = new JsonBody(maxBodyBytes);
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> pathPrefix("graph", () ->
        handleExceptions(unavailable(), () -> concat(
            path("search", () -> post(() -> json.as(SearchRequest.class, this::search))),
            path("changes", () -> get(() -> parameterMap(this::changes))),
            path("context", () -> post(() -> json.as(ContextRequest.class, this::context))),
            // the body (if any) is read and ignored, so the answer never comes before the request ended
            path("rebuild", () -> post(() -> entity(Unmarshaller.entityToString(), ignored -> onSuccess(graph.rebuild(), done ->
                complete(ApiJson.response(StatusCodes.ACCEPTED, new RebuildView("rebuilding",
                    "the graph was emptied and is being projected again from the journal; GET /health shows the lag"))))))),
            pathPrefix("entities", () -> pathPrefix(segment(), type -> pathPrefix(segment(), id ->
                path("related", () -> get(() -> parameterMap(params -> related(type, id, params))))))))))));
  }

  private Route search(SearchRequest body) {
    String text = FieldRules.meaningful("query", FieldRules.required("query", body.query()));
    int limit = (int) FieldRules.between("limit", body.limit().orElse(10), 1, MAX_LIMIT);
    double minRelevance = FieldRules.fraction("min_relevance", body.minRelevance().orElse(settings.defaultMinRelevance()));
    SearchQuery.Mode mode = FieldRules.choice("mode", body.mode(),
        v -> Arrays.stream(SearchQuery.Mode.values()).filter(m -> m.name().equalsIgnoreCase(v)).findFirst(),
        "hybrid, vector, fulltext").orElse(SearchQuery.Mode.HYBRID);
    Set<EntityType> types = new LinkedHashSet<>();
    for (String t : body.types().orElse(List.of())) {
      types.add(EntityType.fromApiName(t).orElseThrow(() ->
          ApiError.invalid("field 'types' may contain " + TYPES + ", found '" + t + "'")));
    }
    SearchQuery query = SearchQuery.of(text, limit, minRelevance).withMode(mode).withTypes(types)
        .withStatuses(Set.copyOf(body.status().map(StatusFilter::statuses).orElse(List.of())));
    if (body.projectId().isPresent()) {
      query = query.inProject(body.projectId().get());
    }
    if (body.asOf().isPresent()) {
      query = query.asOf(FieldRules.instant("field 'as_of'", body.asOf().get()));
    }
    return onSuccess(graph.search(query), hits -> complete(ApiJson.response(StatusCodes.OK,
        new SearchResults(hits.stream().map(HitView::of).toList()))));
  }

  private Route related(String typeName, String id, Map<String, String> params) {
    EntityType type = EntityType.fromApiName(typeName).orElseThrow(() ->
        ApiError.invalid("entity type must be one of " + TYPES + ", was '" + typeName + "'"));
    int depth = QueryParameters.wholeNumber(params, "depth", 1, 1, 3);
    int limit = QueryParameters.wholeNumber(params, "limit", 10, 1, MAX_LIMIT);
    return onSuccess(graph.related(new EntityRef(type, id), depth, limit), found -> found
        .map(related -> complete(ApiJson.response(StatusCodes.OK,
            new RelatedResults(type.apiName(), id, related.stream().map(RelatedView::of).toList()))))
        .orElseGet(() -> complete(ApiError.response(StatusCodes.NOT_FOUND, "not found",
            "no " + type.apiName() + " with id '" + id + "' in the knowledge graph"))));
  }

  private Route changes(Map<String, String> params) {
    java.time.Instant since = QueryParameters.instant(params, "since", true).orElseThrow();
    int limit = QueryParameters.wholeNumber(params, "limit", 500, 1, MAX_CHANGES);
    return onSuccess(graph.changes(since, limit), changes -> complete(ApiJson.response(StatusCodes.OK,
        new ChangesView(since.toString(), changes.stream().map(ChangeView::of).toList()))));
  }

  private Route context(ContextRequest body) {
    String task = FieldRules.meaningful("task", FieldRules.required("task", body.task()));
    long budget = FieldRules.between("token_budget", body.tokenBudget().orElse(settings.contextTokenBudget()), 1, 1_000_000);
    return onSuccess(graph.context(task, (int) budget), ctx -> complete(ApiJson.response(StatusCodes.OK, ContextView.of(ctx))));
  }

  private static ExceptionHandler unavailable() {
    return ExceptionHandler.newBuilder().match(Throwable.class, t -> complete(
        ApiError.unwrap(t) instanceof GraphUnavailable g
            ? ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, "knowledge graph unavailable", g.getMessage())
            : ApiError.forThrowable(t))).build();
  }
}
