package dev.turboagents.actors.inference;

import dev.turboagents.actors.telemetry.GenAiSpans;
import io.opentelemetry.api.trace.Span;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The GenAI span of each request the inference door holds: started when it arrives, marked when it
 * starts running, ended with its one reply. Owned by the inference actor, used on its thread.
 */
final class RequestSpans {
  private final GenAiSpans spans;
  private final Map<String, Span> open = new HashMap<>();
  private final Map<String, Long> arrived = new HashMap<>();

  RequestSpans(GenAiSpans spans) {
    this.spans = spans;
  }

  void arrived(InferenceActor.Submit s) {
    String operation = switch (s.call()) {
      case InferenceCall.Chat c -> "chat";
      case InferenceCall.Generate g -> "text_completion";
      case InferenceCall.Embed e -> "embeddings";
    };
    open.put(s.requestId(), spans.inference(operation, s.call().model(), s.requestId(),
        s.priority().name().toLowerCase(Locale.ROOT)));
    arrived.put(s.requestId(), System.nanoTime());
  }

  void started(String requestId) {
    Span span = open.get(requestId);
    Long at = arrived.get(requestId);
    if (span != null && at != null) {
      span.addEvent("gen_ai.request.started", io.opentelemetry.api.common.Attributes.of(
          GenAiSpans.WAITED_MS, (System.nanoTime() - at) / 1_000_000));
    }
  }

  void answered(InferenceActor.Reply reply) {
    String id = switch (reply) {
      case InferenceActor.Completed c -> c.requestId();
      case InferenceActor.Failed f -> f.requestId();
    };
    Span span = open.remove(id);
    arrived.remove(id);
    if (span == null) {
      return;
    }
    switch (reply) {
      case InferenceActor.Completed c -> {
        Completion done = c.completion();
        span.setAttribute(GenAiSpans.RESPONSE_MODEL, done.model());
        span.setAttribute(GenAiSpans.INPUT_TOKENS, (long) done.timings().promptEvalCount());
        span.setAttribute(GenAiSpans.OUTPUT_TOKENS, (long) done.timings().evalCount());
        if (done.doneReason() != null && !done.doneReason().isEmpty()) {
          span.setAttribute(GenAiSpans.FINISH_REASONS, List.of(done.doneReason()));
        }
        span.end();
      }
      case InferenceActor.Failed f -> GenAiSpans.fail(span, f.failure().name().toLowerCase(Locale.ROOT), f.message());
    }
  }
}
