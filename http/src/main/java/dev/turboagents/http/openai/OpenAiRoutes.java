package dev.turboagents.http.openai;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEndOrSingleSlash;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withRequestTimeout;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.ModelListings;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.http.ApiError;
import dev.turboagents.http.OversizedBody;
import dev.turboagents.http.inference.ChunkStream;
import dev.turboagents.http.inference.RequestIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
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
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * OpenAI's API, served by the daemon and routed through the inference actor like Ollama's front
 * door, so tools that speak OpenAI (its Python and JS clients, LangChain, editors) share the queue
 * and the residency plan: {@code POST /v1/chat/completions} (SSE streaming, tools, response_format),
 * {@code POST /v1/completions}, {@code POST /v1/embeddings}, {@code GET /v1/models} and
 * {@code GET /v1/models/{model}}. The header {@code X-Turbo-Priority: interactive|agent|background}
 * sets the class (default interactive). Every error is OpenAI's
 * {@code {"error": {"message", "type", "param", "code"}}}; a busy door answers 503 with Retry-After.
 */
public final class OpenAiRoutes {
  /** The same header as Ollama's door ({@code dev.turboagents.http.ollama.OllamaRoutes#PRIORITY_HEADER}). */
  public static final String PRIORITY_HEADER = "X-Turbo-Priority";

  private static final org.apache.pekko.http.javadsl.model.ContentType EVENT_STREAM = MediaTypes.TEXT_EVENT_STREAM
      .toContentType();
  private static final ByteString DONE = ByteString.fromString("data: [DONE]\n\n");

  private final ActorRef<InferenceActor.Command> inference;
  private final ActorSystem<?> system;
  private final long maxBodyBytes;
  private final Duration askTimeout;
  private final Duration callTimeout;
  private final Duration retryAfter;
  /** Whether a model's template takes tools (Ollama's capability "tools"), asked once per model. */
  private final ConcurrentHashMap<String, Boolean> nativeTools = new ConcurrentHashMap<>();

  /**
   * @param askTimeout for listings and the capability lookup
   * @param callTimeout for a model call: the inference default deadline plus a margin
   * @param retryAfter what a 503 tells the client to wait
   */
  public OpenAiRoutes(ActorRef<InferenceActor.Command> inference, ActorSystem<?> system, long maxBodyBytes,
      Duration askTimeout, Duration callTimeout, Duration retryAfter) {
    this.inference = inference;
    this.system = system;
    this.maxBodyBytes = maxBodyBytes;
    this.askTimeout = askTimeout;
    this.callTimeout = callTimeout;
    this.retryAfter = retryAfter;
  }

  public Route route() {
    return pathPrefix("v1", () -> RequestIds.withRequestId(id -> handleExceptions(exceptions(), () -> handleRejections(
        rejections(), () -> concat(
        pathPrefix("chat", () -> path("completions", () -> post(() -> call(id, this::chat)))),
        path("completions", () -> post(() -> call(id, this::completion))),
        path("embeddings", () -> post(() -> call(id, this::embeddings))),
        pathPrefix("models", () -> concat(
            pathEndOrSingleSlash(() -> get(() -> models(Optional.empty()))),
            path(model -> get(() -> models(Optional.of(model)))))))))));
  }

  // ---- the three calls ----

  private Route chat(String requestId, JsonNode json, Priority priority) {
    OpenAiRequests.ChatRequest request = OpenAiRequests.chat(json);
    boolean needsTools = !request.tools().isEmpty() && !(request.choice() instanceof ToolChoice.None);
    if (!needsTools) {
      return chatPlanned(requestId, ToolPlan.of(request, false), request, priority);
    }
    return onSuccess(capability(request.model()), capable -> switch (capable) {
      case Capability.Known k -> chatPlanned(requestId, ToolPlan.of(request, k.tools()), request, priority);
      case Capability.Refused r -> complete(r.response());
    });
  }

  private Route chatPlanned(String requestId, ToolPlan plan, OpenAiRequests.ChatRequest request, Priority priority) {
    String id = "chatcmpl-" + shortId();
    long created = Instant.now().getEpochSecond();
    String model = request.model();
    if (!request.stream()) {
      return onSuccess(ask(requestId, plan.call(), priority), r -> complete(switch (r) {
        case InferenceActor.Completed c -> {
          ChatMessage m = c.completion().message().orElse(ChatMessage.of("assistant", ""));
          yield ok(OpenAiResponses.chat(id, model, created, plan.read(m), m.thinking(), c.completion()));
        }
        case InferenceActor.Failed f -> failure(f);
      }));
    }
    boolean usage = request.includeUsage();
    return streamed(requestId, plan.call(), priority, () -> new Function<InferenceActor.Chunk, List<ObjectNode>>() {
      private boolean started;

      @Override
      public List<ObjectNode> apply(InferenceActor.Chunk chunk) {
        List<ObjectNode> out = new ArrayList<>();
        if (!started) {
          started = true;
          out.add(OpenAiResponses.chatChunk(id, model, created, OpenAiResponses.delta().put("role", "assistant")
              .put("content", ""), Optional.empty(), usage));
        }
        switch (chunk) {
          case InferenceActor.Token t -> {
            if (plan.streamsText()) {
              ObjectNode delta = OpenAiResponses.delta();
              if (!t.delta().content().isEmpty()) {
                delta.put("content", t.delta().content());
              }
              t.delta().thinking().filter(s -> !s.isEmpty()).ifPresent(s -> delta.put("reasoning", s));
              if (!t.delta().toolCalls().isEmpty()) {
                delta.setAll(OpenAiResponses.toolCallsDelta(plan.read(new ChatMessage("assistant", "",
                    t.delta().toolCalls(), List.of(), Optional.empty(), Optional.empty())).toolCalls()));
              }
              if (!delta.isEmpty()) {
                out.add(OpenAiResponses.chatChunk(id, model, created, delta, Optional.empty(), usage));
              }
            }
          }
          case InferenceActor.End e -> {
            switch (e.reply()) {
              case InferenceActor.Completed c -> {
                ChatMessage m = c.completion().message().orElse(ChatMessage.of("assistant", ""));
                ToolPlan.Answer answer = plan.read(m);
                if (!plan.streamsText()) {
                  out.add(OpenAiResponses.chatChunk(id, model, created, answer.toolCalls().isEmpty()
                      ? OpenAiResponses.delta().put("content", answer.content())
                      : OpenAiResponses.toolCallsDelta(answer.toolCalls()), Optional.empty(), usage));
                }
                String finish = plan.streamsText() && !m.toolCalls().isEmpty() ? "tool_calls"
                    : OpenAiResponses.finishReason(answer, c.completion());
                out.add(OpenAiResponses.chatChunk(id, model, created, OpenAiResponses.delta(), Optional.of(finish), usage));
                if (usage) {
                  out.add(OpenAiResponses.usageChunk(id, "chat.completion.chunk", model, created, c.completion().timings()));
                }
              }
              case InferenceActor.Failed f -> out.add(errorBody(f));
            }
          }
        }
        return out;
      }
    });
  }

  private Route completion(String requestId, JsonNode json, Priority priority) {
    OpenAiRequests.CompletionRequest request = OpenAiRequests.completion(json);
    String id = "cmpl-" + shortId();
    long created = Instant.now().getEpochSecond();
    String model = request.call().model();
    if (!request.stream()) {
      return onSuccess(ask(requestId, request.call(), priority), r -> complete(switch (r) {
        case InferenceActor.Completed c -> ok(OpenAiResponses.completion(id, model, created, c.completion()));
        case InferenceActor.Failed f -> failure(f);
      }));
    }
    boolean usage = request.includeUsage();
    return streamed(requestId, request.call(), priority, () -> chunk -> switch (chunk) {
      case InferenceActor.Token t -> t.delta().content().isEmpty() ? List.of()
          : List.of(OpenAiResponses.completionChunk(id, model, created, t.delta().content(), Optional.empty(), usage));
      case InferenceActor.End e -> switch (e.reply()) {
        case InferenceActor.Completed c -> {
          Completion done = c.completion();
          List<ObjectNode> out = new ArrayList<>();
          out.add(OpenAiResponses.completionChunk(id, model, created, "",
              Optional.of("length".equals(done.doneReason()) ? "length" : "stop"), usage));
          if (usage) {
            out.add(OpenAiResponses.usageChunk(id, "text_completion", model, created, done.timings()));
          }
          yield out;
        }
        case InferenceActor.Failed f -> List.of(errorBody(f));
      };
    });
  }

  private Route embeddings(String requestId, JsonNode json, Priority priority) {
    OpenAiRequests.EmbeddingsRequest request = OpenAiRequests.embeddings(json);
    return onSuccess(ask(requestId, request.call(), priority), r -> complete(switch (r) {
      case InferenceActor.Completed c -> ok(OpenAiResponses.embeddings(request.call().model(), c.completion(),
          request.base64()));
      case InferenceActor.Failed f -> failure(f);
    }));
  }

  // ---- plumbing shared by the calls ----

  @FunctionalInterface
  private interface Handler {
    Route handle(String requestId, JsonNode body, Priority priority);
  }

  private Route call(String requestId, Handler handler) {
    return withRequestTimeout(callTimeout, request -> error(StatusCodes.GATEWAY_TIMEOUT, "no answer within "
        + callTimeout.toSeconds() + " s (turbo-agents.inference.default-deadline plus reply-margin)", "timeout",
        Optional.empty(), Optional.of("timeout")), () -> optionalHeaderValueByName(PRIORITY_HEADER, header -> body(json -> {
          try {
            Priority priority = header.map(h -> Priority.parse(h).orElseThrow(() -> new OpenAiRequests.InvalidField(
                PRIORITY_HEADER, "must be interactive, agent or background, was '" + h + "'"))).orElse(Priority.INTERACTIVE);
            return handler.handle(requestId, json, priority);
          } catch (OpenAiRequests.InvalidField e) {
            return complete(invalid(e));
          }
        })));
  }

  private CompletionStage<InferenceActor.Reply> ask(String requestId, InferenceCall call, Priority priority) {
    return AskPattern.ask(inference, to -> new InferenceActor.Submit(requestId, call, priority, Optional.empty(),
        Optional.empty(), to, true), callTimeout, system.scheduler());
  }

  /**
   * Streams Server-Sent Events as OpenAI does: {@code data: {chunk}} lines, then {@code data: [DONE]}.
   * A request refused before its first token gets a plain OpenAI error with the right status; a
   * stream that breaks later ends with a {@code data: {"error": ...}} event.
   */
  private Route streamed(String requestId, InferenceCall call, Priority priority,
      java.util.function.Supplier<Function<InferenceActor.Chunk, List<ObjectNode>>> events) {
    ChunkStream stream = ChunkStream.start(system, sink -> new InferenceActor.Submit(requestId, call, priority,
        Optional.empty(), Optional.of(sink), system.ignoreRef(), true), inference);
    return onComplete(stream.first(), first -> {
      if (first.isFailure()) {
        return complete(error(StatusCodes.SERVICE_UNAVAILABLE, "the inference actor ended the stream", "server_error",
            Optional.empty(), Optional.of("no_answer")));
      }
      if (first.get() instanceof InferenceActor.End end && end.reply() instanceof InferenceActor.Failed f) {
        stream.discard(system);
        return complete(failure(f));
      }
      Function<InferenceActor.Chunk, List<ObjectNode>> toEvents = events.get();
      Source<ByteString, NotUsed> body = stream.chunks()
          .mapConcat(c -> toEvents.apply(c))
          .map(node -> ByteString.fromString("data: " + node + "\n\n"))
          .concat(Source.single(DONE));
      return complete(HttpResponse.create().withStatus(StatusCodes.OK)
          .withEntity(HttpEntities.create(EVENT_STREAM, body)));
    });
  }

  // ---- the models ----

  private Route models(Optional<String> one) {
    CompletionStage<ModelListings.ModelsReply> reply = AskPattern.ask(inference,
        to -> new InferenceActor.Listing(new ModelListings.ListModels(to)), askTimeout, system.scheduler());
    return onSuccess(reply, r -> complete(switch (r) {
      case ModelListings.Models m -> one.map(name -> m.models().stream()
              .filter(s -> s.name().equals(name) || s.name().equals(name + ":latest")).findFirst()
              .map(s -> ok(OpenAiResponses.model(s)))
              .orElseGet(() -> unknownModel(name, m.models().stream().map(s -> s.name()).toList())))
          .orElseGet(() -> ok(OpenAiResponses.models(m.models())));
      case ModelListings.Failed f -> listingFailure(f);
    }));
  }

  /** What this door knows of a model's template: whether it takes tools, or the answer that refuses the request. */
  private sealed interface Capability {
    record Known(boolean tools) implements Capability {}

    record Refused(HttpResponse response) implements Capability {}
  }

  private CompletionStage<Capability> capability(String model) {
    Boolean known = nativeTools.get(model);
    if (known != null) {
      return CompletableFuture.completedFuture(new Capability.Known(known));
    }
    CompletionStage<ModelListings.ShowReply> reply = AskPattern.ask(inference,
        to -> new InferenceActor.Listing(new ModelListings.ShowModel(model, to)), askTimeout, system.scheduler());
    return reply.thenApply(r -> switch (r) {
      case ModelListings.Shown s -> {
        boolean tools = s.model().capabilities().contains("tools");
        nativeTools.put(model, tools);
        yield new Capability.Known(tools);
      }
      case ModelListings.Failed f -> new Capability.Refused(listingFailure(f));
    });
  }

  // ---- bodies and errors ----

  /** Reads the body as a JSON object; OpenAI's clients send application/json, curl users sometimes not. */
  private Route body(Function<JsonNode, Route> inner) {
    return OversizedBody.refusedAfterReading(maxBodyBytes, length -> complete(error(StatusCodes.CONTENT_TOO_LARGE,
        "the body is " + length + " bytes, larger than the limit of " + maxBodyBytes + " bytes"
            + " (turbo-agents.http.max-body-size)", "invalid_request_error", Optional.empty(),
        Optional.of("request_too_large"))), () -> withSizeLimit(maxBodyBytes, () -> entity(Unmarshaller.entityToByteString(), bytes -> {
      if (bytes.isEmpty()) {
        return complete(error(StatusCodes.BAD_REQUEST, "the request has no body: send a JSON object such as"
            + " {\"model\": \"llama3.2\", ...}", "invalid_request_error", Optional.empty(), Optional.of("missing_body")));
      }
      JsonNode node;
      try {
        node = OpenAiRequests.MAPPER.readTree(bytes.toArray());
      } catch (IOException e) {
        return complete(error(StatusCodes.BAD_REQUEST, "the body is not valid JSON: "
            + e.getMessage().lines().findFirst().orElse(""), "invalid_request_error", Optional.empty(),
            Optional.of("invalid_json")));
      }
      if (node == null || !node.isObject()) {
        return complete(error(StatusCodes.BAD_REQUEST, "the body must be a JSON object", "invalid_request_error",
            Optional.empty(), Optional.of("invalid_json")));
      }
      return inner.apply(node);
    })));
  }

  private static HttpResponse invalid(OpenAiRequests.InvalidField e) {
    return error(StatusCodes.BAD_REQUEST, "'" + e.param() + "' " + e.getMessage(), "invalid_request_error",
        Optional.of(e.param()), Optional.of("invalid_value"));
  }

  private HttpResponse failure(InferenceActor.Failed f) {
    return switch (f.failure()) {
      case UNKNOWN_MODEL -> error(StatusCodes.NOT_FOUND, f.message() + available(f.availableModels()),
          "invalid_request_error", Optional.of("model"), Optional.of("model_not_found"));
      case REJECTED -> error(StatusCodes.BAD_REQUEST, f.message(), "invalid_request_error", Optional.empty(),
          Optional.of("rejected_by_model_server"));
      case CONTEXT_EXCEEDED -> error(StatusCodes.BAD_REQUEST, f.message(), "invalid_request_error",
          Optional.of("messages"), Optional.of("context_length_exceeded"));
      case DEADLINE -> error(StatusCodes.GATEWAY_TIMEOUT, f.message(), "timeout", Optional.empty(), Optional.of("timeout"));
      case STALLED -> error(StatusCodes.GATEWAY_TIMEOUT, f.message(), "server_error", Optional.empty(),
          Optional.of("model_stalled"));
      case BROKEN_STREAM -> error(StatusCodes.BAD_GATEWAY, f.message(), "server_error", Optional.empty(),
          Optional.of("broken_stream"));
      case BUSY, CANCELLED, INTERRUPTED -> unavailable(f.message(), f.failure().name().toLowerCase(Locale.ROOT));
      case UNAVAILABLE -> unavailable(f.message(), "model_server_unavailable");
      // a rate limit in OpenAI's shape (429, rate_limit_error), Retry-After until the class's day resets
      case BUDGET_SPENT -> error(StatusCodes.TOO_MANY_REQUESTS, f.message(), "rate_limit_error", Optional.empty(),
          Optional.of("daily_model_time_spent")).addHeader(RetryAfter.create(Math.max(1,
          (f.retryAfter().orElse(retryAfter).toMillis() + 999) / 1000)));
    };
  }

  private static ObjectNode errorBody(InferenceActor.Failed f) {
    return OpenAiResponses.error(f.message(), "server_error", Optional.empty(),
        Optional.of(f.failure().name().toLowerCase(Locale.ROOT)));
  }

  private HttpResponse listingFailure(ModelListings.Failed f) {
    return switch (f.failure()) {
      case UNKNOWN_MODEL -> error(StatusCodes.NOT_FOUND, f.message() + available(f.availableModels()),
          "invalid_request_error", Optional.of("model"), Optional.of("model_not_found"));
      case REJECTED -> error(StatusCodes.BAD_REQUEST, f.message(), "invalid_request_error", Optional.empty(),
          Optional.of("rejected_by_model_server"));
      case UNAVAILABLE -> unavailable(f.message(), "model_server_unavailable");
    };
  }

  private static HttpResponse unknownModel(String name, List<String> available) {
    return error(StatusCodes.NOT_FOUND, "The model '" + name + "' does not exist" + available(available),
        "invalid_request_error", Optional.of("model"), Optional.of("model_not_found"));
  }

  private static String available(List<String> models) {
    return models.isEmpty() ? "" : "; available models: " + String.join(", ", models);
  }

  private HttpResponse unavailable(String message, String code) {
    return error(StatusCodes.SERVICE_UNAVAILABLE, message, "server_error", Optional.empty(), Optional.of(code))
        .addHeader(RetryAfter.create(Math.max(1, retryAfter.toSeconds())));
  }

  static HttpResponse error(StatusCode status, String message, String type, Optional<String> param, Optional<String> code) {
    return HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON,
        OpenAiResponses.error(message, type, param, code).toString().getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse ok(JsonNode body) {
    return HttpResponse.create().withStatus(StatusCodes.OK)
        .withEntity(ContentTypes.APPLICATION_JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Errors under /v1 in OpenAI's shape: its clients read {@code error.message}, not ours. */
  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder().match(Throwable.class, t -> {
      HttpResponse ours = ApiError.forThrowable(t);
      int status = ours.status().intValue();
      String type = status == 413 || status < 500 ? "invalid_request_error" : "server_error";
      String message = ApiError.unwrap(t) instanceof ApiError e ? e.getMessage() : detail(ours);
      HttpResponse mine = error(ours.status(), message, type, Optional.empty(),
          Optional.of(status == 413 ? "request_too_large" : type));
      return complete(status == 503 ? mine.addHeader(RetryAfter.create(Math.max(1, retryAfter.toSeconds()))) : mine);
    }).build();
  }

  private static String detail(HttpResponse ours) {
    if (ours.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict) {
      try {
        return OpenAiRequests.MAPPER.readTree(strict.getData().utf8String()).path("detail").asText(ours.status().reason());
      } catch (IOException e) {
        return ours.status().reason();
      }
    }
    return ours.status().reason();
  }

  private static RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleNotFound(org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath(p -> complete(error(
            StatusCodes.NOT_FOUND, "no endpoint at /v1" + p + " (this daemon serves /v1/chat/completions,"
                + " /v1/completions, /v1/embeddings and /v1/models)", "invalid_request_error", Optional.empty(),
            Optional.of("unknown_url")))))
        .handleAll(MethodRejection.class, rejections -> complete(error(StatusCodes.METHOD_NOT_ALLOWED,
            "this endpoint accepts " + rejections.stream().map(r -> r.supported().name()).distinct().sorted().toList(),
            "invalid_request_error", Optional.empty(), Optional.of("method_not_allowed"))))
        .build()
        .withFallback(RejectionHandler.defaultHandler())
        .mapRejectionResponse(response -> {
          if (response.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
            return response;
          }
          int status = response.status().intValue();
          String text = response.entity() instanceof org.apache.pekko.http.javadsl.model.HttpEntity.Strict strict
              ? strict.getData().utf8String() : response.status().reason();
          return error(response.status(), status == 413 ? "the body is larger than the limit"
              + " (turbo-agents.http.max-body-size): " + text.lines().reduce((a, b) -> a + " " + b).orElse("") : text,
              status >= 500 ? "server_error" : "invalid_request_error", Optional.empty(),
              Optional.of(status == 413 ? "request_too_large" : response.status().reason().toLowerCase(Locale.ROOT)
                  .replace(' ', '_')));
        });
  }

  private static String shortId() {
    return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
  }
}
