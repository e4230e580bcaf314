package dev.turboagents.actors.workflows;

import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.CborSerializable;
import dev.turboagents.persistence.jobs.Job;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The implement → review workflow of one issue, event-sourced: implement (a code job: its tests and
 * quality gate) → review (a review job on that job's branch) → while the review has blocking
 * findings and rounds are left, revise (a code job on the same branch with the findings) → review
 * → the workflow's gate → one comment on the issue with the result.
 *
 * <p>Every step is persisted when it starts ({@link StepStarted}), when its job exists
 * ({@link JobAttached}) and when it ends ({@link StepEnded}). After a crash the entity resumes at
 * its last step: a started step whose job already exists (found by the key in its
 * {@code requested_by}) re-attaches to it instead of starting another; the comment is keyed, so it
 * is posted once. Cancel works at every step and cancels the running job; a late answer (a job
 * started, a gate's outcome) is dropped. Only a result comment being posted is waited for, since a
 * post cannot be taken back: posted, the workflow ends as its comment says; failed, it is cancelled.
 */
public final class ImplementAndReview
    extends EventSourcedBehavior<ImplementAndReview.Command, ImplementAndReview.Event, ImplementAndReview.State> {

  public static final String TYPE = "workflow";
  /** The tag on every workflow event: the registry finds unfinished workflows by it at start. */
  public static final String TAG = "workflow";

  /** What runs the steps: the agents' jobs, the gate's look at the workspace, the comment. */
  public interface Steps {
    /** Starts the step's job; {@code key} goes into the job's requested_by. */
    java.util.concurrent.CompletionStage<Job> start(Workflow workflow, Step step, String key);

    /** The job with {@code key} in its requested_by on {@code issueId}, if one was started. */
    java.util.concurrent.CompletionStage<Optional<Job>> find(String issueId, String key);

    java.util.concurrent.CompletionStage<Job> job(String jobId);

    java.util.concurrent.CompletionStage<Job> cancel(String jobId, String reason);

    /** The gate: the outcome and a line saying why. */
    java.util.concurrent.CompletionStage<StepOutcome> gate(Workflow workflow);

    /** Posts the result comment once (under {@code key}); completes with its text. */
    java.util.concurrent.CompletionStage<String> comment(Workflow workflow, String key);

    /** Review findings of a finished review job that block (their count) and its summary. */
    StepOutcome reviewed(Job review);

    /** The outcome of a finished code job. */
    StepOutcome coded(Job code);
  }

  public enum Kind { IMPLEMENT, REVIEW, REVISE, GATE, COMMENT;
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    boolean runsAJob() {
      return this == IMPLEMENT || this == REVIEW || this == REVISE;
    }
  }

  public enum Status { RUNNING, SUCCEEDED, FAILED, CANCELLED;
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** What a finished step came to. @param blocking blocking findings (reviews), @param branch a code job's branch */
  public record StepOutcome(boolean ok, String detail, int blocking, Optional<String> branch) implements CborSerializable {}

  /** One step: started, maybe with its job, maybe ended. */
  public record Step(Kind kind, int round, Optional<String> jobId, Optional<StepOutcome> outcome, Instant startedAt,
      Optional<Instant> endedAt) implements CborSerializable {
    String key(String workflowId) {
      return "workflow:" + workflowId + "/" + kind.wire() + "/" + round;
    }
  }

  /** The workflow as it stands. */
  public record Workflow(String id, String issueId, String requestedBy, int maxRounds, Status status, List<Step> steps,
      Optional<String> result, Instant startedAt, Instant updatedAt) implements CborSerializable {
    public Optional<Step> current() {
      return steps.isEmpty() ? Optional.empty() : Optional.of(steps.get(steps.size() - 1));
    }

    /** The newest code step's branch: what the workflow delivers. */
    public Optional<String> branch() {
      for (int i = steps.size() - 1; i >= 0; i--) {
        Step s = steps.get(i);
        if ((s.kind() == Kind.IMPLEMENT || s.kind() == Kind.REVISE) && s.outcome().flatMap(StepOutcome::branch).isPresent()) {
          return s.outcome().flatMap(StepOutcome::branch);
        }
      }
      return Optional.empty();
    }

    /** The newest finished step of {@code kind}. */
    public Optional<Step> last(Kind kind) {
      for (int i = steps.size() - 1; i >= 0; i--) {
        if (steps.get(i).kind() == kind && steps.get(i).outcome().isPresent()) {
          return Optional.of(steps.get(i));
        }
      }
      return Optional.empty();
    }

    public int round() {
      return current().map(Step::round).orElse(0);
    }

    Workflow with(List<Step> next, Instant at) {
      return new Workflow(id, issueId, requestedBy, maxRounds, status, List.copyOf(next), result, startedAt, at);
    }
  }

  // ---- protocol --------------------------------------------------------------------------

  public sealed interface Command extends CborSerializable {}

  /** Starts the workflow on {@code issueId}; a second Start answers the workflow as it is. */
  public record Start(String issueId, String requestedBy, int maxRounds, ActorRef<StatusReply<Workflow>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<Workflow>> replyTo) implements Command {}

  /** Cancels the workflow and its running job; a finished workflow is answered as it is. */
  public record Cancel(String reason, ActorRef<StatusReply<Workflow>> replyTo) implements Command {}

  /** Look at the current step and move on. */
  record Advance() implements Command {}

  record Started(Kind kind, int round, Job job) implements Command {}

  record Found(Kind kind, int round, Optional<Job> job) implements Command {}

  record Seen(Job job) implements Command {}

  record Gated(int round, StepOutcome outcome) implements Command {}

  record Commented(String text) implements Command {}

  record Trouble(String what, Throwable error) implements Command {}

  record Refused(Kind kind, int round, String reason) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record WorkflowStarted(String issueId, String requestedBy, int maxRounds, Instant at) implements Event {}

  public record StepStarted(Kind kind, int round, Instant at) implements Event {}

  public record JobAttached(String jobId, Instant at) implements Event {}

  public record StepEnded(StepOutcome outcome, Instant at) implements Event {}

  public record WorkflowEnded(Status status, String result, Instant at) implements Event {}

  public sealed interface State extends CborSerializable {}

  public record Blank() implements State {}

  public record Active(Workflow workflow) implements State {}

  // ---- behavior ---------------------------------------------------------------------------

  private final String id;
  private final Steps steps;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final java.time.Duration poll;
  private final Clock clock = Clock.systemUTC();
  /** An Advance already asked the outside world and waits for its answer: no second one meanwhile. */
  private boolean asking;

  public static Behavior<Command> create(String id, Steps steps, java.time.Duration poll) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new ImplementAndReview(id, steps, context, timers, poll)));
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of(TYPE, id);
  }

  private ImplementAndReview(String id, Steps steps, ActorContext<Command> context, TimerScheduler<Command> timers,
      java.time.Duration poll) {
    super(persistenceId(id));
    this.id = id;
    this.steps = steps;
    this.context = context;
    this.timers = timers;
    this.poll = poll;
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
    return RetentionCriteria.snapshotEvery(50, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
      if (state instanceof Active a && a.workflow().status() == Status.RUNNING) {
        context.getLog().info("workflow {}: resuming at {}", id, a.workflow().current().map(s -> s.kind().wire() + " round "
            + s.round()).orElse("its start"));
        context.getSelf().tell(new Advance());
      }
    }).build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerBuilder();
    builder.forStateType(Blank.class)
        .onCommand(Start.class, (s, c) -> Effect().persist(List.of(new WorkflowStarted(c.issueId(), c.requestedBy(),
                c.maxRounds(), clock.instant()), new StepStarted(Kind.IMPLEMENT, 1, clock.instant())))
            .thenRun(st -> context.getSelf().tell(new Advance()))
            .thenReply(c.replyTo(), st -> StatusReply.success(((Active) st).workflow())))
        // an id no workflow has: answered, and the entity does not stay
        .onCommand(Get.class, c -> Effect().stop().thenRun(st -> c.replyTo().tell(StatusReply.error("no workflow " + id))))
        .onCommand(Cancel.class, c -> Effect().stop().thenRun(st -> c.replyTo().tell(StatusReply.error("no workflow " + id))))
        .onAnyCommand(c -> Effect().none());
    builder.forStateType(Active.class)
        .onCommand(Start.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.workflow())))
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.workflow())))
        .onCommand(Cancel.class, this::cancel)
        .onCommand(Advance.class, this::advance)
        .onCommand(Found.class, this::found)
        .onCommand(Started.class, this::started)
        .onCommand(Seen.class, this::seen)
        .onCommand(Refused.class, this::refused)
        .onCommand(Gated.class, this::gated)
        .onCommand(Commented.class, this::commented)
        .onCommand(Trouble.class, (s, c) -> {
          asking = false;
          // the outside world did not answer (a timeout, a job that vanished): look again later
          context.getLog().warn("workflow {}: {} failed, trying again: {}", id, c.what(), c.error().toString());
          if (running(s)) {
            timers.startSingleTimer(new Advance(), poll.multipliedBy(4));
          }
          // a cancel that waited for the comment's post goes on now: nothing was posted
          return Effect().none().thenUnstashAll();
        });
    return builder.build();
  }

  private static boolean running(Active s) {
    return s.workflow().status() == Status.RUNNING;
  }

  private Effect<Event, State> cancel(Active s, Cancel c) {
    Workflow w = s.workflow();
    if (w.status() != Status.RUNNING) {
      return Effect().reply(c.replyTo(), StatusReply.success(w));
    }
    if (asking && w.current().map(st -> st.kind() == Kind.COMMENT).orElse(false)) {
      // the result comment is being posted: a post cannot be taken back, so the cancel waits for its outcome
      return Effect().stash();
    }
    w.current().flatMap(Step::jobId).filter(j -> w.current().get().outcome().isEmpty())
        .ifPresent(job -> steps.cancel(job, c.reason() + " (workflow " + id + ")"));
    String at = w.current().map(st -> st.kind().wire() + " round " + st.round()).orElse("its start");
    return Effect().persist(new WorkflowEnded(Status.CANCELLED, c.reason() + ", at " + at, clock.instant()))
        .thenReply(c.replyTo(), st -> StatusReply.success(((Active) st).workflow()));
  }

  /** Where the workflow stands decides what happens next. */
  private Effect<Event, State> advance(Active s, Advance a) {
    Workflow w = s.workflow();
    if (w.status() != Status.RUNNING || asking) {
      return Effect().none();
    }
    Step step = w.current().orElseThrow();
    if (step.outcome().isPresent()) {
      return next(w, step);
    }
    switch (step.kind()) {
      case IMPLEMENT, REVIEW, REVISE -> {
        asking = true;
        if (step.jobId().isPresent()) {
          context.pipeToSelf(steps.job(step.jobId().get()), (job, e) -> e == null ? new Seen(job) : new Trouble("looking at job "
              + step.jobId().get(), e));
        } else {
          context.pipeToSelf(steps.find(w.issueId(), step.key(id)), (job, e) -> e == null ? new Found(step.kind(), step.round(), job)
              : new Trouble("looking for the job of " + step.key(id), e));
        }
        return Effect().none();
      }
      case GATE -> {
        asking = true;
        context.pipeToSelf(steps.gate(w), (outcome, e) -> e == null ? new Gated(step.round(), outcome)
            : new Trouble("the quality gate", e));
        return Effect().none();
      }
      case COMMENT -> {
        asking = true;
        context.pipeToSelf(steps.comment(w, "workflow/" + id + "/result"), (text, e) -> e == null ? new Commented(text)
            : new Trouble("commenting on issue " + w.issueId(), e));
        return Effect().none();
      }
      default -> throw new IllegalStateException("unknown step " + step.kind());
    }
  }

  /** The step after a finished one. */
  private Effect<Event, State> next(Workflow w, Step done) {
    StepOutcome o = done.outcome().orElseThrow();
    Instant at = clock.instant();
    return switch (done.kind()) {
      case IMPLEMENT, REVISE -> begin(o.ok() ? Kind.REVIEW : Kind.GATE, done.round());
      case REVIEW -> begin(o.ok() && o.blocking() > 0 && done.round() < w.maxRounds() ? Kind.REVISE : Kind.GATE,
          o.ok() && o.blocking() > 0 && done.round() < w.maxRounds() ? done.round() + 1 : done.round());
      case GATE -> begin(Kind.COMMENT, done.round());
      case COMMENT -> {
        StepOutcome gate = w.last(Kind.GATE).flatMap(Step::outcome).orElseThrow();
        yield Effect().persist(new WorkflowEnded(gate.ok() ? Status.SUCCEEDED : Status.FAILED, gate.detail(), at));
      }
    };
  }

  private Effect<Event, State> begin(Kind kind, int round) {
    return Effect().persist(new StepStarted(kind, round, clock.instant())).thenRun(st -> context.getSelf().tell(new Advance()));
  }

  private Effect<Event, State> endStep(StepOutcome outcome) {
    return Effect().persist(new StepEnded(outcome, clock.instant())).thenRun(st -> context.getSelf().tell(new Advance()));
  }

  private Effect<Event, State> gated(Active s, Gated g) {
    asking = false;
    Step step = s.workflow().current().orElseThrow();
    if (!running(s) || step.kind() != Kind.GATE || step.round() != g.round() || step.outcome().isPresent()) {
      return Effect().none();
    }
    return endStep(g.outcome());
  }

  /**
   * The result comment is posted: the step and the workflow end together, so a cancel that waited
   * for the post finds the workflow finished, as the comment says it is.
   */
  private Effect<Event, State> commented(Active s, Commented c) {
    asking = false;
    Workflow w = s.workflow();
    Step step = w.current().orElseThrow();
    if (!running(s) || step.kind() != Kind.COMMENT || step.outcome().isPresent()) {
      return Effect().none().thenUnstashAll();
    }
    StepOutcome gate = w.last(Kind.GATE).flatMap(Step::outcome).orElseThrow();
    Instant at = clock.instant();
    return Effect().persist(List.of(new StepEnded(new StepOutcome(true, "commented on issue " + w.issueId(), 0,
            Optional.empty()), at), new WorkflowEnded(gate.ok() ? Status.SUCCEEDED : Status.FAILED, gate.detail(), at)))
        .thenUnstashAll();
  }

  /** The started step's job, if the journal has one from before a crash; else it is started now. */
  private Effect<Event, State> found(Active s, Found f) {
    Workflow w = s.workflow();
    Step step = w.current().orElseThrow();
    if (!running(s) || step.kind() != f.kind() || step.round() != f.round() || step.jobId().isPresent()) {
      asking = false;
      return Effect().none();
    }
    if (f.job().isPresent()) {
      context.getLog().info("workflow {}: {} re-attaches to its job {}", id, step.key(id), f.job().get().id());
      return attach(f.job().get());
    }
    context.pipeToSelf(steps.start(w, step, step.key(id)), (job, e) -> e == null ? new Started(f.kind(), f.round(), job)
        : refusal(e).<Command>map(r -> new Refused(f.kind(), f.round(), r))
            .orElseGet(() -> new Trouble("starting " + step.key(id), e)));
    return Effect().none();
  }

  /** The agents refused the step's job (no workspace, no test command): the step fails saying why. */
  private Effect<Event, State> refused(Active s, Refused r) {
    asking = false;
    Step step = s.workflow().current().orElseThrow();
    if (!running(s) || step.kind() != r.kind() || step.round() != r.round() || step.outcome().isPresent()) {
      return Effect().none();
    }
    return endStep(new StepOutcome(false, "its job was refused: " + r.reason(), 0, Optional.empty()));
  }

  private static Optional<String> refusal(Throwable e) {
    Throwable cause = AsyncFailure.cause(e);
    return cause instanceof dev.turboagents.actors.agents.JobRefusal r ? Optional.of(r.getMessage()) : Optional.empty();
  }

  private Effect<Event, State> started(Active s, Started st) {
    if (!running(s)) {
      // cancelled while the job was being started: it must not run on
      steps.cancel(st.job().id(), "its workflow " + id + " was cancelled");
      asking = false;
      return Effect().none();
    }
    return attach(st.job());
  }

  private Effect<Event, State> attach(Job job) {
    asking = false;
    return Effect().persist(new JobAttached(job.id(), clock.instant())).thenRun(st -> context.getSelf().tell(new Advance()));
  }

  private Effect<Event, State> seen(Active s, Seen seen) {
    asking = false;
    Job job = seen.job();
    Step step = s.workflow().current().orElseThrow();
    if (!running(s) || step.outcome().isPresent() || !step.jobId().equals(Optional.of(job.id()))) {
      return Effect().none();
    }
    if (!job.status().finished()) {
      timers.startSingleTimer(new Advance(), poll);
      return Effect().none();
    }
    return endStep(step.kind() == Kind.REVIEW ? steps.reviewed(job) : steps.coded(job));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder.forStateType(Blank.class).onEvent(WorkflowStarted.class, (s, e) -> new Active(new Workflow(id, e.issueId(),
        e.requestedBy(), e.maxRounds(), Status.RUNNING, List.of(), Optional.empty(), e.at(), e.at())));
    builder.forStateType(Active.class)
        .onEvent(StepStarted.class, (s, e) -> {
          List<Step> next = new ArrayList<>(s.workflow().steps());
          next.add(new Step(e.kind(), e.round(), Optional.empty(), Optional.empty(), e.at(), Optional.empty()));
          return new Active(s.workflow().with(next, e.at()));
        })
        .onEvent(JobAttached.class, (s, e) -> new Active(replaceCurrent(s.workflow(), c -> new Step(c.kind(), c.round(),
            Optional.of(e.jobId()), c.outcome(), c.startedAt(), c.endedAt()), e.at())))
        .onEvent(StepEnded.class, (s, e) -> new Active(replaceCurrent(s.workflow(), c -> new Step(c.kind(), c.round(),
            c.jobId(), Optional.of(e.outcome()), c.startedAt(), Optional.of(e.at())), e.at())))
        .onEvent(WorkflowEnded.class, (s, e) -> {
          Workflow w = s.workflow();
          return new Active(new Workflow(w.id(), w.issueId(), w.requestedBy(), w.maxRounds(), e.status(), w.steps(),
              Optional.of(e.result()), w.startedAt(), e.at()));
        });
    return builder.build();
  }

  private static Workflow replaceCurrent(Workflow w, java.util.function.UnaryOperator<Step> change, Instant at) {
    List<Step> next = new ArrayList<>(w.steps());
    next.set(next.size() - 1, change.apply(next.get(next.size() - 1)));
    return w.with(next, at);
  }
}
