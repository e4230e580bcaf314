package dev.turboagents.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;

import dev.turboagents.http.openapi.OpenApiPart;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Locale;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Counts and times every HTTP request by route and status ({@code http_server_requests_seconds}).
 * The route is the documented path template the request falls under ("/api/v1/issues/{id}"), so
 * ids never become labels; anything undocumented is "other". The time is until the response's
 * head: a streamed answer counts when its first piece goes out.
 */
public final class HttpMetrics {
  private static final List<String> OWN = List.of("/health", "/metrics", "/api/v1/openapi.json");

  private final MeterRegistry registry;
  private final List<OpenApiPart> parts;

  public HttpMetrics(MeterRegistry registry, List<OpenApiPart> parts) {
    this.registry = registry;
    this.parts = List.copyOf(parts);
  }

  public Route measure(Route inner) {
    return extractRequest(request -> {
      long start = System.nanoTime();
      String route = route(request.getUri().path());
      String method = request.method().value().toUpperCase(Locale.ROOT);
      return mapResponse(response -> {
        Timer.builder("http.server.requests").description("HTTP requests by route, method and status")
            .tag("route", route).tag("method", method).tag("status", Integer.toString(response.status().intValue()))
            .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return response;
      }, () -> inner);
    });
  }

  String route(String path) {
    String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    if (OWN.contains(trimmed)) {
      return trimmed;
    }
    for (OpenApiPart part : parts) {
      var template = part.template(path);
      if (template.isPresent()) {
        return template.get();
      }
    }
    return "other";
  }
}
