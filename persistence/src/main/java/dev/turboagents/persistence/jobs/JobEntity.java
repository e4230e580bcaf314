package dev.turboagents.persistence.jobs;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.turboagents.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * One agent job, event-sourced: its record is the source of truth a resumed runner continues from
 * (the last persisted step), what {@code GET /agents/jobs/{id}} shows and what its event stream
 * replays. Every event is tagged {@link #TAG} so the coordinator can find unfinished jobs after a
 * restart. A finished job (succeeded, failed, cancelled) takes no further step.
 */
public final class JobEntity extends EventSourcedBehavior<JobEntity.Command, JobEntity.Event, JobEntity.State> {

  public static final String TYPE = "job";
  /** The tag on every job event. */
  public static final String TAG = "job";

  // ---- protocol ---------------------------------------------------------------------------

  /** Commands a job accepts; every reply carries the job after the change, or an error saying why not. */
  public sealed interface Command extends CborSerializable
      permits Accept, Record, MarkRunning, MarkWaiting, Succeed, Fail, Cancel, Get, Stop {}

  /**
   * A new job: which agent, on what, who asked, with what budget.
   *
   * @param input the agent's own request as a JSON object (a triage batch, a review's range, a chat
   *     message), empty for agents whose issue is all they need
   */
  public record Accept(String agent, Optional<String> issueId, Optional<String> context, Optional<String> input,
      String requestedBy, JobBudget budget, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  /** Appends one step of the runner's work (a model turn, a tool call, a context, a summary). */
  public record Record(Step step, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  public record MarkRunning(ActorRef<StatusReply<Job>> replyTo) implements Command {}

  /** The job waits on {@code reason} (the model door is down); a job already waiting for it stays as it is. */
  public record MarkWaiting(String reason, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  /** @param output the result as structured JSON (a triage's decisions, a review's findings), when the agent has one */
  public record Succeed(String result, Optional<String> output, Optional<String> branch, Optional<String> commit,
      ActorRef<StatusReply<Job>> replyTo) implements Command {}

  public record Fail(String reason, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  public record Cancel(String reason, ActorRef<StatusReply<Job>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<Job>> replyTo) implements Command {}

  /** Stops the entity without a reply (its owner is done with it). */
  public record Stop() implements Command {}

  // ---- events -----------------------------------------------------------------------------

  /** What happened to a job, in order. */
  public sealed interface Event extends CborSerializable
      permits JobAccepted, JobRunning, JobWaiting, JobSucceeded, JobFailed, JobCancelled, Step {
    Instant at();
  }

  /** One step of a job's work, as a runner records it and a resumed runner replays it. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({@JsonSubTypes.Type(value = ContextGathered.class, name = "context"),
      @JsonSubTypes.Type(value = ModelTurned.class, name = "turn"),
      @JsonSubTypes.Type(value = ToolCalled.class, name = "tool"),
      @JsonSubTypes.Type(value = Condensed.class, name = "condensed")})
  public sealed interface Step extends Event permits ContextGathered, ModelTurned, ToolCalled, Condensed {}

  /** {@code input} is absent in events written before agents took their own input: those read as empty. */
  public record JobAccepted(String agent, Optional<String> issueId, Optional<String> context, Optional<String> input,
      String requestedBy, JobBudget budget, Instant at) implements Event {}

  public record JobRunning(Instant at) implements Event {}

  public record JobWaiting(String reason, Instant at) implements Event {}

  /** {@code output} is absent in events written before structured results: those read as empty. */
  public record JobSucceeded(String result, Optional<String> output, Optional<String> branch, Optional<String> commit,
      Instant at) implements Event {}

  public record JobFailed(String reason, Instant at) implements Event {}

  public record JobCancelled(String reason, Instant at) implements Event {}

  /**
   * What the agent was given to start with.
   *
   * @param task the task as the model sees it (the issue, graph context, recent commits)
   */
  public record ContextGathered(String task, List<String> sources, Instant at) implements Step {}

  /**
   * One answer of the model.
   *
   * @param step the turn's number, 1-based
   * @param mode how tool calls were asked for: native-tools, schema-constrained or plain
   * @param asked what was asked, in short (the newest message of the conversation)
   * @param answer the model's answer as it came (text, or the tool call it made as JSON)
   * @param correction for an invalid turn: the correction sent back to the model
   */
  public record ModelTurned(int step, String model, String mode, String asked, String answer, TurnKind kind,
      Optional<String> correction, int promptTokens, int answerTokens, long durationMillis, Instant at)
      implements Step {}

  /**
   * A tool call and its result.
   *
   * @param step the model turn that asked for it
   * @param outcome ok, refused (a permission or path refusal) or failed (the tool could not do it)
   * @param result what the model is shown (trimmed)
   */
  public record ToolCalled(int step, String tool, String arguments, String outcome, String result, long durationMillis,
      Instant at) implements Step {
    public boolean refused() {
      return "refused".equals(outcome);
    }
  }

  /**
   * Older turns condensed into a summary because the conversation would overflow the model's window.
   *
   * @param throughStep the newest turn the summary covers: a resumed job starts from the summary
   *     and the turns after it, never condensing again
   */
  public record Condensed(int throughStep, String summary, Instant at) implements Step {}

  // ---- state ------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable permits Blank, Active {}

  /** No job with this id was ever accepted. */
  public record Blank() implements State {}

  public record Active(Job job) implements State {}

  // ---- behavior ---------------------------------------------------------------------------

  private final String id;
  private final int snapshotEvery;
  private final Clock clock = Clock.systemUTC();

  /** The job {@code id}; a snapshot every {@code snapshotEvery} events. */
  public static Behavior<Command> create(String id, int snapshotEvery) {
    return new JobEntity(id, snapshotEvery);
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of(TYPE, id);
  }

  private JobEntity(String id, int snapshotEvery) {
    super(persistenceId(id));
    this.id = id;
    this.snapshotEvery = snapshotEvery;
  }

  @Override
  public State emptyState() {
    return new Blank();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(snapshotEvery, 2);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerBuilder();
    builder.forStateType(Blank.class)
        .onCommand(Accept.class, (s, c) -> persist(new JobAccepted(c.agent(), c.issueId(), c.context(),
            c.input(), c.requestedBy(), c.budget(), clock.instant()), c.replyTo()))
        .onCommand(Stop.class, c -> Effect().stop())
        .onAnyCommand(c -> Effect().none().thenRun(() -> reply(c, StatusReply.error("no job " + id))));
    builder.forStateType(Active.class)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.job())))
        .onCommand(Stop.class, c -> Effect().stop())
        .onCommand(Accept.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.error("job " + id + " already exists")))
        .onCommand(Cancel.class, this::cancel)
        .onAnyCommand(this::progress);
    return builder.build();
  }

  private Effect<Event, State> cancel(Active s, Cancel c) {
    if (s.job().status().finished()) {
      return Effect().reply(c.replyTo(), StatusReply.success(s.job()));
    }
    return persist(new JobCancelled(c.reason(), clock.instant()), c.replyTo());
  }

  private Effect<Event, State> progress(Active s, Command c) {
    Job job = s.job();
    if (job.status().finished()) {
      return Effect().none().thenRun(() -> reply(c, StatusReply.error("job " + id + " has already "
          + job.status().label() + ": it takes no further step")));
    }
    Instant at = clock.instant();
    return switch (c) {
      case Record r -> persist(r.step(), r.replyTo());
      case MarkRunning r when job.status() == JobStatus.RUNNING -> Effect().reply(r.replyTo(), StatusReply.success(job));
      case MarkRunning r -> persist(new JobRunning(at), r.replyTo());
      case MarkWaiting w when job.waitingFor().equals(Optional.of(w.reason())) ->
          Effect().reply(w.replyTo(), StatusReply.success(job));
      case MarkWaiting w -> persist(new JobWaiting(w.reason(), at), w.replyTo());
      case Succeed w -> persist(new JobSucceeded(w.result(), w.output(), w.branch(), w.commit(), at), w.replyTo());
      case Fail f -> persist(new JobFailed(f.reason(), at), f.replyTo());
      default -> throw new IllegalStateException("unhandled " + c);
    };
  }

  private Effect<Event, State> persist(Event event, ActorRef<StatusReply<Job>> replyTo) {
    return Effect().persist(event).thenReply(replyTo, state -> StatusReply.success(((Active) state).job()));
  }

  private static void reply(Command c, StatusReply<Job> reply) {
    switch (c) {
      case Accept a -> a.replyTo().tell(reply);
      case Record a -> a.replyTo().tell(reply);
      case MarkRunning a -> a.replyTo().tell(reply);
      case MarkWaiting a -> a.replyTo().tell(reply);
      case Succeed a -> a.replyTo().tell(reply);
      case Fail a -> a.replyTo().tell(reply);
      case Cancel a -> a.replyTo().tell(reply);
      case Get a -> a.replyTo().tell(reply);
      case Stop a -> { }
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> switch (state) {
      case Blank b when event instanceof JobAccepted accepted -> new Active(Job.accepted(id, accepted));
      case Blank b -> throw new IllegalStateException("job " + id + ": " + event + " before JobAccepted");
      case Active a -> new Active(a.job().apply(event));
    };
  }
}
