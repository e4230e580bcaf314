package dev.turboagents.http.metrics;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;

import dev.turboagents.actors.telemetry.GenAiSpans;
import dev.turboagents.http.openapi.OpenApiPart;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.AttributeKey;
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
    return measure(inner, Optional.empty());
  }

  /**
   * Counts and times every request as {@link #measure(Route)} does and, with {@code spans}, gives each
   * an HTTP server span ({@code http.request.method}, {@code http.route}, {@code http.response.status_code},
   * ended with the response's head), carried on the request ({@link ServerSpan#KEY}) so the model
   * doors hand it to the inference door as the parent of its GenAI span.
   */
  public Route measure(Route inner, Optional<GenAiSpans> spans) {
    return extractRequest(request -> {
      String route = route(request.getUri().path());
      String method = request.method().value().toUpperCase(Locale.ROOT);
      if (spans.isEmpty()) {
        return measured(route, method, inner);
      }
      Span span = spans.get().httpServer(method, route);
      return mapRequest(r -> r.addAttribute(ServerSpan.KEY, new ServerSpan(spans.get(), span)), () -> mapResponse(r -> {
        spans.get().release(span);
        GenAiSpans.answered(span, r.status().intValue());
        return r;
      }, () -> measured(route, method, inner)));
    });
  }

  private Route measured(String route, String method, Route inner) {
    return extractRequest(request -> {
      long start = System.nanoTime();
      return mapResponse(response -> {
        Timer.builder("http.server.requests").description("HTTP requests by route, method and status")
            .tag("route", route).tag("method", method).tag("status", Integer.toString(response.status().intValue()))
            .register(registry).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        return response;
      }, () -> inner);
    });
  }

  /** The server span of an HTTP request, with the spans that made it. */
  public record ServerSpan(GenAiSpans spans, Span span) {
    public static final AttributeKey<ServerSpan> KEY = AttributeKey.create("turbo-agents-server-span", ServerSpan.class);

    /** The door's request {@code requestId} is a child of this span. */
    public void handOver(String requestId) {
      spans.handOver(requestId, span);
    }
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
