package dev.turboagents.actors.agents;

import dev.turboagents.actors.agents.calling.AnswerSchema;
import dev.turboagents.actors.agents.calling.ArgumentCheck;
import dev.turboagents.actors.agents.calling.LoopGuard;
import dev.turboagents.actors.agents.calling.ParsedTurn;
import dev.turboagents.actors.agents.calling.ToolCallingMode;
import dev.turboagents.actors.agents.calling.TurnParser;
import dev.turboagents.actors.inference.AnswerFormat;
import dev.turboagents.actors.inference.ChatMessage;
import dev.turboagents.actors.inference.Completion;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.InferenceCall;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ModelOption;
import dev.turboagents.actors.inference.ModelOptions;
import dev.turboagents.actors.inference.Thinking;
import dev.turboagents.actors.inference.ToolCall;
import dev.turboagents.actors.telemetry.GenAiSpans;
import dev.turboagents.actors.tools.ToolContext;
import dev.turboagents.actors.tools.ToolResult;
import dev.turboagents.actors.tools.ToolSupervisor;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.TurnKind;
import io.opentelemetry.api.trace.Span;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The agent loop: build the prompt, ask the model, run the tool call, record it, until a final
 * answer or a budget. Every step is persisted before the next, and the loop starts from the job's
 * record, so a resumed job continues from its last persisted step (a call recorded without its
 * result is run again: its side effects carry the job/step key).
 */
public final class AgentLoop {
  /** How the loop reaches the rest of the daemon. */
  /**
   * @param tokens hears the model's answer as it comes (for live followers; the journal gets whole turns)
   * @param turnStarts told before each model call, so live followers know where a turn's tokens begin
   */
  public record Ports(JobLog log, ModelDoor door, ActorRef<ToolSupervisor.Command> tools, Scheduler scheduler,
      Consumer<Delta> tokens, Runnable turnStarts) {}

  private final Agent agent;
  private final Ports ports;
  private final AgentSettings settings;
  private final int window;
  private final PromptTemplates prompts;
  private final Clock clock = Clock.systemUTC();
  private TurnParser parser;
  private JsonSchema answerSchema;
  private boolean structured;
  private ToolCallingMode mode;

  /** @param window the model's context length as the door pins it */
  public AgentLoop(Agent agent, Ports ports, AgentSettings settings, int window, PromptTemplates prompts) {
    this.agent = agent;
    this.ports = ports;
    this.settings = settings;
    this.window = window;
    this.prompts = prompts;
    this.parser = new TurnParser(agent.tools(), new ArgumentCheck());
    this.answerSchema = AnswerSchema.forTools(agent.tools());
  }

  /** The agent this loop runs (its name names the job's span). */
  public String agentName() {
    return agent.name();
  }

  public void run() throws Exception {
    Job job = ports.log().get();
    if (job.status().finished()) {
      return;
    }
    job = ports.log().running();
    Optional<JsonSchema> finalSchema = agent.answerSchema(job);
    structured = finalSchema.isPresent();
    parser = new TurnParser(agent.tools(), new ArgumentCheck(), finalSchema);
    answerSchema = finalSchema.map(s -> AnswerSchema.forTools(agent.tools(), s)).orElse(answerSchema);
    mode = ToolCallingMode.decide(ports.door().capabilities(agent.model()),
        Optional.ofNullable(settings.toolCalling().get(agent.model())).flatMap(ToolCallingMode::parse));
    String system = prompts.render("agent-system", Map.of("agent_role", agent.role(), "tools", describeTools()));
    Optional<JobEntity.ContextGathered> gathered = job.steps().stream()
        .filter(JobEntity.ContextGathered.class::isInstance).map(JobEntity.ContextGathered.class::cast).findFirst();
    if (gathered.isEmpty()) {
      Agent.Task task = agent.gather(job);
      job = ports.log().record(new JobEntity.ContextGathered(task.text(), task.sources(), clock.instant()));
    }
    String task = gathered.map(JobEntity.ContextGathered::task).orElseGet(() -> lastContext(ports.log().get()));
    while (true) {
      Optional<JobEntity.ModelTurned> pending = pendingTurn(job);
      if (pending.isPresent()) {
        ParsedTurn parsed = parser.parse(ChatMessage.of("assistant", pending.get().answer()));
        if (parsed instanceof ParsedTurn.Final f) {
          finish(job, f.answer(), pending.get().step());
          return;
        }
        job = runTool(job, ((ParsedTurn.Call) parsed).call(), pending.get().step());
        continue;
      }
      Optional<String> spent = spent(job);
      if (spent.isPresent()) {
        stop(job, spent.get());
        return;
      }
      Conversation conversation = Conversation.of(system, task, job, mode, prompts);
      Optional<Integer> through = conversation.condenseThrough(window, reserve());
      if (through.isPresent()) {
        String summary = conversation.summaryThrough(through.get(), job.lastCondensation().map(JobEntity.Condensed::summary));
        job = ports.log().record(new JobEntity.Condensed(through.get(), summary, clock.instant()));
        conversation = Conversation.of(system, task, job, mode, prompts);
      }
      if (conversation.estimatedTokens() > window - reserve()) {
        ports.log().fail("the task needs about " + conversation.estimatedTokens() + " tokens but " + agent.model()
            + " has a window of " + window + " (" + settings.answerTokens() + " kept for the answer): pin a larger "
            + "num_ctx for it (turbo-agents.inference.models) or give a shorter issue");
        return;
      }
      Optional<Completion> answer = ask(conversation.messages(), job);
      if (answer.isEmpty()) {
        return;
      }
      job = recordTurn(job, conversation, answer.get());
    }
  }

  /** Asks the model; empty when the job has ended (it failed and was recorded so, or was cancelled). */
  private Optional<Completion> ask(List<ChatMessage> messages, Job job) throws Exception {
    while (true) {
      Duration left = Duration.between(clock.instant(), job.acceptedAt().plus(job.budget().maxWallTime()));
      Duration timeout = left.compareTo(settings.modelCallTimeout()) < 0 ? left : settings.modelCallTimeout();
      if (timeout.isNegative() || timeout.isZero()) {
        stop(job, spent(job).orElse("the wall time budget is spent"));
        return Optional.empty();
      }
      ports.turnStarts().run();
      InferenceActor.Reply reply = ports.door().chat(call(messages), timeout, down -> {
        if (down.isPresent()) {
          ports.log().waiting(down.get());
        } else {
          ports.log().running();
        }
      }, ports.tokens());
      switch (reply) {
        case InferenceActor.Completed c -> {
          return Optional.of(c.completion());
        }
        case InferenceActor.Failed f when f.failure() == InferenceActor.Failure.REJECTED
            && mode == ToolCallingMode.NATIVE_TOOLS -> mode = ToolCallingMode.SCHEMA_CONSTRAINED;
        case InferenceActor.Failed f when f.failure() == InferenceActor.Failure.BUSY
            || f.failure() == InferenceActor.Failure.INTERRUPTED || f.failure() == InferenceActor.Failure.BROKEN_STREAM
            // the door's watchdog unloaded a stalled model: it is loaded again for the next ask
            || f.failure() == InferenceActor.Failure.STALLED
            || (f.failure() == InferenceActor.Failure.DEADLINE && timeout.equals(settings.modelCallTimeout())) ->
            Thread.sleep(settings.waitCheck().toMillis());
        case InferenceActor.Failed f when f.failure() == InferenceActor.Failure.DEADLINE -> {
          ports.log().fail("the wall time budget of " + job.budget().maxWallTime() + " was spent waiting for the model "
              + agent.model() + (ports.door().down().map(d -> " (" + d + ")").orElse("")));
          return Optional.empty();
        }
        case InferenceActor.Failed f -> {
          ports.log().fail("the model " + agent.model() + " could not be asked: " + f.message());
          return Optional.empty();
        }
      }
    }
  }

  private Job recordTurn(Job job, Conversation conversation, Completion completion) throws Exception {
    ChatMessage message = completion.message().orElse(ChatMessage.of("assistant", completion.response()));
    ParsedTurn parsed = parser.parse(message);
    int step = job.nextTurn();
    boolean afterInvalid = lastTurn(job).map(t -> t.kind() == TurnKind.INVALID).orElse(false);
    TurnKind kind = switch (parsed) {
      case ParsedTurn.Invalid i -> TurnKind.INVALID;
      case ParsedTurn.Call c -> afterInvalid ? TurnKind.REPAIRED : TurnKind.TOOL_CALL;
      case ParsedTurn.Final f -> afterInvalid ? TurnKind.REPAIRED : TurnKind.FINAL;
    };
    String answer = switch (parsed) {
      case ParsedTurn.Call c -> "{\"name\":\"" + c.call().name() + "\",\"arguments\":" + c.call().arguments() + "}";
      case ParsedTurn.Final f -> new JsonObject("{}").tree().put("name", AnswerSchema.FINAL)
          .set("arguments", structured ? new JsonObject(f.answer()).tree()
              : new JsonObject("{}").tree().put("answer", f.answer())).toString();
      case ParsedTurn.Invalid i -> message.content().isBlank() ? String.valueOf(message.toolCalls()) : message.content();
    };
    String asked = conversation.messages().getLast().content();
    var t = completion.timings();
    job = ports.log().record(new JobEntity.ModelTurned(step, completion.model(), mode.label(),
        asked.substring(0, Math.min(300, asked.length())), answer, kind,
        parsed instanceof ParsedTurn.Invalid i ? Optional.of(i.correction()) : Optional.empty(),
        t.promptEvalCount(), t.evalCount(), TimeUnit.NANOSECONDS.toMillis(t.totalNanos()), clock.instant()));
    if (parsed instanceof ParsedTurn.Invalid i && trailingInvalid(job) > settings.repairAttempts()) {
      ports.log().fail("the model " + agent.model() + " gave " + trailingInvalid(job) + " unusable answers in a row; "
          + "the last: " + i.problem());
      throw new JobLog.JobEnded("failed");
    }
    if (parsed instanceof ParsedTurn.Call c) {
      Optional<String> loop = new LoopGuard(settings.loopLimit()).check(callsWith(job, c.call()));
      if (loop.isPresent()) {
        ports.log().fail(loop.get());
        throw new JobLog.JobEnded("failed");
      }
    }
    return job;
  }

  private Job runTool(Job job, ToolCall call, int step) {
    Instant started = clock.instant();
    ToolContext context = new ToolContext(job.id(), step, agent.name(), job.issueId(), agent.checkout(job));
    ToolResult result;
    Span span = GenAiSpans.current().executeTool(call.name(), call.id());
    try {
      result = AskPattern.<ToolSupervisor.Command, ToolResult>ask(ports.tools(),
          r -> new ToolSupervisor.Call(call, context, r), settings.toolTimeout(), ports.scheduler())
          .toCompletableFuture().get();
    } catch (Exception e) {
      result = new ToolResult.Failed("no answer from " + call.name() + " within " + settings.toolTimeout());
    }
    if (!(result instanceof ToolResult.Ok)) {
      GenAiSpans.fail(span, "tool_" + result.outcome(), result.text().substring(0, Math.min(200, result.text().length())));
    } else {
      span.end();
    }
    return ports.log().record(new JobEntity.ToolCalled(step, call.name(), call.arguments().json(), result.outcome(),
        result.text(), Duration.between(started, clock.instant()).toMillis(), clock.instant()));
  }

  /** A budget is spent before the model answered: the agent's own way out, or the job fails with {@code reason}. */
  private void stop(Job job, String reason) throws Exception {
    switch (agent.whenSpent(job, reason).orElse(new Agent.Finish.Failed(reason))) {
      case Agent.Finish.Succeeded s -> ports.log().succeed(s);
      case Agent.Finish.Failed f -> ports.log().fail(f.reason());
    }
  }

  private void finish(Job job, String answer, int step) throws Exception {
    switch (agent.finish(job, answer, step)) {
      case Agent.Finish.Succeeded s -> ports.log().succeed(s);
      case Agent.Finish.Failed f -> ports.log().fail(f.reason());
    }
  }

  private InferenceCall.Chat call(List<ChatMessage> messages) {
    ModelOptions options = ModelOptions.NONE.with(ModelOption.NUM_PREDICT, (long) settings.answerTokens());
    AnswerFormat format = mode == ToolCallingMode.PLAIN ? AnswerFormat.TEXT
        : new AnswerFormat.Schema(answerSchema);
    return new InferenceCall.Chat(agent.model(), messages,
        mode == ToolCallingMode.NATIVE_TOOLS ? agent.tools() : List.of(), format, options, Thinking.SERVER_DEFAULT);
  }

  private int reserve() {
    int schema = mode == ToolCallingMode.PLAIN ? 0 : Conversation.tokens(answerSchema.definition().json());
    return settings.answerTokens() + schema;
  }

  private String describeTools() {
    return agent.tools().stream().map(t -> "- " + t.name() + ": " + t.description() + " Arguments: "
        + t.parameters().definition().tree().path("properties")).collect(Collectors.joining("\n"));
  }

  /** Why the job must stop now, if a budget is spent. */
  private Optional<String> spent(Job job) {
    if (job.usage().turns() >= job.budget().maxSteps()) {
      return Optional.of("stopped: the budget of " + job.budget().maxSteps() + " model turns is spent");
    }
    if (job.usage().tokens() >= job.budget().maxTokens()) {
      return Optional.of("stopped: the budget of " + job.budget().maxTokens() + " tokens is spent (" + job.usage().tokens()
          + " used)");
    }
    if (clock.instant().isAfter(job.acceptedAt().plus(job.budget().maxWallTime()))) {
      return Optional.of("stopped: the wall time budget of " + job.budget().maxWallTime() + " is spent");
    }
    return Optional.empty();
  }

  /** The newest turn if it asked for a tool (or ended the job) and nothing was recorded after it. */
  private static Optional<JobEntity.ModelTurned> pendingTurn(Job job) {
    return job.steps().isEmpty() || !(job.steps().getLast() instanceof JobEntity.ModelTurned t) || t.kind() == TurnKind.INVALID
        ? Optional.empty() : Optional.of(t);
  }

  private static Optional<JobEntity.ModelTurned> lastTurn(Job job) {
    return job.steps().reversed().stream().filter(JobEntity.ModelTurned.class::isInstance)
        .map(JobEntity.ModelTurned.class::cast).findFirst();
  }

  private static int trailingInvalid(Job job) {
    int n = 0;
    for (JobEntity.Step s : job.steps().reversed()) {
      if (s instanceof JobEntity.ModelTurned t) {
        if (t.kind() != TurnKind.INVALID) {
          break;
        }
        n++;
      }
    }
    return n;
  }

  private static List<ToolCall> callsWith(Job job, ToolCall next) {
    List<ToolCall> calls = new java.util.ArrayList<>(job.steps().stream().filter(JobEntity.ToolCalled.class::isInstance)
        .map(JobEntity.ToolCalled.class::cast)
        .map(c -> new ToolCall(Optional.empty(), c.tool(), new JsonObject(c.arguments()))).toList());
    calls.add(next);
    return calls;
  }

  private static String lastContext(Job job) {
    return job.steps().stream().filter(JobEntity.ContextGathered.class::isInstance)
        .map(JobEntity.ContextGathered.class::cast).findFirst().orElseThrow().task();
  }
}
