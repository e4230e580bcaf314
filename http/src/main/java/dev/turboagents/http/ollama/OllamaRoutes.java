package dev.turboagents.http.ollama;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.head;
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
import dev.turboagents.actors.inference.OllamaJson;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.http.ApiError;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.apache.pekko.util.ByteString;
import scala.concurrent.duration.FiniteDuration;

/**
 * Ollama's API, served by the daemon and routed through the inference actor, so other local tools
 * (Ollama's CLI with OLLAMA_HOST, the client libraries, editors) share the queue and the residency
 * plan: {@code /api/chat}, {@code /api/generate}, {@code /api/embed} (streaming NDJSON as Ollama
 * does), {@code /api/tags}, {@code /api/ps}, {@code /api/show}, {@code /api/version}. The header
 * {@code X-Turbo-Priority: interactive|agent|background} sets the class (default interactive).
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

  /**
   * @param askTimeout for listings (tags, ps, show, version)
   * @param callTimeout for a model call: the inference default deadline plus a margin
   */
  public OllamaRoutes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, long maxBodyBytes,
      Duration askTimeout, Duration callTimeout) {
    this.inference = inference;
    this.system = system;
    this.maxBodyBytes = maxBodyBytes;
    this.askTimeout = askTimeout;
    this.callTimeout = callTimeout;
  }

  public Route route() {
    return concat(
        // Ollama's CLI probes HEAD / with Accept: application/json: answer as Ollama does, whatever the Accept
        pathSingleSlash(() -> concat(head(() -> complete(RUNNING)), get(() -> complete(RUNNING)))),
        pathPrefix("api", () -> concat(
            path("chat", () -> post(() -> call(OllamaJson::parseChat))),
            path("generate", () -> post(() -> call(OllamaJson::parseGenerate))),
            path("embed", () -> post(() -> call(OllamaRoutes::parseEmbed))),
            path("tags", () -> get(() -> listing(InferenceActor.ListModels::new))),
            path("ps", () -> get(() -> listing(InferenceActor.ListRunning::new))),
            path("version", () -> get(() -> listing(InferenceActor.GetVersion::new))),
            path("show", () -> post(() -> body(json -> {
              try {
                String model = OllamaJson.model(json);
                return listing(to -> new InferenceActor.ShowModel(model, to));
              } catch (OllamaJson.InvalidRequest e) {
                return complete(invalid(e));
              }
            }))))));
  }

  private static InferenceCall.Embed parseEmbed(JsonNode body) {
    if (body.has("dimensions")) {
      throw new OllamaJson.InvalidRequest("dimensions", "is not supported by this daemon yet; leave it out");
    }
    return OllamaJson.parseEmbed(body);
  }

  // ---- model calls ----

  /**
   * Server settings that let a model call wait its whole deadline: Pekko's default idle timeout
   * (60 s) would close a connection whose request is still queued behind a model load.
   */
  public static ServerSettings allowLongCalls(ServerSettings settings, Duration deadline) {
    FiniteDuration wanted = FiniteDuration.fromNanos(deadline.plusMinutes(1).toNanos());
    ServerSettings.Timeouts timeouts = settings.getTimeouts();
    return timeouts.idleTimeout().isFinite() && timeouts.idleTimeout().lt(wanted)
        ? settings.withTimeouts(timeouts.withIdleTimeout(wanted)) : settings;
  }

  private Route call(Function<JsonNode, InferenceCall> parse) {
    return withRequestTimeout(callTimeout, request -> ApiError.response(StatusCodes.GATEWAY_TIMEOUT, "timed out",
        "no answer within " + callTimeout.toSeconds() + " s (turbo-agents.inference.default-deadline plus a margin)"),
        () -> callWithin(parse));
  }

  private Route callWithin(Function<JsonNode, InferenceCall> parse) {
    return optionalHeaderValueByName(PRIORITY_HEADER, header -> body(json -> {
      Priority priority;
      InferenceCall call;
      boolean stream;
      try {
        priority = header.map(h -> Priority.parse(h).orElseThrow(() -> new OllamaJson.InvalidRequest(
            "header " + PRIORITY_HEADER, "must be interactive, agent or background, was '" + h + "'")))
            .orElse(Priority.INTERACTIVE);
        call = parse.apply(json);
        stream = !(call instanceof InferenceCall.Embed) && OllamaJson.streams(json);
      } catch (OllamaJson.InvalidRequest e) {
        return complete(invalid(e));
      }
      String id = UUID.randomUUID().toString();
      return stream ? streamed(id, call, priority) : whole(id, call, priority);
    }));
  }

  private Route whole(String id, InferenceCall call, Priority priority) {
    CompletionStage<InferenceActor.Reply> reply = AskPattern.ask(inference,
        to -> new InferenceActor.Submit(id, call, priority, Optional.empty(), Optional.empty(), to), callTimeout,
        system.scheduler());
    return onSuccess(reply, r -> complete(switch (r) {
      case InferenceActor.Completed c -> json(StatusCodes.OK, OllamaJson.done(call, c.completion(), false));
      case InferenceActor.Failed f -> failure(f);
      case InferenceActor.Listing l -> json(StatusCodes.OK, l.json());
    }));
  }

  /**
   * Streams NDJSON as Ollama does. The first piece decides the status: a request refused before any
   * token (unknown model, busy, deadline) gets a plain error response with the right status, as
   * Ollama answers; a stream that breaks later ends with an {@code {"error": ...}} line.
   */
  private Route streamed(String id, InferenceCall call, Priority priority) {
    Source<InferenceActor.Chunk, ActorRef<InferenceActor.Chunk>> chunks = ActorSource.actorRef(
        c -> false, c -> Optional.empty(), 1024, OverflowStrategy.fail());
    Pair<ActorRef<InferenceActor.Chunk>, Source<InferenceActor.Chunk, NotUsed>> started = chunks
        .takeWhile(c -> !(c instanceof InferenceActor.End), true)
        .preMaterialize(system);
    inference.tell(new InferenceActor.Submit(id, call, priority, Optional.empty(), Optional.of(started.first()),
        system.ignoreRef()));
    CompletionStage<Pair<List<InferenceActor.Chunk>, Source<InferenceActor.Chunk, NotUsed>>> head =
        started.second().prefixAndTail(1).runWith(Sink.head(), system);
    return onSuccess(head, pair -> {
      if (pair.first().isEmpty()) {
        return complete(ApiError.response(StatusCodes.SERVICE_UNAVAILABLE, "no answer", "the inference actor ended the stream"));
      }
      InferenceActor.Chunk first = pair.first().get(0);
      if (first instanceof InferenceActor.End end && end.reply() instanceof InferenceActor.Failed f) {
        return complete(failure(f));
      }
      Source<ByteString, NotUsed> lines = Source.single(first).concat(pair.second())
          .map(c -> ByteString.fromString(line(call, c) + "\n"));
      return complete(HttpResponse.create().withStatus(StatusCodes.OK)
          .withEntity(HttpEntities.create(NDJSON, lines)));
    });
  }

  private String line(InferenceCall call, InferenceActor.Chunk chunk) {
    return switch (chunk) {
      case InferenceActor.Token t -> OllamaJson.chunk(call, call.model(), t.delta()).toString();
      case InferenceActor.End e -> switch (e.reply()) {
        case InferenceActor.Completed c -> OllamaJson.done(call, c.completion(), true).toString();
        case InferenceActor.Failed f -> OllamaJson.MAPPER.createObjectNode().put("error", f.message()).toString();
        case InferenceActor.Listing l -> l.json().toString();
      };
    };
  }

  // ---- listings ----

  private Route listing(Function<ActorRef<InferenceActor.Reply>, InferenceActor.Command> ask) {
    CompletionStage<InferenceActor.Reply> reply = AskPattern.ask(inference, ask::apply, askTimeout, system.scheduler());
    return onSuccess(reply, r -> complete(switch (r) {
      case InferenceActor.Listing l -> json(StatusCodes.OK, l.json());
      case InferenceActor.Failed f -> failure(f);
      case InferenceActor.Completed c -> json(StatusCodes.OK, OllamaJson.MAPPER.createObjectNode());
    }));
  }

  // ---- bodies and errors ----

  /** Reads the body as a JSON object whatever the content type (Ollama's clients and curl differ). */
  private static HttpResponse invalid(OllamaJson.InvalidRequest e) {
    return ApiError.response(StatusCodes.BAD_REQUEST, e.field() + " " + e.getMessage(), "field '" + e.field() + "' " + e.getMessage());
  }

  private Route body(Function<JsonNode, Route> inner) {
    return withSizeLimit(maxBodyBytes, () -> entity(Unmarshaller.entityToByteString(), bytes -> {
      if (bytes.isEmpty()) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "missing request body",
            "send a JSON object such as {\"model\": \"llama3.2\", ...}"));
      }
      JsonNode node;
      try {
        node = OllamaJson.MAPPER.readTree(bytes.toArray());
      } catch (IOException e) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "malformed JSON",
            "the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse("")));
      }
      if (node == null || !node.isObject()) {
        return complete(ApiError.response(StatusCodes.BAD_REQUEST, "invalid request", "the body must be a JSON object"));
      }
      return inner.apply(node);
    }));
  }

  private static HttpResponse failure(InferenceActor.Failed f) {
    StatusCode status = switch (f.failure()) {
      case BUSY -> StatusCodes.SERVICE_UNAVAILABLE;
      case DEADLINE -> StatusCodes.GATEWAY_TIMEOUT;
      case CANCELLED -> StatusCodes.SERVICE_UNAVAILABLE;
      case UNKNOWN_MODEL -> StatusCodes.NOT_FOUND;
      case REJECTED -> StatusCodes.BAD_REQUEST;
      case BROKEN_STREAM -> StatusCodes.BAD_GATEWAY;
      case UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
    };
    return ApiError.response(status, f.message(), f.failure().name().toLowerCase(java.util.Locale.ROOT)
        + (f.availableModels().isEmpty() ? "" : ": available models " + String.join(", ", f.availableModels())));
  }

  private static HttpResponse json(StatusCode status, JsonNode body) {
    return HttpResponse.create().withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

}
