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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * While {@code paused} says so, in the dry run, or once background's daily model time is spent, an
 * action is done as skipped, saying why, and starts nothing. It follows the journal with both
 * triggers off too (the events pass), and on a journal it never followed it first persists
 * {@link Began}: older events are history and never acted on. {@link GetProgress} answers the
 * offset reached, the counts per trigger and the newest actions ({@link TriggerStatus}).
 */
public final class TrackerTriggers
    extends EventSourcedBehavior<TrackerTriggers.Command, TrackerTriggers.Event, TrackerTriggers.State> {

  /** The trigger a new issue starts (its config key under {@code turbo-agents.workflows.triggers}). */
  public static final String TRIAGE = "triage-new-issues";
  /** The trigger a comment that addresses an agent starts. */
  public static final String REPLY = "reply-to-comments";
  /** Actions kept in the state for {@code GET /agents/triggers}, the newest. */
  static final int RECENT_KEPT = 20;

  public sealed interface Command extends CborSerializable {}

  /** One journal event, acknowledged once it is handled (the stream waits meanwhile). */
  record Handle(EventEnvelope envelope, ActorRef<Done> ack) implements Command {}

  record ActionEnded(String key, long offset, Ended ended, ActorRef<Done> ack) implements Command {}

  private record Follow() implements Command {}

  /** What the triggers have done (for tests and /health). */
  public record GetDone(ActorRef<Set<String>> replyTo) implements Command {}

  /** Where the triggers stand: the offset reached, the counts and the newest actions. */
  public record GetProgress(ActorRef<Progress> replyTo) implements Command {}

  /**
   * @param offset the issue tag's offset every event up to which is handled (in this incarnation, not only stored)
   * @param began when the triggers began (events from before are history, never acted on); empty = before this was kept
   * @param tallies per trigger ({@link #TRIAGE}, {@link #REPLY})
   * @param recent the newest actions, newest first
   */
  public record Progress(long offset, Optional<Instant> began, Map<String, Tally> tallies, List<ActionRecord> recent) {}

  /** How one action ended: {@code outcome} is done, skipped or failed. */
  public record Ended(String outcome, String detail, Optional<String> jobId) implements CborSerializable {
    public Ended {
      jobId = jobId == null ? Optional.empty() : jobId;
    }

    static Ended done(String detail, Optional<String> jobId) {
      return new Ended(DONE, detail, jobId);
    }

    static Ended skipped(String detail) {
      return new Ended(SKIPPED, "skipped: " + detail, Optional.empty());
    }

    static Ended failed(String detail, Optional<String> jobId) {
      return new Ended(FAILED, detail, jobId);
    }

    /** What an outcome without a kind (persisted before kinds were) was: read from its detail. */
    static String kindOf(String detail) {
      return detail.startsWith("failed") ? FAILED
          : detail.startsWith("skipped") || detail.equals("not addressed") || detail.equals("nothing to triage") ? SKIPPED
          : DONE;
    }
  }

  public static final String DONE = "done";
  public static final String SKIPPED = "skipped";
  public static final String FAILED = "failed";

  /** Counts of one trigger's actions: {@code started} = running + done + skipped + failed. */
  public record Tally(long started, long done, long skipped, long failed) implements CborSerializable {
    static final Tally ZERO = new Tally(0, 0, 0, 0);

    public long running() {
      return started - done - skipped - failed;
    }

    Tally start() {
      return new Tally(started + 1, done, skipped, failed);
    }

    Tally end(String outcome) {
      return switch (outcome) {
        case SKIPPED -> new Tally(started, done, skipped + 1, failed);
        case FAILED -> new Tally(started, done, skipped, failed + 1);
        default -> new Tally(started, done + 1, skipped, failed);
      };
    }
  }

  /**
   * One action as the status shows it: its trigger, the event that started it ({@code issue created},
   * {@code comment added}), the issue and comment, the job it started, how it ended ({@code running} until then).
   */
  public record ActionRecord(String key, String trigger, String event, String issueId, Optional<String> commentId,
      Optional<String> jobId, String outcome, Optional<String> detail, Optional<Instant> startedAt,
      Optional<Instant> endedAt) implements CborSerializable {
    public ActionRecord {
      commentId = commentId == null ? Optional.empty() : commentId;
      jobId = jobId == null ? Optional.empty() : jobId;
      detail = detail == null ? Optional.empty() : detail;
      startedAt = startedAt == null ? Optional.empty() : startedAt;
      endedAt = endedAt == null ? Optional.empty() : endedAt;
    }

    static String triggerOf(String key) {
      return key.startsWith("reply/") ? REPLY : TRIAGE;
    }
  }

  public sealed interface Event extends CborSerializable {}

  /** @param issue the issue the event was on, {@code comment} the comment (empty in events persisted before they were kept) */
  public record ActionStarted(String key, Optional<String> issue, Optional<String> comment, Optional<Instant> at)
      implements Event {
    public ActionStarted {
      issue = issue == null ? Optional.empty() : issue;
      comment = comment == null ? Optional.empty() : comment;
      at = at == null ? Optional.empty() : at;
    }

    public ActionStarted(String key) {
      this(key, Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  /** @param ended how it ended (empty in events persisted before it was kept: {@code detail} says) */
  public record ActionDone(String key, long offset, String detail, Optional<Ended> ended, Optional<Instant> at)
      implements Event {
    public ActionDone {
      ended = ended == null ? Optional.empty() : ended;
      at = at == null ? Optional.empty() : at;
    }

    public ActionDone(String key, long offset, String detail) {
      this(key, offset, detail, Optional.empty(), Optional.empty());
    }

    String outcome() {
      return ended.map(Ended::outcome).orElseGet(() -> Ended.kindOf(detail));
    }
  }

  /** Events that asked for nothing, up to {@code offset}: stored now and then so a restart reads less again. */
  public record Passed(long offset) implements Event {}

  /**
   * The triggers began at {@code at}, on a journal they had never followed: the tracker's events
   * from before (an existing tracker's history) are passed, so turning a trigger on never triages
   * every old issue nor answers every old comment.
   */
  public record Began(Instant at) implements Event {}

  public record State(long offset, Set<String> started, Set<String> done, Optional<Instant> began,
      Map<String, Tally> tallies, List<ActionRecord> recent) implements CborSerializable {
    public State {
      began = began == null ? Optional.empty() : began;
      if (tallies == null) { // a snapshot from before the tallies: the actions done, their kinds unknown
        tallies = Map.of(TRIAGE, new Tally(count(done, "triage/"), count(done, "triage/"), 0, 0),
            REPLY, new Tally(count(done, "reply/"), count(done, "reply/"), 0, 0));
      }
      recent = recent == null ? List.of() : recent;
    }

    private static long count(Set<String> keys, String prefix) {
      return keys == null ? 0 : keys.stream().filter(k -> k.startsWith(prefix)).count();
    }

    boolean fresh() {
      return offset == 0 && started.isEmpty() && done.isEmpty() && began.isEmpty();
    }

    Tally tally(String trigger) {
      return tallies.getOrDefault(trigger, Tally.ZERO);
    }

    State with(String trigger, Tally tally, List<ActionRecord> recent, Set<String> started, Set<String> done, long offset) {
      Map<String, Tally> t = new java.util.TreeMap<>(tallies);
      t.put(trigger, tally);
      return new State(offset, Set.copyOf(started), Set.copyOf(done), began, Map.copyOf(t),
          List.copyOf(recent.subList(0, Math.min(RECENT_KEPT, recent.size()))));
    }
  }

  private static final int PASSED_EVERY = 100;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrackerTriggers.class);
  private static final String PERSISTENCE_ID = "tracker-triggers";

  private final ActorContext<Command> context;
  private final AgentJobs agents;
  private final Tracker tracker;
  private final WorkflowSettings settings;
  private final BooleanSupplier paused;
  private final ModelTimeGate modelTime;
  private final boolean dryRun;
  private final Duration waitForJobs;
  private volatile long resumeFrom;
  private long passedSince;
  /** Every event up to here is handled (the stored offset moves only with actions and now and then). */
  private long reached;

  /** @param waitForJobs longest a reply waits for its chat job (the stream waits with it) */
  public static Behavior<Command> create(AgentJobs agents, Tracker tracker, WorkflowSettings settings, BooleanSupplier paused,
      Duration waitForJobs) {
    return create(agents, tracker, settings, paused, ModelTimeGate.OPEN, false, waitForJobs);
  }

  /**
   * @param modelTime whether the background class has spent its daily model time: a triage or a reply
   *     not yet started is then skipped, its outcome saying why
   * @param dryRun the autonomy's dry run: no triage is started and no reply posted, each action is
   *     skipped saying what it would have done
   */
  public static Behavior<Command> create(AgentJobs agents, Tracker tracker, WorkflowSettings settings, BooleanSupplier paused,
      ModelTimeGate modelTime, boolean dryRun, Duration waitForJobs) {
    return Behaviors.setup(context -> new TrackerTriggers(context, agents, tracker, settings, paused, modelTime, dryRun,
        waitForJobs));
  }

  private TrackerTriggers(ActorContext<Command> context, AgentJobs agents, Tracker tracker, WorkflowSettings settings,
      BooleanSupplier paused, ModelTimeGate modelTime, boolean dryRun, Duration waitForJobs) {
    super(PersistenceId.ofUniqueId(PERSISTENCE_ID));
    this.context = context;
    this.agents = agents;
    this.tracker = tracker;
    this.settings = settings;
    this.paused = paused;
    this.modelTime = modelTime;
    this.dryRun = dryRun;
    this.waitForJobs = waitForJobs;
  }

  @Override
  public State emptyState() {
    return new State(0, Set.of(), Set.of(), Optional.empty(), Map.of(), List.of());
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder().onSignal(RecoveryCompleted.instance(), state -> {
          reached = state.offset();
          context.getSelf().tell(new Follow()); // a fresh journal first records when the triggers began
        })
        // a restart by the supervisor releases the failed incarnation's stream as a stop does: one follower only
        .onSignal(org.apache.pekko.actor.typed.PreRestart.class, (state, restart) -> release())
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, (state, stop) -> release()).build();
  }

  private void release() {
    if (kill != null) {
      kill.shutdown();
      kill = null;
    }
  }

  /** Follows the issue tag after {@code offset}, one event at a time; a failed stream starts again with backoff. */
  private void follow(long offset) {
    if (kill != null) {
      return;
    }
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
        .onCommand(Follow.class, (s, f) -> s.fresh()
            ? Effect().persist(new Began(Instant.ofEpochMilli(context.getSystem().startTime()))).thenRun(st -> follow(st.offset()))
            : Effect().none().thenRun(st -> follow(st.offset())))
        .onCommand(Handle.class, this::handle)
        .onCommand(ActionEnded.class, (s, e) -> Effect().persist(new ActionDone(e.key(), e.offset(), e.ended().detail(),
                Optional.of(e.ended()), Optional.of(Instant.now())))
            .thenRun(st -> {
              resumeFrom = Math.max(resumeFrom, e.offset());
              reached = Math.max(reached, e.offset());
              e.ack().tell(Done.getInstance());
            }))
        .onCommand(GetDone.class, (s, c) -> Effect().reply(c.replyTo(), Set.copyOf(s.done())))
        .onCommand(GetProgress.class, (s, c) -> Effect().reply(c.replyTo(), new Progress(Math.max(reached, s.offset()),
            s.began(), Map.of(TRIAGE, s.tally(TRIAGE), REPLY, s.tally(REPLY)), s.recent())))
        .build();
  }

  private Effect<Event, State> handle(State s, Handle h) {
    long offset = h.envelope().offset() instanceof Sequence seq ? seq.value() : 0;
    Optional<Action> action = decide(h.envelope(), s.began());
    if (action.isEmpty() || s.done().contains(action.get().key())) {
      reached = Math.max(reached, offset);
      if (++passedSince >= PASSED_EVERY) {
        passedSince = 0;
        return Effect().persist(new Passed(offset)).thenRun(st -> h.ack().tell(Done.getInstance()));
      }
      h.ack().tell(Done.getInstance());
      return Effect().none();
    }
    Action a = action.get();
    boolean pausedNow = paused.getAsBoolean();
    return Effect().persist(new ActionStarted(a.key(), Optional.of(a.issue()), a.comment(), Optional.of(Instant.now())))
        .thenRun(st -> context.pipeToSelf((pausedNow ? CompletableFuture.completedFuture(Ended.skipped(
                "the autonomy is paused (POST /api/v1/agents/autonomy/resume)")) : a.run()).toCompletableFuture(),
            (ended, error) -> new ActionEnded(a.key(), offset, error == null ? ended
                : Ended.failed("failed: " + error, Optional.empty()), h.ack())));
  }

  /** Work that {@code run} does once, under {@code key}. */
  private record Action(String key, String issue, Optional<String> comment,
      java.util.function.Supplier<CompletionStage<Ended>> work) {
    CompletionStage<Ended> run() {
      try {
        return work.get();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }

  private Optional<Action> decide(EventEnvelope envelope, Optional<Instant> began) {
    String pid = envelope.persistenceId();
    String issue = pid.substring(pid.indexOf('|') + 1);
    return switch (envelope.event()) {
      case IssueEntity.IssueCreated created when settings.triageNewIssues() && !before(created.at(), began) ->
          Optional.of(new Action("triage/" + issue, issue, Optional.empty(), () -> triage(issue)));
      case IssueEntity.CommentAdded added when settings.replyToComments()
          && !added.comment().author().startsWith("agent:") && !before(added.comment().createdAt(), began)
          && mayAddress(added.comment().text()) -> Optional.of(new Action("reply/" + added.comment().id(), issue,
          Optional.of(added.comment().id()), () -> replyIfAddressed(issue, added.comment())));
      default -> Optional.empty();
    };
  }

  private static boolean before(Instant at, Optional<Instant> began) {
    return began.isPresent() && at != null && at.isBefore(began.get());
  }

  /** A comment can address an agent only with a mention or a question: others are no action at all. */
  private boolean mayAddress(String text) {
    return mentions(text) || text.contains("?");
  }

  private boolean mentions(String text) {
    return text.toLowerCase(java.util.Locale.ROOT).matches("(?s).*(^|\\W)@" + java.util.regex.Pattern
        .quote(settings.mention().toLowerCase(java.util.Locale.ROOT)) + "\\b.*");
  }

  private CompletionStage<Ended> triage(String issue) {
    String who = JobPriority.background("trigger/triage/" + issue);
    return existing(Optional.empty(), who).thenCompose(found -> found.isPresent()
        ? CompletableFuture.completedFuture(Ended.done("triage job " + found.get().id() + " (started before a restart)",
            Optional.of(found.get().id())))
        : unlessHeld("triage/" + issue, "started a triage job on issue " + issue,
            () -> agents.triage(Optional.of(List.of(issue)), true, who)
            .thenApply(start -> switch (start) {
              case AgentJobs.TriageStart.Started st -> Ended.done("triage job " + st.job().id(), Optional.of(st.job().id()));
              case AgentJobs.TriageStart.NothingNew n -> Ended.skipped("nothing to triage");
            })));
  }

  /**
   * Starts {@code work} (at background priority, as every trigger's job) unless the autonomy's dry
   * run says to post nothing, or the background class spent its daily model time: then the action is
   * done as skipped, the reason its outcome.
   */
  private CompletionStage<Ended> unlessHeld(String key, String wouldHave,
      java.util.function.Supplier<CompletionStage<Ended>> work) {
    if (dryRun) {
      return CompletableFuture.completedFuture(Ended.skipped("dry run (turbo-agents.autonomy.dry-run): would have "
          + wouldHave));
    }
    return modelTime.spent(dev.turboagents.actors.inference.Priority.BACKGROUND).thenCompose(spent -> {
      if (spent.isEmpty()) {
        return work.get();
      }
      Ended outcome = Ended.skipped(spent.get());
      LOG.info("tracker triggers: {} {}", key, outcome.detail()); // a future's thread: not the actor's log
      return CompletableFuture.completedFuture(outcome);
    });
  }

  /** A reply when the comment mentions the agents, or asks a question on an issue an agent job works on. */
  private CompletionStage<Ended> replyIfAddressed(String issue, dev.turboagents.persistence.issues.Comment comment) {
    CompletionStage<Boolean> addressed = mentions(comment.text()) ? CompletableFuture.completedFuture(true)
        : !comment.text().contains("?") ? CompletableFuture.completedFuture(false)
        : agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.of(issue)))
            .thenApply(jobs -> !jobs.isEmpty());
    return addressed.thenCompose(yes -> yes ? reply(issue, comment) : CompletableFuture.completedFuture(
        Ended.skipped("not addressed (no @" + settings.mention() + ", and no agent job works on the issue)")));
  }

  private CompletionStage<Ended> reply(String issue, dev.turboagents.persistence.issues.Comment comment) {
    String who = JobPriority.background("trigger/reply/" + comment.id());
    var input = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
        .put("message", "A comment on issue " + issue + " by " + comment.author() + " asks: " + comment.text())
        .put("use_knowledge_graph", true).put("history", "");
    return existing(Optional.empty(), who).thenCompose(found -> found.isPresent()
        ? answer(issue, comment, CompletableFuture.completedFuture(found.get()))
        : unlessHeld("reply/" + comment.id(), "replied to comment " + comment.id() + " on issue " + issue,
            () -> answer(issue, comment, agents.submit(ChatAgent.NAME,
            Optional.empty(), Optional.empty(), Optional.of(input.toString()), AgentJobs.BudgetOverride.NONE, who))));
  }

  /** Waits for the chat job and posts its answer once. */
  private CompletionStage<Ended> answer(String issue, dev.turboagents.persistence.issues.Comment comment,
      CompletionStage<Job> started) {
    return started
        .thenCompose(job -> finished(job.id(), System.nanoTime() + waitForJobs.toNanos()))
        .thenCompose(job -> {
          if (job.status() != JobStatus.SUCCEEDED || job.result().filter(r -> !r.isBlank()).isEmpty()) {
            return CompletableFuture.completedFuture(Ended.failed("chat job " + job.id() + " " + job.status().label()
                + ": no reply posted", Optional.of(job.id())));
          }
          return CodeTools.commentOnce(tracker, issue, job.result().get(), "agent:" + ChatAgent.NAME,
              "trigger/reply/" + comment.id()).thenApply(c -> Ended.done("replied (chat job " + job.id() + ")",
              Optional.of(job.id())));
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
        .onEvent(Began.class, (s, e) -> new State(s.offset(), s.started(), s.done(), Optional.of(e.at()), s.tallies(),
            s.recent()))
        .onEvent(ActionStarted.class, (s, e) -> {
          Set<String> started = new HashSet<>(s.started());
          boolean again = !started.add(e.key()); // an action resumed after a restart counts once
          String trigger = ActionRecord.triggerOf(e.key());
          List<ActionRecord> recent = new ArrayList<>();
          recent.add(new ActionRecord(e.key(), trigger, trigger.equals(REPLY) ? "comment added" : "issue created",
              e.issue().orElse(e.key().substring(e.key().indexOf('/') + 1)), e.comment(), Optional.empty(), "running",
              Optional.empty(), e.at(), Optional.empty()));
          s.recent().stream().filter(r -> !r.key().equals(e.key())).forEach(recent::add);
          return s.with(trigger, again ? s.tally(trigger) : s.tally(trigger).start(), recent, started, s.done(), s.offset());
        })
        .onEvent(ActionDone.class, (s, e) -> {
          Set<String> started = new HashSet<>(s.started());
          boolean wasStarted = started.remove(e.key());
          Set<String> done = new HashSet<>(s.done());
          done.add(e.key());
          String trigger = ActionRecord.triggerOf(e.key());
          List<ActionRecord> recent = new ArrayList<>();
          for (ActionRecord r : s.recent()) {
            recent.add(!r.key().equals(e.key()) ? r : new ActionRecord(r.key(), r.trigger(), r.event(), r.issueId(),
                r.commentId(), e.ended().flatMap(Ended::jobId), e.outcome(), Optional.of(e.detail()), r.startedAt(), e.at()));
          }
          Tally tally = (wasStarted ? s.tally(trigger) : s.tally(trigger).start()).end(e.outcome());
          return s.with(trigger, tally, recent, started, done, Math.max(s.offset(), e.offset()));
        })
        .onEvent(Passed.class, (s, e) -> new State(Math.max(s.offset(), e.offset()), s.started(), s.done(), s.began(),
            s.tallies(), s.recent()))
        .build();
  }
}
