package dev.turboagents.actors.workflows;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.ChatAgent;
import dev.turboagents.actors.agents.JobPriority;
import dev.turboagents.actors.inference.ModelTimeGate;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.config.WorkflowSettings;
import dev.turboagents.persistence.CborSerializable;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Work the tracker's events start by themselves, event-sourced so that it is done once: a new
 * issue gets a triage job at background priority; a comment that addresses an agent (mentions
 * {@code @agent}, or asks a question on an issue an agent job works on) gets one reply from the
 * chat agent, answered from the project's memory and posted as a comment. It follows the journal's
 * {@code issue} tag as the graph projection does, from the offset it keeps in its own journal: an
 * action is persisted when it starts ({@link ActionStarted}) and when it is done
 * ({@link ActionDone}, which moves the offset), so after a restart an action that was going on is
 * done again, idempotently (its job is found by its requested_by, its comment has a key), and one
 * that was done is never repeated. Comments written by an agent ({@code agent:*}) never trigger.
 * While {@code paused} says so, events pass without work.
 */
public final class TrackerTriggers
    extends EventSourcedBehavior<TrackerTriggers.Command, TrackerTriggers.Event, TrackerTriggers.State> {

  public sealed interface Command extends CborSerializable {}

  /** One journal event, acknowledged once it is handled (the stream waits meanwhile). */
  record Handle(EventEnvelope envelope, ActorRef<Done> ack) implements Command {}

  record ActionEnded(String key, long offset, String detail, ActorRef<Done> ack) implements Command {}

  /** What the triggers have done (for tests and /health). */
  public record GetDone(ActorRef<Set<String>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record ActionStarted(String key) implements Event {}

  public record ActionDone(String key, long offset, String detail) implements Event {}

  /** Events that asked for nothing, up to {@code offset}: stored now and then so a restart reads less again. */
  public record Passed(long offset) implements Event {}

  public record State(long offset, Set<String> started, Set<String> done) implements CborSerializable {}

  private static final int PASSED_EVERY = 100;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackerTriggers.class);
  private static final String PERSISTENCE_ID = "tracker-triggers";

  private final ActorContext<Command> context;
  private final AgentJobs agents;
  private final Tracker tracker;
  private final WorkflowSettings settings;
  private final BooleanSupplier paused;
  private final ModelTimeGate modelTime;
  private final Duration waitForJobs;
  private volatile long resumeFrom;
  private long passedSince;

  /** @param waitForJobs longest a reply waits for its chat job (the stream waits with it) */
  public static Behavior<Command> create(AgentJobs agents, Tracker tracker, WorkflowSettings settings, BooleanSupplier paused,
      Duration waitForJobs) {
    return create(agents, tracker, settings, paused, ModelTimeGate.OPEN, waitForJobs);
  }

  /**
   * @param modelTime whether the background class has spent its daily model time: a triage or a reply
   *     not yet started is then skipped, its outcome saying why
   */
  public static Behavior<Command> create(AgentJobs agents, Tracker tracker, WorkflowSettings settings, BooleanSupplier paused,
      ModelTimeGate modelTime, Duration waitForJobs) {
    return Behaviors.setup(context -> new TrackerTriggers(context, agents, tracker, settings, paused, modelTime, waitForJobs));
  }

  private TrackerTriggers(ActorContext<Command> context, AgentJobs agents, Tracker tracker, WorkflowSettings settings,
      BooleanSupplier paused, ModelTimeGate modelTime, Duration waitForJobs) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID));
    this.context = context;
    this.agents = agents;
    this.tracker = tracker;
    this.settings = settings;
    this.paused = paused;
    this.modelTime = modelTime;
    this.waitForJobs = waitForJobs;
  }

  @Override
  public State emptyState() {
    return new State(0, Set.of(), Set.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> follow(state.offset()))
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, (state, stop) -> {
          if (kill != null) {
            kill.shutdown();
          }
        }).build();
  }

  /** Follows the issue tag after {@code offset}, one event at a time; a failed stream starts again with backoff. */
  private void follow(long offset) {
    resumeFrom = offset;
    ActorSystem<?> system = context.getSystem();
    LeveldbReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
    ActorRef<Command> self = context.getSelf();
    Duration ackTimeout = waitForJobs.plusMinutes(1);
    var kill = RestartSource.withBackoff(RestartSettings.create(Duration.ofMillis(200), Duration.ofSeconds(10), 0.2), () -> {
          Offset from = resumeFrom == 0 ? NoOffset.getInstance() : Offset.sequence(resumeFrom);
          return journal.eventsByTag(TrackerJournal.ISSUE_TAG, from)
              .mapAsync(1, e -> AskPattern.<Command, Done>ask(self, r -> new Handle(e, r), ackTimeout, system.scheduler()));
        })
        .viaMat(KillSwitches.single(), org.apache.pekko.stream.javadsl.Keep.right())
        .to(Sink.ignore()).run(system);
    this.kill = kill;
  }

  private org.apache.pekko.stream.UniqueKillSwitch kill;

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Handle.class, this::handle)
        .onCommand(ActionEnded.class, (s, e) -> Effect().persist(new ActionDone(e.key(), e.offset(), e.detail()))
            .thenRun(st -> {
              resumeFrom = Math.max(resumeFrom, e.offset());
              e.ack().tell(Done.getInstance());
            }))
        .onCommand(GetDone.class, (s, c) -> Effect().reply(c.replyTo(), Set.copyOf(s.done())))
        .build();
  }

  private Effect<Event, State> handle(State s, Handle h) {
    long offset = h.envelope().offset() instanceof Sequence seq ? seq.value() : 0;
    Optional<Action> action = paused.getAsBoolean() ? Optional.empty() : decide(h.envelope());
    if (action.isEmpty() || s.done().contains(action.get().key())) {
      if (++passedSince >= PASSED_EVERY) {
        passedSince = 0;
        return Effect().persist(new Passed(offset)).thenRun(st -> h.ack().tell(Done.getInstance()));
      }
      h.ack().tell(Done.getInstance());
      return Effect().none();
    }
    Action a = action.get();
    return Effect().persist(new ActionStarted(a.key())).thenRun(st -> context.pipeToSelf(a.run().toCompletableFuture(),
        (detail, error) -> new ActionEnded(a.key(), offset, error == null ? detail : "failed: " + error, h.ack())));
  }

  /** Work that {@code run} does once, under {@code key}. */
  private record Action(String key, java.util.function.Supplier<CompletionStage<String>> work) {
    CompletionStage<String> run() {
      try {
        return work.get();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }

  private Optional<Action> decide(EventEnvelope envelope) {
    String pid = envelope.persistenceId();
    String issue = pid.substring(pid.indexOf('|') + 1);
    return switch (envelope.event()) {
      case IssueEntity.IssueCreated created when settings.triageNewIssues() -> Optional.of(new Action("triage/" + issue,
          () -> triage(issue)));
      case IssueEntity.CommentAdded added when settings.replyToComments()
          && !added.comment().author().startsWith("agent:") -> Optional.of(new Action("reply/" + added.comment().id(),
          () -> replyIfAddressed(issue, added.comment())));
      default -> Optional.empty();
    };
  }

  private CompletionStage<String> triage(String issue) {
    String who = JobPriority.background("trigger/triage/" + issue);
    return existing(Optional.empty(), who).thenCompose(found -> found.isPresent()
        ? CompletableFuture.completedFuture("triage job " + found.get().id() + " (started before a restart)")
        : unlessTimeSpent("triage/" + issue, () -> agents.triage(Optional.of(List.of(issue)), true, who)
            .thenApply(start -> switch (start) {
              case AgentJobs.TriageStart.Started st -> "triage job " + st.job().id();
              case AgentJobs.TriageStart.NothingNew n -> "nothing to triage";
            })));
  }

  /**
   * Starts {@code work} (at background priority, as every trigger's job) unless the background class
   * spent its daily model time: then the action is done as skipped, the door's reason its outcome.
   */
  private CompletionStage<String> unlessTimeSpent(String key, java.util.function.Supplier<CompletionStage<String>> work) {
    return modelTime.spent(dev.turboagents.actors.inference.Priority.BACKGROUND).thenCompose(spent -> {
      if (spent.isEmpty()) {
        return work.get();
      }
      String outcome = "skipped: " + spent.get();
      LOG.info("tracker triggers: {} {}", key, outcome); // a future's thread: not the actor's log
      return CompletableFuture.completedFuture(outcome);
    });
  }

  /** A reply when the comment mentions the agents, or asks a question on an issue an agent job works on. */
  private CompletionStage<String> replyIfAddressed(String issue, dev.turboagents.persistence.issues.Comment comment) {
    boolean mentions = comment.text().toLowerCase(java.util.Locale.ROOT).matches("(?s).*(^|\\W)@" + java.util.regex.Pattern
        .quote(settings.mention().toLowerCase(java.util.Locale.ROOT)) + "\\b.*");
    CompletionStage<Boolean> addressed = mentions ? CompletableFuture.completedFuture(true)
        : !comment.text().contains("?") ? CompletableFuture.completedFuture(false)
        : agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.of(issue)))
            .thenApply(jobs -> !jobs.isEmpty());
    return addressed.thenCompose(yes -> yes ? reply(issue, comment) : CompletableFuture.completedFuture("not addressed"));
  }

  private CompletionStage<String> reply(String issue, dev.turboagents.persistence.issues.Comment comment) {
    String who = JobPriority.background("trigger/reply/" + comment.id());
    var input = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("message", "A comment on issue " + issue + " by " + comment.author() + " asks: " + comment.text())
        .put("use_knowledge_graph", true).put("history", "");
    return existing(Optional.empty(), who).thenCompose(found -> found.isPresent()
        ? answer(issue, comment, CompletableFuture.completedFuture(found.get()))
        : unlessTimeSpent("reply/" + comment.id(), () -> answer(issue, comment, agents.submit(ChatAgent.NAME,
            Optional.empty(), Optional.empty(), Optional.of(input.toString()), AgentJobs.BudgetOverride.NONE, who))));
  }

  /** Waits for the chat job and posts its answer once. */
  private CompletionStage<String> answer(String issue, dev.turboagents.persistence.issues.Comment comment,
      CompletionStage<Job> started) {
    return started
        .thenCompose(job -> finished(job.id(), System.nanoTime() + waitForJobs.toNanos()))
        .thenCompose(job -> {
          if (job.status() != JobStatus.SUCCEEDED || job.result().filter(r -> !r.isBlank()).isEmpty()) {
            return CompletableFuture.completedFuture("chat job " + job.id() + " " + job.status().label() + ": no reply posted");
          }
          return CodeTools.commentOnce(tracker, issue, job.result().get(), "agent:" + ChatAgent.NAME,
              "trigger/reply/" + comment.id()).thenApply(c -> "replied (chat job " + job.id() + ")");
        });
  }

  private CompletionStage<Optional<Job>> existing(Optional<String> issue, String requestedBy) {
    return agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), issue))
        .thenApply(jobs -> jobs.stream().filter(j -> j.requestedBy().equals(requestedBy)).findFirst());
  }

  private CompletionStage<Job> finished(String jobId, long deadline) {
    return agents.job(jobId).thenCompose(job -> job.status().finished() || System.nanoTime() > deadline
        ? CompletableFuture.completedFuture(job)
        : org.apache.pekko.pattern.Patterns.after(settings.pollInterval(), context.getSystem().classicSystem().scheduler(),
            context.getSystem().executionContext(), () -> finished(jobId, deadline)));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(ActionStarted.class, (s, e) -> {
          Set<String> started = new HashSet<>(s.started());
          started.add(e.key());
          return new State(s.offset(), Set.copyOf(started), s.done());
        })
        .onEvent(ActionDone.class, (s, e) -> {
          Set<String> started = new HashSet<>(s.started());
          started.remove(e.key());
          Set<String> done = new HashSet<>(s.done());
          done.add(e.key());
          return new State(Math.max(s.offset(), e.offset()), Set.copyOf(started), Set.copyOf(done));
        })
        .onEvent(Passed.class, (s, e) -> new State(Math.max(s.offset(), e.offset()), s.started(), s.done()))
        .build();
  }
}
