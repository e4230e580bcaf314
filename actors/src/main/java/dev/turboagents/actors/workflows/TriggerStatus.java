package dev.turboagents.actors.workflows;

import dev.turboagents.actors.inference.ModelTimeGate;
import dev.turboagents.actors.inference.Priority;
import dev.turboagents.config.WorkflowSettings;
import dev.turboagents.persistence.entity.TrackerJournal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.Sequence;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The tracker's triggers as {@code GET /agents/triggers} shows them: for each trigger whether it acts
 * now and, when not, why (off in the configuration, the autonomy paused, the background class's daily
 * model time spent), the autonomy's dry run, how far it has followed the tracker's journal against the
 * newest tracker event, its counts and its newest actions.
 */
public final class TriggerStatus {
  /** Lag beyond this is reported as "at least" (counting it reads the journal from the offset reached). */
  static final int LAG_COUNT_LIMIT = 10_000;
  /** Actions a trigger's view lists, the newest. */
  static final int RECENT_SHOWN = 10;

  /** Both triggers, triage first. */
  public record Status(List<TriggerView> triggers) {}

  /**
   * One trigger.
   *
   * @param configured its key in {@code turbo-agents.workflows.triggers}
   * @param enabled whether a matching event now starts its work
   * @param state {@code on}, {@code off} (configuration), {@code paused} (autonomy), {@code budget-spent}
   *     (background's daily model time), {@code dry-run} (it records what it would do)
   * @param reason why it is not {@code on}; empty when it is
   * @param offset the tracker journal's ({@code issue} tag) offset both triggers have handled every event up to
   * @param newestOffset the newest tracker event's offset; empty when the lag is too long to count
   * @param lag tracker events after {@code offset}, at most {@link #LAG_COUNT_LIMIT} ({@code lagIsAtLeast} then)
   * @param began when the triggers began following (older events are history, never acted on)
   * @param running actions started and not ended
   * @param recent its newest actions, newest first
   */
  public record TriggerView(String name, boolean configured, boolean enabled, String state, Optional<String> reason,
      boolean dryRun, long offset, Optional<Long> newestOffset, long lag, boolean lagIsAtLeast, Optional<Instant> began,
      long started, long done, long skipped, long failed, long running, List<TrackerTriggers.ActionRecord> recent) {}

  private final ActorRef<TrackerTriggers.Command> triggers;
  private final ActorSystem<?> system;
  private final WorkflowSettings settings;
  private final BooleanSupplier paused;
  private final ModelTimeGate modelTime;
  private final boolean dryRun;
  private final Duration askTimeout;

  public TriggerStatus(ActorRef<TrackerTriggers.Command> triggers, ActorSystem<?> system, WorkflowSettings settings,
      BooleanSupplier paused, ModelTimeGate modelTime, boolean dryRun, Duration askTimeout) {
    this.triggers = triggers;
    this.system = system;
    this.settings = settings;
    this.paused = paused;
    this.modelTime = modelTime;
    this.dryRun = dryRun;
    this.askTimeout = askTimeout;
  }

  public CompletionStage<Status> status() {
    return AskPattern.<TrackerTriggers.Command, TrackerTriggers.Progress>ask(triggers, TrackerTriggers.GetProgress::new,
            askTimeout, system.scheduler())
        .thenCompose(progress -> newest(progress.offset()).thenCombine(modelTime.spent(Priority.BACKGROUND),
            (newest, spent) -> new Status(List.of(
                view(TrackerTriggers.TRIAGE, settings.triageNewIssues(), progress, newest, spent),
                view(TrackerTriggers.REPLY, settings.replyToComments(), progress, newest, spent)))));
  }

  private TriggerView view(String name, boolean configured, TrackerTriggers.Progress progress, Pair<Long, Long> newest,
      Optional<String> spent) {
    String state;
    Optional<String> reason;
    if (!configured) {
      state = "off";
      reason = Optional.of("off in the configuration (turbo-agents.workflows.triggers." + name + " = false)");
    } else if (paused.getAsBoolean()) {
      state = "paused";
      reason = Optional.of("the autonomy is paused (POST /api/v1/agents/autonomy/resume)");
    } else if (dryRun) {
      state = "dry-run";
      reason = Optional.of("dry run (turbo-agents.autonomy.dry-run): its actions are recorded as skipped, nothing is started");
    } else if (spent.isPresent()) {
      state = "budget-spent";
      reason = spent;
    } else {
      state = "on";
      reason = Optional.empty();
    }
    long lag = newest.first();
    boolean atLeast = lag >= LAG_COUNT_LIMIT;
    TrackerTriggers.Tally t = progress.tallies().getOrDefault(name, TrackerTriggers.Tally.ZERO);
    List<TrackerTriggers.ActionRecord> recent = progress.recent().stream().filter(r -> r.trigger().equals(name))
        .limit(RECENT_SHOWN).toList();
    return new TriggerView(name, configured, state.equals("on"), state, reason, dryRun, progress.offset(),
        atLeast ? Optional.empty() : Optional.of(newest.second()), lag, atLeast, progress.began(), t.started(), t.done(),
        t.skipped(), t.failed(), t.running(), recent);
  }

  /** The tracker events after {@code offset} (at most the limit) and the newest one's offset. */
  private CompletionStage<Pair<Long, Long>> newest(long offset) {
    LeveldbReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
    Offset from = offset == 0 ? NoOffset.getInstance() : Offset.sequence(offset);
    return journal.currentEventsByTag(TrackerJournal.ISSUE_TAG, from).take(LAG_COUNT_LIMIT)
        .runWith(Sink.fold(Pair.create(0L, offset), (Pair<Long, Long> acc, EventEnvelope e) -> Pair.create(acc.first() + 1,
            e.offset() instanceof Sequence s ? Math.max(acc.second(), s.value()) : acc.second())), system);
  }
}
