package dev.turboagents.http.health;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.turboagents.health.ComponentHealth;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.ApiJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /health}: every component's status, detail and figures. A subsystem still starting is
 * reported "starting" with what it is doing; one that could not start is "down" with why. 200 while
 * nothing is down, 503 when a component is down, so a supervisor (launchd, systemd, a script) can
 * act on it.
 */
public final class HealthRoutes {

  /** A subsystem's health: its checks once it serves, what it is doing until then. */
  public record Source(String subsystem, CompletionStage<List<HealthCheck>> checks, Supplier<String> progress) {}

  /** The answer, as the wire shows it. */
  public record Report(String status, Map<String, ComponentView> components) {}

  public record ComponentView(String status, String detail, Map<String, Object> figures) {}

  private final List<Source> sources;
  private final Duration timeout;

  public HealthRoutes(List<Source> sources, Duration timeout) {
    this.sources = List.copyOf(sources);
    this.timeout = timeout;
  }

  public Route route() {
    return path("health", () -> get(() -> onSuccess(report(), report -> {
      boolean down = report.stream().anyMatch(h -> h.status() == ComponentHealth.Status.DOWN);
      String overall = down ? "down" : worst(report);
      Map<String, ComponentView> components = new LinkedHashMap<>();
      for (ComponentHealth h : report) {
        components.put(h.component(), new ComponentView(h.status().name().toLowerCase(Locale.ROOT), h.detail(), h.figures()));
      }
      return complete(ApiJson.response(down ? StatusCodes.SERVICE_UNAVAILABLE : StatusCodes.OK, new Report(overall, components)));
    })));
  }

  /** "up" only when everything is; otherwise the worst of starting and degraded. */
  private static String worst(List<ComponentHealth> report) {
    if (report.stream().anyMatch(h -> h.status() == ComponentHealth.Status.DEGRADED)) {
      return "degraded";
    }
    if (report.stream().anyMatch(h -> h.status() == ComponentHealth.Status.STARTING)) {
      return "starting";
    }
    return "up";
  }

  private CompletableFuture<List<ComponentHealth>> report() {
    List<CompletableFuture<List<ComponentHealth>>> answers = new ArrayList<>();
    for (Source source : sources) {
      answers.add(of(source));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(x -> answers.stream().flatMap(a -> a.join().stream()).toList());
  }

  private CompletableFuture<List<ComponentHealth>> of(Source source) {
    CompletableFuture<List<HealthCheck>> checks = source.checks().toCompletableFuture();
    if (!checks.isDone()) {
      return CompletableFuture.completedFuture(List.of(ComponentHealth.starting(source.subsystem(), source.progress().get())));
    }
    if (checks.isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(List.of(ComponentHealth.down(source.subsystem(),
          "could not start: " + ApiError.unwrap(checks.exceptionNow()).getMessage())));
    }
    List<CompletableFuture<ComponentHealth>> answers = new ArrayList<>();
    for (HealthCheck check : checks.join()) {
      CompletableFuture<ComponentHealth> answer;
      try {
        answer = check.check().toCompletableFuture();
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answers.add(answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .exceptionally(e -> ComponentHealth.down(check.component(), "no answer: " + ApiError.unwrap(e))));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(x -> answers.stream().map(CompletableFuture::join).toList());
  }
}
