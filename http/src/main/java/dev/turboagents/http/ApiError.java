package dev.turboagents.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one error type of the HTTP API: a status, a short error and a detail that says what was
 * wrong (which field, which id, which limit). Every error the API returns is JSON
 * {@code {"error": ..., "detail": ...}}: thrown ones, rejections (404, 405), failures of the
 * tracker's rules and timeouts all go through here.
 */
public final class ApiError extends RuntimeException {
  private static final Logger log = LoggerFactory.getLogger(ApiError.class);

  /** What the client sees. */
  public record Body(String error, String detail) {}

  private final StatusCode status;
  private final String error;

  public ApiError(StatusCode status, String error, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.error = error;
  }

  /** A 400: the request is wrong in a way the client can fix; {@code detail} names the field. */
  public static ApiError invalid(String detail) {
    return new ApiError(StatusCodes.BAD_REQUEST, "invalid request", detail);
  }

  public static ApiError notFound(String detail) {
    return new ApiError(StatusCodes.NOT_FOUND, "not found", detail);
  }

  public StatusCode status() {
    return status;
  }

  public String error() {
    return error;
  }

  public HttpResponse toResponse() {
    return response(status, error, getMessage());
  }

  public static HttpResponse response(StatusCode status, String error, String detail) {
    return ApiJson.response(status, new Body(error, detail));
  }

  public static HttpResponse forThrowable(Throwable thrown) {
    Throwable t = unwrap(thrown);
    return switch (t) {
      case ApiError e -> e.toResponse();
      case TrackerRejection r -> switch (r.reason()) {
        case INVALID -> response(StatusCodes.BAD_REQUEST, "invalid request", r.getMessage());
        case NOT_FOUND -> response(StatusCodes.NOT_FOUND, "not found", r.getMessage());
        case CONFLICT -> response(StatusCodes.CONFLICT, "stale version", r.getMessage());
        case KEY_REUSED -> response(StatusCodes.UNPROCESSABLE_CONTENT, "idempotency key reused", r.getMessage());
      };
      case EntityStreamSizeException s -> response(StatusCodes.CONTENT_TOO_LARGE, "request body too large",
          "the body is larger than the limit of " + s.limit() + " bytes (turbo-agents.http.max-body-size)");
      case TimeoutException e -> response(StatusCodes.SERVICE_UNAVAILABLE, "timed out",
          "the daemon did not answer in time (turbo-agents.http.ask-timeout); the request may still complete: " + e.getMessage());
      default -> {
        log.error("Unexpected failure while serving a request", t);
        yield response(StatusCodes.INTERNAL_SERVER_ERROR, "internal error", t.getClass().getSimpleName() + ": " + t.getMessage());
      }
    };
  }

  public static Throwable unwrap(Throwable t) {
    return AsyncFailure.cause(t);
  }

  public static ExceptionHandler exceptionHandler() {
    return ExceptionHandler.newBuilder().match(Throwable.class, t -> complete(forThrowable(t))).build();
  }

  public static RejectionHandler rejectionHandler() {
    return RejectionHandler.newBuilder()
        .handleNotFound(extractUnmatchedPath(path ->
            complete(response(StatusCodes.NOT_FOUND, "not found", "no endpoint at " + path))))
        .handleAll(MethodRejection.class, rejections ->
            complete(response(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed",
                "this endpoint accepts " + rejections.stream().map(r -> r.supported().name()).distinct().sorted().toList())))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(response -> {
          if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            return response;
          }
          String text = response.entity() instanceof HttpEntity.Strict strict
              ? strict.getData().utf8String() : response.status().reason();
          return response(response.status(), response.status().reason().toLowerCase(Locale.ROOT), text);
        });
  }
}
