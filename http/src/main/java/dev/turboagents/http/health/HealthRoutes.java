package dev.turboagents.http.health;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.ApiErrors;
import dev.turboagents.http.ApiJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /health}: every component's status, detail and figures. 200 while nothing is down,
 * 503 when a component is down, so a supervisor (launchd, systemd, a script) can act on it.
 */
public final class HealthRoutes {
  private final List<HealthCheck> checks;
  private final Duration timeout;

  public HealthRoutes(List<HealthCheck> checks, Duration timeout) {
    this.checks = List.copyOf(checks);
    this.timeout = timeout;
  }

  public Route route() {
    return path("health", () -> get(() -> onSuccess(report(), report -> {
      boolean down = report.stream().anyMatch(h -> h.status() == ComponentHealth.Status.DOWN);
      boolean degraded = report.stream().anyMatch(h -> h.status() == ComponentHealth.Status.DEGRADED);
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("status", down ? "down" : degraded ? "degraded" : "up");
      Map<String, Object> components = new LinkedHashMap<>();
      for (ComponentHealth h : report) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", h.status().name().toLowerCase(java.util.Locale.ROOT));
        c.put("detail", h.detail());
        c.put("figures", h.figures());
        components.put(h.component(), c);
      }
      body.put("components", components);
      return complete(ApiJson.response(down ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.OK, body));
    })));
  }

  private CompletableFuture<List<ComponentHealth>> report() {
    List<CompletableFuture<ComponentHealth>> answers = new ArrayList<>();
    for (HealthCheck check : checks) {
      CompletableFuture<ComponentHealth> answer;
      try {
        answer = check.check().toCompletableFuture();
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answers.add(answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(e -> ComponentHealth.down(check.component(), "no answer: " + ApiErrors.unwrap(e))));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(x -> answers.stream().map(CompletableFuture::join).toList());
  }
}
