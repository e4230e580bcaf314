package dev.turboagents.http.ollama;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.head;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeout;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.ModelListings;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.OversizedBody;
import dev.turboagents.http.inference.ChunkStream;
import dev.turboagents.http.inference.RequestIds;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Ollama's API, served by the daemon and routed through the inference actor, so other local tools
 * (Ollama's CLI with OLLAMA_HOST, the client libraries, editors) share the queue and the residency
 * plan: {@code /api/chat}, {@code /api/generate}, {@code /api/embed} (streaming NDJSON as Ollama
 * does), {@code /api/tags}, {@code /api/ps}, {@code /api/show}, {@code /api/version}. The header
 * {@code X-Turbo-Priority: interactive|agent|background} sets the class (default interactive).
 * Ollama's wire JSON is read by {@link OllamaRequests} and written by {@link OllamaResponses};
 * Ollama's quirks (any content type, its error shape, NDJSON streaming) stay in this package.
 */
public final class OllamaRoutes {
  public static final String PRIORITY_HEADER = "X-Turbo-Priority";

  private static final HttpResponse RUNNING = HttpResponse.create()
      .withEntity(ContentTypes.TEXT_PLAIN_UTF8, "Ollama is running");
  private static final org.apache.pekko.http.javadsl.model.ContentType NDJSON = MediaTypes
      .applicationWithOpenCharset("x-ndjson").toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);

  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final long maxBodyBytes;
  private final Duration askTimeout;
  private final Duration callTimeout;
  private final Duration retryAfter;

  /**
   * @param askTimeout for listings (tags, ps, show, version)
   * @param callTimeout for a model call: the inference default deadline plus a margin
   * @param retryAfter what a 503 tells the client to wait
   */
  public OllamaRoutes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, long maxBodyBytes,
      Duration askTimeout, Duration callTimeout, Duration retryAfter) {
    this.inference = inference;
    this.system = system;
    this.maxBodyBytes = maxBodyBytes;
    this.askTimeout = askTimeout;
    this.callTimeout = callTimeout;
    this.retryAfter = retryAfter;
  }

  /** Every response carries {@code X-Turbo-Request-Id}; a model call is known to the door by that id. */
  public Route route() {
    return RequestIds.withRequestId(id -> routes(id));
  }

  private Route routes(String id) {
    return concat(
        // Ollama's CLI probes HEAD / with Accept: application/json: answer as Ollama does, whatever the Accept
        pathSingleSlash(() -> concat(head(() -> complete(RUNNING)), get(() -> complete(RUNNING)))),
        pathPrefix("api", () -> concat(
            path("chat", () -> post(() -> call(id, OllamaRequests::chat))),
            path("generate", () -> post(() -> call(id, OllamaRequests::generate))),
            path("embed", () -> post(() -> call(id, OllamaRequests::embed))),
            path("tags", () -> get(() -> listing(ModelListings.ListModels::new, r -> switch (r) {
              case ModelListings.Models m -> ok(OllamaResponses.models(m.models()));
              case ModelListings.Failed f -> failure(f);
            }))),
            path("ps", () -> get(() -> listing(ModelListings.ListRunning::new, r -> switch (r) {
              case ModelListings.Loaded m -> ok(OllamaResponses.running(m.models()));
              case ModelListings.Failed f -> failure(f);
            }))),
            path("version", () -> get(() -> listing(ModelListings.GetVersion::new, r -> switch (r) {
              case ModelListings.Version v -> ok(OllamaResponses.version(v.version()));
              case ModelListings.Failed f -> failure(f);
            }))),
            path("show", () -> post(() -> body(json -> {
              String model;
              try {
                model = OllamaRequests.model(json);
              } catch (OllamaRequests.InvalidField e) {
                return complete(invalid(e));
              }
              return listing((ActorRef<ModelListings.ShowReply> to) -> new ModelListings.ShowModel(model, to), r -> switch (r) {
                case ModelListings.Shown s -> ok(OllamaResponses.shown(s.model()));
                case ModelListings.Failed f -> failure(f);
              });
            }))))));
  }

  // ---- model calls ----

  private Route call(String id, Function<JsonNode, InferenceCall> parse) {
    return withRequestTimeout(callTimeout, request -> ApiError.response(StatusCodes.GATEWAY_TIMEOUT, "timed out",
        "no answer within " + callTimeout.toSeconds() + " s (turbo-agents.inference.default-deadline plus reply-margin)"),
        () -> callWithin(id, parse));
  }

  private Route callWithin(String id, Function<JsonNode, InferenceCall> parse) {
    return optionalHeaderValueByName(PRIORITY_HEADER, header -> body(json -> {
      Priority priority;
      InferenceCall call;
      boolean stream;
      try {
        priority = header.map(h -> Priority.parse(h).orElseThrow(() -> new OllamaRequests.InvalidField(
            "header " + PRIORITY_HEADER, "must be interactive, agent or background, was '" + h + "'")))
            .orElse(Priority.INTERACTIVE);
        call = parse.apply(json);
        stream = !(call instanceof InferenceCall.Embed) && OllamaRequests.streams(json);
      } catch (OllamaRequests.InvalidField e) {
        return complete(invalid(e));
      }
      return stream ? streamed(id, call, priority) : whole(id, call, priority);
    }));
  }

  private Route whole(String id, InferenceCall call, Priority priority) {
    CompletionStage<InferenceActor.Reply> reply = AskPattern.ask(inference,
        to -> new InferenceActor.Submit(id, call, priority, Optional.empty(), Optional.empty(), to, true), callTimeout,
        system.scheduler());
    return onSuccess(reply, r -> complete(switch (r) {
      case InferenceActor.Completed c -> ok(OllamaResponses.done(call, c.completion(), false));
      case InferenceActor.Failed f -> failure(f);
    }));
  }

  /**
   * Streams NDJSON as Ollama does. The first piece decides the status: a request refused before any
   * token (unknown model, busy, deadline) gets a plain error response with the right status, as
   * Ollama answers; a stream that breaks later ends with an {@code {"error": ...}} line.
   */
  private Route streamed(String id, InferenceCall call, Priority priority) {
    ChunkStream stream = ChunkStream.start(system, sink -> new InferenceActor.Submit(id, call, priority,
        Optional.empty(), Optional.of(sink), system.ignoreRef(), true), inference);
    return onComplete(stream.first(), first -> {
      if (first.isFailure()) {
        return complete(ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, "no answer", "the inference actor ended the stream"));
      }
      if (first.get() instanceof InferenceActor.End end && end.reply() instanceof InferenceActor.Failed f) {
        stream.discard(system);
        return complete(failure(f));
      }
      Source<ByteString, NotUsed> lines = stream.chunks().map(c -> ByteString.fromString(line(call, c) + "\n"));
      return complete(HttpResponse.create().withStatus(StatusCodes.OK)
          .withEntity(HttpEntities.create(NDJSON, lines)));
    });
  }

  private String line(InferenceCall call, InferenceActor.Chunk chunk) {
    return switch (chunk) {
      case InferenceActor.Token t -> OllamaResponses.chunk(call, t.delta()).toString();
      case InferenceActor.End e -> switch (e.reply()) {
        case InferenceActor.Completed c -> OllamaResponses.done(call, c.completion(), true).toString();
        case InferenceActor.Failed f -> OllamaResponses.error(f.message()).toString();
      };
    };
  }

  // ---- listings ----

  private <R> Route listing(Function<ActorRef<R>, ModelListings.Command> query, Function<R, HttpResponse> render) {
    CompletionStage<R> reply = AskPattern.ask(inference, to -> new InferenceActor.Listing(query.apply(to)), askTimeout,
        system.scheduler());
    return onSuccess(reply, r -> complete(render.apply(r)));
  }

  // ---- bodies and errors ----

  private static HttpResponse invalid(OllamaRequests.InvalidField e) {
    return ApiError.response(StatusCodes.BAD_REQUEST, e.field() + " " + e.getMessage(), "field '" + e.field() + "' " + e.getMessage());
  }

  /** Reads the body as a JSON object whatever the content type (Ollama's clients and curl differ). */
  private Route body(Function<JsonNode, Route> inner) {
    return OversizedBody.refusedAfterReading(maxBodyBytes, length -> complete(ApiError.response(StatusCodes.CONTENT_TOO_LARGE,
        "request body too large", "the body is " + length + " bytes, the limit is " + maxBodyBytes
            + " bytes (turbo-agents.http.max-body-size)")), () -> withSizeLimit(maxBodyBytes, () -> entity(Unmarshaller.entityToByteString(), bytes -> {
      if (bytes.isEmpty()) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "missing request body",
            "send a JSON object such as {\"model\": \"llama3.2\", ...}"));
      }
      JsonNode node;
      try {
        node = OllamaResponses.MAPPER.readTree(bytes.toArray());
      } catch (IOException e) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "malformed JSON",
            "the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse("")));
      }
      if (node == null || !node.isObject()) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "invalid request", "the body must be a JSON object"));
      }
      return inner.apply(node);
    })));
  }

  private HttpResponse failure(InferenceActor.Failed f) {
    StatusCode status = switch (f.failure()) {
      case BUSY, CANCELLED, INTERRUPTED, UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
      case DEADLINE, STALLED -> StatusCodes.GATEWAY_TIMEOUT;
      case UNKNOWN_MODEL -> StatusCodes.NOT_FOUND;
      case REJECTED, CONTEXT_EXCEEDED -> StatusCodes.BAD_REQUEST;
      case BROKEN_STREAM -> StatusCodes.BAD_GATEWAY;
      case BUDGET_SPENT -> StatusCodes.TOO_MANY_REQUESTS;
    };
    HttpResponse response = error(status, f.message(), f.failure().name(), f.availableModels());
    // a spent daily budget says when it resets; a busy door is asked again after the configured pause
    Optional<java.time.Duration> after = f.retryAfter().or(() -> status == StatusCodes.SERVICE_UNAVAILABLE
        ? Optional.of(retryAfter) : Optional.empty());
    return after.map(d -> response.addHeader(org.apache.pekko.http.javadsl.model.headers.RetryAfter.create(
        Math.max(1, (d.toMillis() + 999) / 1000)))).orElse(response);
  }

  private static HttpResponse failure(ModelListings.Failed f) {
    StatusCode status = switch (f.failure()) {
      case UNKNOWN_MODEL -> StatusCodes.NOT_FOUND;
      case REJECTED -> StatusCodes.BAD_REQUEST;
      case UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
    };
    return error(status, f.message(), f.failure().name(), f.availableModels());
  }

  /** Ollama's clients read {@code error}; {@code detail} adds the kind and the models there are. */
  private static HttpResponse error(StatusCode status, String message, String kind, List<String> available) {
    return ApiError.response(status, message, kind.toLowerCase(java.util.Locale.ROOT)
        + (available.isEmpty() ? "" : ": available models " + String.join(", ", available)));
  }

  private static HttpResponse ok(JsonNode body) {
    return HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

}
