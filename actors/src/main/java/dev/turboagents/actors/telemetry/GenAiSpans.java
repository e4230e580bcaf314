package dev.turboagents.actors.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Spans named and attributed as OpenTelemetry's GenAI semantic conventions say
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/): {@code invoke_agent {agent}} around a job,
 * {@code execute_tool {tool}} around a tool call, {@code chat|text_completion|embeddings {model}}
 * around a request to the inference door. A request is served on the door's thread, not its
 * caller's, so a caller hands its context over by request id ({@link #handOver}) and the door takes
 * it ({@link #inference}). Thread-safe.
 */
public final class GenAiSpans {
  public static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  public static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  public static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
  public static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  public static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
  public static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  public static final AttributeKey<String> AGENT_NAME = AttributeKey.stringKey("gen_ai.agent.name");
  public static final AttributeKey<String> CONVERSATION = AttributeKey.stringKey("gen_ai.conversation.id");
  public static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");
  public static final AttributeKey<String> TOOL_CALL_ID = AttributeKey.stringKey("gen_ai.tool.call.id");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("turbo_agents.request.id");
  public static final AttributeKey<String> PRIORITY = AttributeKey.stringKey("turbo_agents.priority");
  public static final AttributeKey<Long> WAITED_MS = AttributeKey.longKey("turbo_agents.queue.waited_ms");
  public static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
  public static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
  public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

  /** The spans a running job's context carries, so its tool calls and model calls find them. */
  private static final ContextKey<GenAiSpans> KEY = ContextKey.named("turbo-agents-genai-spans");
  private static final GenAiSpans OFF = new GenAiSpans(io.opentelemetry.api.OpenTelemetry.noop().getTracer("off"), false);

  private final Tracer tracer;
  private final boolean on;
  private final Map<String, Context> handedOver = new ConcurrentHashMap<>();

  GenAiSpans(Tracer tracer, boolean on) {
    this.tracer = tracer;
    this.on = on;
  }

  /** The spans of the current context (a job's thread), or ones that record nothing. */
  public static GenAiSpans current() {
    GenAiSpans spans = Context.current().get(KEY);
    return spans == null ? OFF : spans;
  }

  /** Starts {@code invoke_agent {agent}} for job {@code jobId}; close the scope on the same thread, then end the span. */
  public Span invokeAgent(String agent, String jobId) {
    return tracer.spanBuilder("invoke_agent " + agent).setSpanKind(SpanKind.INTERNAL)
        .setAttribute(OPERATION, "invoke_agent").setAttribute(AGENT_NAME, agent).setAttribute(CONVERSATION, jobId)
        .startSpan();
  }

  /** Makes {@code span} current on this thread, with these spans reachable through {@link #current()}. */
  public Scope enter(Span span) {
    return Context.current().with(span).with(KEY, this).makeCurrent();
  }

  /** Starts {@code execute_tool {tool}} under the current span. */
  public Span executeTool(String tool, Optional<String> callId) {
    var builder = tracer.spanBuilder("execute_tool " + tool).setSpanKind(SpanKind.INTERNAL)
        .setAttribute(OPERATION, "execute_tool").setAttribute(TOOL_NAME, tool);
    callId.ifPresent(id -> builder.setAttribute(TOOL_CALL_ID, id));
    return builder.startSpan();
  }

  /** The caller of request {@code requestId} wants the door's span under its current one. */
  public void handOver(String requestId) {
    if (on && Span.current().getSpanContext().isValid()) {
      handedOver.put(requestId, Context.current());
    }
  }

  /** The caller of request {@code requestId} wants the door's span under {@code parent} (an HTTP server span). */
  public void handOver(String requestId, Span parent) {
    if (on && parent.getSpanContext().isValid()) {
      handedOver.put(requestId, Context.root().with(parent));
    }
  }

  /** Forgets what was handed over under {@code parent} and not taken (a request refused before it reached the door). */
  public void release(Span parent) {
    if (on) {
      handedOver.values().removeIf(c -> Span.fromContext(c) == parent);
    }
  }

  /** Starts the server span of an HTTP request, {@code "{method} {route}"}, a root: the door's spans of it go under it. */
  public Span httpServer(String method, String route) {
    return tracer.spanBuilder(method + " " + route).setSpanKind(SpanKind.SERVER).setParent(Context.root())
        .setAttribute(HTTP_METHOD, method).setAttribute(HTTP_ROUTE, route).startSpan();
  }

  /** Ends an HTTP server span with the response's status; a 5xx is an error, as OpenTelemetry's HTTP conventions say. */
  public static void answered(Span span, int status) {
    span.setAttribute(HTTP_STATUS, (long) status);
    if (status >= 500) {
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }

  /**
   * Starts the door's span of a request ({@code operation} chat, text_completion or embeddings),
   * under the context its caller handed over, else as a root.
   */
  public Span inference(String operation, String model, String requestId, String priority) {
    Context parent = handedOver.remove(requestId);
    return tracer.spanBuilder(operation + " " + model).setSpanKind(SpanKind.CLIENT)
        .setParent(parent == null ? Context.root() : parent)
        .setAttribute(OPERATION, operation).setAttribute(PROVIDER, "ollama").setAttribute(REQUEST_MODEL, model)
        .setAttribute(REQUEST_ID, requestId).setAttribute(PRIORITY, priority)
        .startSpan();
  }

  /** Ends {@code span} as failed with {@code errorType} (a short, low-cardinality name) and the message. */
  public static void fail(Span span, String errorType, String message) {
    span.setAttribute(ERROR_TYPE, errorType);
    span.setStatus(StatusCode.ERROR, message);
    span.end();
  }
}
