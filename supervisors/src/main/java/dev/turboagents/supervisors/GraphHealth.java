package dev.turboagents.supervisors;

import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphProjection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * The knowledge graph: Neo4j reachable, the projection's phase and how many journal events it has
 * not written yet (lag). Neo4j away is DEGRADED, not DOWN: the tracker keeps working and the graph
 * catches up later.
 */
public final class GraphHealth implements HealthCheck {
  private final Graph graph;

  public GraphHealth(Graph graph) {
    this.graph = graph;
  }

  @Override
  public String component() {
    return "graph";
  }

  @Override
  public CompletionStage<ComponentHealth> check() {
    CompletionStage<Boolean> reachable = graph.verifyConnectivity().handle((ok, failure) -> failure == null);
    return graph.projectionStatus().thenCombine(reachable, (status, up) -> {
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("neo4j", graph.neo4jUri());
      figures.put("neo4j_reachable", up);
      figures.put("embedding_model", graph.embeddingModel());
      figures.put("reembedding", graph.reembedding().running() ? "running" : "idle");
      figures.put("projection", status.phase().name().toLowerCase(java.util.Locale.ROOT));
      figures.put("lag_events", status.lag());
      figures.put("lag_is_at_least", status.lagIsAtLeast());
      figures.put("projected_events", status.projectedEvents());
      figures.put("offsets", status.offsets());
      status.lastError().ifPresent(e -> figures.put("last_error", e));
      status.lastErrorAt().ifPresent(t -> figures.put("last_error_at", t.toString()));
      String behind = status.lag() + (status.lagIsAtLeast() ? "+" : "") + " events behind the journal";
      if (!up) {
        return new ComponentHealth(component(), ComponentHealth.Status.DEGRADED,
            "Neo4j at " + graph.neo4jUri() + " cannot be reached; the projection retries with backoff, " + behind, figures);
      }
      return switch (status.phase()) {
        case RUNNING -> status.lag() == 0
            ? ComponentHealth.up(component(), "in step with the journal", figures)
            : ComponentHealth.up(component(), "projecting, " + behind, figures);
        case STARTING -> ComponentHealth.up(component(), "projection starting, " + behind, figures);
        case REBUILDING -> new ComponentHealth(component(), ComponentHealth.Status.DEGRADED,
            "rebuilding from the journal, " + behind, figures);
        case RETRYING -> new ComponentHealth(component(), ComponentHealth.Status.DEGRADED,
            "projection retrying after " + status.lastError().orElse("a failure") + "; " + behind, figures);
      };
    });
  }
}
