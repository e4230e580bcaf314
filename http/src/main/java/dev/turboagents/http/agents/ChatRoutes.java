package dev.turboagents.http.agents;

import static org.apache.pekko.http.javadsl.server.Directives.*;

import dev.turboagents.actors.agents.Chat;
import dev.turboagents.http.ApiJson;
import dev.turboagents.http.FieldRules;
import dev.turboagents.http.JsonBody;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code POST /agents/chat}: the answer when it is done (200; 202 with the job id after the
 * configured wait), or with {@code "stream": true} Server-Sent Events: {@code token} events with
 * the answer's text as the model produces it, then one {@code final} event with the same object.
 */
final class ChatRoutes {

  /** {@code POST /agents/chat}. */
  record ChatRequest(Optional<String> message, Optional<Boolean> useKnowledgeGraph, Optional<String> sessionId,
      Optional<Boolean> stream, Optional<String> requestedBy) {}

  /** The reply; {@code invented_citations} counts the ids the model named that no tool returned (dropped). */
  record ChatView(String answer, String agent, String route, String routedBy, Optional<String> routeNote,
      List<String> citations, int inventedCitations, List<String> droppedCitations, Optional<String> jobId,
      String sessionId, String status) {
    static ChatView of(Chat.Reply r) {
      return new ChatView(r.answer(), r.agent(), r.route(), r.routedBy(), r.routeNote(), r.citations(),
          r.invented().size(), r.invented(), r.jobId(), r.sessionId(), r.status());
    }
  }

  /** The answer is not ready within the wait: where to find it. */
  record Pending(Optional<String> jobId, String sessionId, String route, String status) {}

  private final Chat chat;
  private final JsonBody json;

  ChatRoutes(Chat chat, JsonBody json) {
    this.chat = chat;
    this.json = json;
  }

  Route route() {
    return path("chat", () -> post(() -> json.as(ChatRequest.class, this::chat)));
  }

  private Route chat(ChatRequest body) {
    String message = FieldRules.meaningful("message", FieldRules.required("message", body.message()));
    String who = body.requestedBy().map(w -> FieldRules.meaningful("requested_by", w)).orElse("http");
    Chat.Request request = new Chat.Request(message, body.useKnowledgeGraph().orElse(true),
        body.sessionId().filter(s -> !s.isBlank()), who);
    boolean stream = body.stream().orElse(false);
    return onSuccess(chat.take(request), taken -> stream ? streamed(taken) : waited(taken));
  }

  private Route waited(Chat.Taken taken) {
    CompletableFuture<Optional<Chat.Reply>> ready = taken.reply().toCompletableFuture().thenApply(Optional::of)
        .completeOnTimeout(Optional.empty(), chat.settings().answerWait().toMillis(), TimeUnit.MILLISECONDS);
    return onSuccess(ready, reply -> complete(reply.isPresent()
        ? ApiJson.response(StatusCodes.OK, ChatView.of(reply.get()))
        : ApiJson.response(StatusCodes.ACCEPTED, new Pending(taken.jobId(), taken.sessionId(),
            taken.routing().route().wire(), "running"))));
  }

  private Route streamed(Chat.Taken taken) {
    // The tokens (those the model gave before this subscribed replayed first) end with the job's
    // runner, or once the reply is there, after what came by then; then the final event.
    Source<ServerSentEvent, NotUsed> tokens = taken.streamsAnswer() && taken.jobId().isPresent()
        ? chat.answerTokens(taken.jobId().get(), taken.reply()).map(t -> ServerSentEvent.create(t, "token"))
        : Source.<ServerSentEvent>empty();
    Source<ServerSentEvent, NotUsed> last = Source.completionStage(taken.reply())
        .map(r -> ServerSentEvent.create(ApiJson.MAPPER.writeValueAsString(ChatView.of(r)), "final"));
    return completeOK(tokens.concat(last), EventStreamMarshalling.toEventStream());
  }
}
