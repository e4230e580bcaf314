package dev.turboagents.http.graph;

import static org.apache.pekko.http.javadsl.server.Directives.*;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.config.GraphSettings;
import dev.turboagents.http.ApiErrors;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.JsonFields;
import dev.turboagents.http.JsonRequest;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The knowledge graph under /api/v1/graph: hybrid search (the seed's body), related entities by
 * traversal, RAG context for a task, and a rebuild from the journal. Neo4j away is a 503.
 */
public final class GraphRoutes {
  private static final Set<String> SEARCH = Set.of("query", "limit", "min_relevance", "mode", "types", "project_id", "status");
  private static final Set<String> CONTEXT = Set.of("task", "token_budget");
  private static final int MAX_LIMIT = 100;
  private static final String TYPES = Arrays.stream(EntityType.values()).map(EntityType::apiName).collect(Collectors.joining(", "));

  private final Graph graph;
  private final GraphSettings settings;
  private final JsonRequest json;

  public GraphRoutes(Graph graph, GraphSettings settings, long maxBodyBytes) {
    this.graph = graph;
    this.settings = settings;
    this.json = new JsonRequest(maxBodyBytes);
  }

  public Route route() {
    return pathPrefix("api", () -> pathPrefix("v1", () -> pathPrefix("graph", () ->
        handleExceptions(unavailable(), () -> concat(
            path("search", () -> post(() -> json.object(this::search))),
            path("context", () -> post(() -> json.object(this::context))),
            // the body (if any) is read and ignored, so the answer never comes before the request ended
            path("rebuild", () -> post(() -> entity(Unmarshaller.entityToString(), ignored -> onSuccess(graph.rebuild(), done ->
                complete(ApiJson.response(StatusCodes.ACCEPTED, Map.of("status", "rebuilding",
                    "detail", "the graph was emptied and is being projected again from the journal; GET /health shows the lag"))))))),
            pathPrefix("entities", () -> pathPrefix(segment(), type -> pathPrefix(segment(), id ->
                path("related", () -> get(() -> parameterMap(params -> related(type, id, params))))))))))));
  }

  private Route search(JsonFields body) {
    body.allowOnly(SEARCH);
    String text = body.requiredString("query");
    if (text.isBlank()) {
      throw ApiErrors.BadRequest.invalid("field 'query' must not be blank");
    }
    int limit = (int) body.optionalLong("limit").orElse(10);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw ApiErrors.BadRequest.invalid("field 'limit' must be from 1 to " + MAX_LIMIT + ", was " + limit);
    }
    double minRelevance = fraction(body, "min_relevance").orElse(settings.defaultMinRelevance());
    SearchQuery.Mode mode = body.optionalChoice("mode",
        v -> Arrays.stream(SearchQuery.Mode.values()).filter(m -> m.name().equalsIgnoreCase(v)).findFirst(),
        "hybrid, vector, fulltext").orElse(SearchQuery.Mode.HYBRID);
    Set<EntityType> types = new LinkedHashSet<>();
    for (String t : body.optionalStringList("types").orElse(List.of())) {
      types.add(EntityType.fromApiName(t).orElseThrow(() ->
          ApiErrors.BadRequest.invalid("field 'types' may contain " + TYPES + ", found '" + t + "'")));
    }
    SearchQuery query = SearchQuery.of(text, limit, minRelevance).withMode(mode).withTypes(types)
        .withStatuses(Set.copyOf(stringOrList(body, "status")));
    if (body.optionalString("project_id").isPresent()) {
      query = query.inProject(body.optionalString("project_id").get());
    }
    return onSuccess(graph.search(query), hits -> complete(ApiJson.response(StatusCodes.OK,
        Map.of("results", hits.stream().map(GraphRoutes::hit).toList()))));
  }

  private Route related(String typeName, String id, Map<String, String> params) {
    EntityType type = EntityType.fromApiName(typeName).orElseThrow(() ->
        ApiErrors.BadRequest.invalid("entity type must be one of " + TYPES + ", was '" + typeName + "'"));
    int depth = QueryParameters.wholeNumber(params, "depth", 1, 1, 3);
    int limit = QueryParameters.wholeNumber(params, "limit", 10, 1, MAX_LIMIT);
    EntityRef entity = new EntityRef(type, id);
    return onSuccess(graph.related(entity, depth, limit), found -> found
        .map(related -> {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("entity_type", type.apiName());
          body.put("entity_id", id);
          body.put("results", related.stream().map(GraphRoutes::related).toList());
          return complete(ApiJson.response(StatusCodes.OK, body));
        })
        .orElseGet(() -> complete(ApiErrors.response(StatusCodes.NOT_FOUND, "not found",
            "no " + type.apiName() + " with id '" + id + "' in the knowledge graph"))));
  }

  private Route context(JsonFields body) {
    body.allowOnly(CONTEXT);
    String task = body.requiredString("task");
    if (task.isBlank()) {
      throw ApiErrors.BadRequest.invalid("field 'task' must not be blank");
    }
    long budget = body.optionalLong("token_budget").orElse(settings.contextTokenBudget());
    if (budget < 1 || budget > 1_000_000) {
      throw ApiErrors.BadRequest.invalid("field 'token_budget' must be from 1 to 1000000, was " + budget);
    }
    return onSuccess(graph.context(task, (int) budget), ctx -> complete(ApiJson.response(StatusCodes.OK, context(ctx))));
  }

  private static Map<String, Object> hit(SearchHit h) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("entity_type", h.entity().type().apiName());
    out.put("entity_id", h.entity().id());
    out.put("title", h.title());
    out.put("relevance", Math.round(h.relevance() * 10_000) / 10_000.0);
    out.put("snippet", h.snippet());
    out.put("status", h.status().isEmpty() ? null : h.status());
    return out;
  }

  private static Map<String, Object> related(RelatedEntity r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("entity_type", r.entity().type().apiName());
    out.put("entity_id", r.entity().id());
    out.put("title", r.title());
    out.put("distance", r.distance());
    out.put("via", r.via());
    out.put("snippet", r.snippet());
    out.put("status", r.status().isEmpty() ? null : r.status());
    return out;
  }

  private static Map<String, Object> context(GraphContext c) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("context", c.text());
    out.put("cited", c.cited().stream().map(r -> Map.of("entity_type", r.type().apiName(), "entity_id", r.id())).toList());
    out.put("estimated_tokens", c.estimatedTokens());
    out.put("truncated", c.truncated());
    return out;
  }

  private static Optional<Double> fraction(JsonFields body, String name) {
    JsonNode value = body.node().get(name);
    if (value == null || value.isNull()) {
      return Optional.empty();
    }
    if (!value.isNumber() || value.doubleValue() < 0 || value.doubleValue() > 1) {
      throw ApiErrors.BadRequest.invalid("field '" + name + "' must be a number from 0 to 1, was " + value);
    }
    return Optional.of(value.doubleValue());
  }

  private static List<String> stringOrList(JsonFields body, String name) {
    JsonNode value = body.node().get(name);
    if (value != null && value.isTextual()) {
      return List.of(value.textValue().strip().toLowerCase(Locale.ROOT));
    }
    List<String> out = new ArrayList<>();
    body.optionalStringList(name).orElse(List.of()).forEach(s -> out.add(s.strip().toLowerCase(Locale.ROOT)));
    return out;
  }



  private static ExceptionHandler unavailable() {
    return ExceptionHandler.newBuilder().match(Throwable.class, t -> complete(
        ApiErrors.unwrap(t) instanceof GraphUnavailable g
            ? ApiErrors.response(StatusCodes.SERVICE_UNAVAILABLE, "knowledge graph unavailable", g.getMessage())
            : ApiErrors.forThrowable(t))).build();
  }
}
