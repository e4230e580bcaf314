package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;
import static org.apache.pekko.http.javadsl.server.Directives.reject;
import static org.apache.pekko.http.javadsl.server.Directives.respondWithHeader;

import dev.turboagents.http.openapi.OpenApiPart;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * A subsystem as the HTTP server sees it: its routes once it serves, its part of the OpenAPI
 * document, and what it is doing while it starts. Until its routes are there, a request for one of
 * the paths its OpenAPI part documents is answered 503 with {@code Retry-After} and the subsystem's
 * progress in words, never passed on to a half-started subsystem; other paths are left to the rest.
 *
 * @param subsystem its name, as in /health ("tracker", "graph", "inference")
 * @param routes completes with the subsystem's routes once it serves; fails when it cannot start
 * @param progress what the subsystem is doing while it starts ("starting the in-process Neo4j")
 */
public record Endpoints(String subsystem, CompletionStage<Route> routes, OpenApiPart openApi, Supplier<String> progress) {

  /** The subsystem's routes, or the 503 that stands in for them while it starts. */
  Route route(Duration retryAfter) {
    CompletableFuture<Route> ready = routes.toCompletableFuture();
    return extractUnmatchedPath(path -> {
      if (ready.isDone() && !ready.isCompletedExceptionally()) {
        return ready.join();
      }
      if (!openApi.documents(path)) {
        return reject();
      }
      if (ready.isCompletedExceptionally()) {
        return complete(ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, subsystem + " unavailable",
            "the " + subsystem + " subsystem could not start: " + ApiError.unwrap(ready.exceptionNow()).getMessage()));
      }
      return respondWithHeader(RetryAfter.create(Math.max(1, retryAfter.toSeconds())), () ->
          complete(ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, subsystem + " starting",
              "the " + subsystem + " subsystem is starting (" + progress.get() + "); retry in " + Math.max(1, retryAfter.toSeconds())
                  + " s")));
    });
  }
}
