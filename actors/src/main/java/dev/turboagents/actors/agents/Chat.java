package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.ModelOption;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.ChatSettings;
import dev.turboagents.persistence.chat.ChatSessionEntity;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * {@code POST /agents/chat} behind the route: a message is routed ({@link ChatRouting}: the chat model
 * classifies it, the rules decide when it cannot), a question becomes a chat job ({@link ChatAgent}),
 * a request to act starts that agent's job, and each exchange goes into the session's memory
 * ({@link ChatSessionEntity}), whose history the next message's prompt carries.
 */
public final class Chat {

  /** @param sessionId empty: a new session is started */
  public record Request(String message, boolean useKnowledgeGraph, Optional<String> sessionId, String requestedBy) {}

  /**
   * The answer as the endpoint gives it.
   *
   * @param routedBy "model" or "rules" (with {@code routeNote} saying why the rules decided)
   * @param invented ids the answer named that no tool returned: dropped from {@code citations}
   * @param status the job's status for a question; "accepted" for a job started by a request to act
   */
  public record Reply(String answer, String agent, String route, String routedBy, Optional<String> routeNote,
      List<String> citations, List<String> invented, Optional<String> jobId, String sessionId, String status) {}

  /** A message taken: where it went, its job, and the reply once there is one. */
  public record Taken(String sessionId, ChatRouting.Routing routing, Optional<String> jobId, boolean streamsAnswer,
      CompletionStage<Reply> reply) {}

  private static final java.util.regex.Pattern SESSION_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final AgentJobs jobs;
  private final ActorRef<ChatSessions.ToSession> sessions;
  private final ModelDoor door;
  private final ActorSystem<?> system;
  private final AgentSettings agentSettings;
  private final ChatSettings settings;
  private final PromptTemplates prompts;
  private final Executor blocking;

  public Chat(AgentJobs jobs, ActorRef<ChatSessions.ToSession> sessions, ModelDoor door, ActorSystem<?> system,
      AgentSettings agentSettings, ChatSettings settings, PromptTemplates prompts) {
    this.jobs = jobs;
    this.sessions = sessions;
    this.door = door;
    this.system = system;
    this.agentSettings = agentSettings;
    this.settings = settings;
    this.prompts = prompts;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  public ChatSettings settings() {
    return settings;
  }

  /**
   * Routes and starts the message. Fails with a {@link JobRefusal}: NOT_FOUND for a session id no
   * session has (leave it out to start one), INVALID for a malformed one, UNCONFIGURED when the
   * agent an action needs is not on this daemon.
   */
  public CompletionStage<Taken> take(Request request) {
    if (request.sessionId().isPresent() && !SESSION_ID.matcher(request.sessionId().get()).matches()) {
      return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.INVALID, "session_id",
          "session_id must be 1 to 64 letters, digits, '-' or '_', was '" + request.sessionId().get() + "'"));
    }
    String sessionId = request.sessionId().orElseGet(() -> UUID.randomUUID().toString());
    CompletionStage<ChatSessionEntity.Session> session = session(sessionId).thenCompose(s ->
        request.sessionId().isPresent() && s.isEmpty()
            ? CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, "session_id", "no chat session '"
                + sessionId + "': leave session_id out to start a new one (its id comes back with the answer)"))
            : CompletableFuture.completedFuture(s));
    return session.thenCompose(s -> route(request.message()).thenCompose(routing -> start(request, s, routing)));
  }

  /** The answer text of chat job {@code jobId} as the model produces it (the JSON around it left out). */
  public Source<String, NotUsed> answerTokens(String jobId, CompletionStage<?> until) {
    AnswerStream stream = new AnswerStream();
    return jobs.tokens(jobId, until).map(d -> stream.feed(d.content())).filter(t -> !t.isEmpty());
  }

  /** The session as it is now (empty for an id nobody used). */
  public CompletionStage<ChatSessionEntity.Session> session(String id) {
    return AskPattern.askWithStatus(sessions, r -> new ChatSessions.ToSession(id, new ChatSessionEntity.Get(r)),
        agentSettings.askTimeout(), system.scheduler());
  }

  // ---- routing ------------------------------------------------------------------------------

  CompletionStage<ChatRouting.Routing> route(String message) {
    return CompletableFuture.supplyAsync(() -> {
      Optional<String> down = door.down();
      if (down.isPresent()) {
        return ChatRouting.byRules(message, down.get());
      }
      String model = agentSettings.model(ChatAgent.NAME);
      InferenceCall.Chat call = new InferenceCall.Chat(model,
          List.of(ChatMessage.of("user", prompts.render("chat-route", Map.of("message", PromptTemplates.data(message))))),
          List.of(), new AnswerFormat.Schema(ChatRouting.schema()),
          ModelOptions.NONE.with(ModelOption.NUM_PREDICT, 32L), Thinking.SERVER_DEFAULT);
      try {
        InferenceActor.Reply reply = door.chat(call, settings.routeTimeout(), waiting -> { });
        if (reply instanceof InferenceActor.Completed c) {
          String answer = c.completion().message().map(ChatMessage::content).filter(t -> !t.isBlank())
              .orElse(c.completion().response());
          return ChatRouting.fromModel(message, answer).orElseGet(() -> ChatRouting.byRules(message,
              "the model " + model + " answered no route (" + clip(answer) + ")"));
        }
        return ChatRouting.byRules(message, "the model " + model + " could not classify: "
            + ((InferenceActor.Failed) reply).message());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return ChatRouting.byRules(message, "interrupted");
      }
    }, blocking);
  }

  // ---- dispatch -----------------------------------------------------------------------------

  private CompletionStage<Taken> start(Request request, ChatSessionEntity.Session session, ChatRouting.Routing routing) {
    ObjectNode input = new JsonObject("{}").tree();
    String who = request.requestedBy();
    return switch (routing.route()) {
      case QUESTION -> {
        input.put("message", request.message()).put("use_knowledge_graph", request.useKnowledgeGraph())
            .put("history", session.history()).put("session_id", session.id());
        yield jobs.submit(ChatAgent.NAME, Optional.empty(), Optional.empty(), Optional.of(input.toString()),
            new AgentJobs.BudgetOverride(Optional.of(settings.maxSteps()), Optional.empty(), Optional.empty()), who)
            .thenApply(job -> new Taken(session.id(), routing, Optional.of(job.id()), true,
                answered(job.id()).thenCompose(j -> remember(request, fromJob(j, routing, session.id())))));
      }
      case IMPLEMENT -> acted(request, session, routing, jobs.implement(routing.ids().getFirst(),
          Optional.of("Asked in chat: " + request.message()), AgentJobs.BudgetOverride.NONE, who), CodeAgent.NAME);
      case TRIAGE -> {
        Optional<List<String>> ids = routing.ids().isEmpty() ? Optional.empty() : Optional.of(routing.ids());
        yield jobs.triage(ids, false, who).thenCompose(start -> switch (start) {
          case AgentJobs.TriageStart.Started s -> acted(request, session, routing,
              CompletableFuture.completedFuture(s.job()), IssueAgent.NAME);
          case AgentJobs.TriageStart.NothingNew n -> {
            Reply reply = new Reply("Every issue has been triaged already: nothing new to triage, so no job was started.",
                IssueAgent.NAME, routing.route().wire(), routing.by(), routing.why(), List.of(), List.of(),
                Optional.empty(), session.id(), "nothing_new");
            yield remember(request, reply).thenApply(r -> new Taken(session.id(), routing, Optional.empty(), false,
                CompletableFuture.completedFuture(r)));
          }
        });
      }
      case SUMMARIZE -> acted(request, session, routing, jobs.summarize(routing.ids().getFirst(), who), IssueAgent.NAME);
      case REVIEW -> {
        ReviewTarget target = routing.ids().isEmpty() ? new ReviewTarget.Branch(routing.branch().orElseThrow())
            : new ReviewTarget.JobBranch(routing.ids().getFirst());
        yield acted(request, session, routing, jobs.review(target, List.of(), Optional.empty(),
            AgentJobs.BudgetOverride.NONE, who), ReviewAgent.NAME);
      }
    };
  }

  private CompletionStage<Taken> acted(Request request, ChatSessionEntity.Session session, ChatRouting.Routing routing,
      CompletionStage<Job> started, String agent) {
    return started.thenCompose(job -> {
      String answer = "Started the " + agent + " agent (" + routing.route().wire() + ")"
          + job.issueId().map(i -> " on issue " + i).orElse("") + ": job " + job.id()
          + ". Follow it with `job watch " + job.id() + "`.";
      Reply reply = new Reply(answer, agent, routing.route().wire(), routing.by(), routing.why(),
          job.issueId().map(List::of).orElse(List.of()), List.of(), Optional.of(job.id()), session.id(), "accepted");
      return remember(request, reply).thenApply(r -> new Taken(session.id(), routing, Optional.of(job.id()), false,
          CompletableFuture.completedFuture(r)));
    });
  }

  /** The job once it has ended. */
  private CompletionStage<Job> answered(String jobId) {
    return jobs.events(jobId, 1).runWith(Sink.ignore(), system).thenCompose(done -> jobs.job(jobId));
  }

  private static Reply fromJob(Job job, ChatRouting.Routing routing, String sessionId) {
    List<String> cited = new ArrayList<>();
    List<String> invented = new ArrayList<>();
    String answer;
    if (job.status() == JobStatus.SUCCEEDED) {
      JsonNode output = new JsonObject(job.output().orElse("{}")).tree();
      output.path("citations").forEach(c -> cited.add(c.asText()));
      output.path("invented_citations").forEach(c -> invented.add(c.asText()));
      answer = output.path("answer").asText(job.result().orElse(""));
    } else {
      answer = "The chat agent could not answer: " + job.error().orElse(job.status().label());
    }
    return new Reply(answer, ChatAgent.NAME, routing.route().wire(), routing.by(), routing.why(), List.copyOf(cited),
        List.copyOf(invented), Optional.of(job.id()), sessionId, job.status().label());
  }

  private CompletionStage<Reply> remember(Request request, Reply reply) {
    return AskPattern.<ChatSessions.ToSession, StatusReply<ChatSessionEntity.Session>>ask(sessions,
        r -> new ChatSessions.ToSession(reply.sessionId(), new ChatSessionEntity.Exchange(request.message(),
            reply.answer(), reply.route(), reply.citations(), reply.jobId(), r)),
        agentSettings.askTimeout(), system.scheduler()).thenApply(s -> reply);
  }

  private static String clip(String text) {
    return text.length() <= 80 ? text : text.substring(0, 77) + "...";
  }
}
