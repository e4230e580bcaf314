package dev.turboagents.http.metrics;

import dev.turboagents.persistence.graph.GraphProjection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The graph projection's figures from its last status (taken at each scrape): journal events not yet
 * in the graph ({@code graph_projection_lag_events}, counted up to the projection's limit), events
 * projected since start, and whether it is running (1) or starting, retrying, rebuilding (0).
 */
public final class GraphMetrics {
  private final AtomicReference<Optional<GraphProjection.Status>> last = new AtomicReference<>(Optional.empty());

  public GraphMetrics(MeterRegistry registry) {
    Gauge.builder("graph.projection.lag.events", this, m -> m.last.get().map(s -> (double) s.lag()).orElse(Double.NaN))
        .description("Journal events not yet projected into the graph (counted up to a limit)").strongReference(true)
        .register(registry);
    Gauge.builder("graph.projection.running", this, m -> m.last.get()
            .map(s -> s.phase() == GraphProjection.Phase.RUNNING ? 1.0 : 0.0).orElse(Double.NaN))
        .description("1 while the projection follows the journal, 0 while it starts, retries or rebuilds")
        .strongReference(true).register(registry);
    FunctionCounter.builder("graph.projection.events", this, m -> m.last.get().map(s -> (double) s.projectedEvents()).orElse(0.0))
        .description("Events projected into the graph since the daemon started").register(registry);
  }

  public void update(GraphProjection.Status status) {
    last.set(Optional.of(status));
  }
}
