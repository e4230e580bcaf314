package dev.turboagents.http.inference;

import static org.apache.pekko.http.javadsl.server.Directives.extractRequestContext;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;

import dev.turboagents.http.metrics.HttpMetrics;
import java.util.UUID;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Every request through a model door (Ollama's, OpenAI's) gets an id, sent back on its response
 * (errors too) as {@value #HEADER}: the id to ask {@code GET /api/v1/inference/requests/{id}} about.
 * A client that wants to watch its request while it waits (before any response) sends its own id
 * in the same header (1-64 letters, digits, '.', '_' or '-'); otherwise, or when it is not such
 * an id, the door makes one.
 */
public final class RequestIds {
  public static final String HEADER = "X-Turbo-Request-Id";

  private static final java.util.regex.Pattern VALID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private RequestIds() {}

  /** A fresh id for this request, on its response, handed to {@code inner}. */
  public static Route withRequestId(Function<String, Route> inner) {
    return extractRequestContext(context -> {
      String id = context.getRequest().getHeader(HEADER).map(h -> h.value().strip())
          .filter(v -> VALID.matcher(v).matches()).orElseGet(() -> UUID.randomUUID().toString());
      // the HTTP server span, when telemetry is on, becomes the parent of the door's span of this request
      context.getRequest().getAttribute(HttpMetrics.ServerSpan.KEY).ifPresent(span -> span.handOver(id));
      return respondWithHeader(RawHeader.create(HEADER, id), () -> inner.apply(id));
    });
  }
}
