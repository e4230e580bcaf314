package dev.turboagents.persistence.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The jobs' read side: every job as its events made it (without its steps), for listings that
 * wake no {@link JobEntity}. At start it replays the events tagged {@link JobEntity#TAG} (queries
 * wait until it has caught up), then follows the tag live from where the replay ended, so a job's
 * change shows in a listing as soon as the journal has it.
 *
 * <p>Failure: the index holds nothing the journal does not, so whatever fails it (a replay or the
 * live stream breaking, too many held queries) restarts it with backoff ({@link #supervised}); the
 * new incarnation replays again while queries wait. A failed incarnation's streams are shut down
 * and their late messages ignored.
 */
public final class JobIndex {

  public sealed interface Command permits Replayed, ReplayEnded, ListJobs, GetStats {}

  /**
   * Events of stream {@code stream} (an incarnation's own; others' are stale), in journal order:
   * as many as came while the index was busy, so a replay is a few messages, not one per event.
   */
  record Replayed(UUID stream, List<EventEnvelope> envelopes) implements Command {}

  /** The replay ({@code live} false) or the live stream ended; a live stream ending is a failure. */
  record ReplayEnded(UUID stream, boolean live, Optional<Throwable> failure) implements Command {}

  /** Filters of a listing; empty = any. */
  public record Filter(Optional<JobStatus> status, Optional<String> agent, Optional<String> issueId) {
    public static final Filter ANY = new Filter(Optional.empty(), Optional.empty(), Optional.empty());

    boolean matches(Job j) {
      return status.map(s -> s == j.status()).orElse(true) && agent.map(a -> a.equals(j.agent())).orElse(true)
          && issueId.map(i -> j.issueId().equals(Optional.of(i))).orElse(true);
    }
  }

  /**
   * The jobs {@code filter} matches, newest first, from {@code offset}, at most {@code limit}.
   * The reply's jobs carry no steps.
   */
  public record ListJobs(Filter filter, int offset, int limit, ActorRef<Page> replyTo) implements Command {}

  /** One page of a listing and how many jobs matched in all. */
  public record Page(List<Job> jobs, int total) {}

  /** Answered at once, also while replaying. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  public record Stats(boolean caughtUp, int jobs, long events) {}

  private static final double RESTART_JITTER = 0.2;
  /** Most events handed to the index in one message. */
  private static final int BATCH = 1000;

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final LeveldbReadJournal journal;
  private final Map<String, Job> jobs = new HashMap<>();
  /** per job, the sequence number of the last event applied: one seen twice (replay, then live) counts once */
  private final Map<String, Long> applied = new HashMap<>();
  private final UUID stream = UUID.randomUUID();
  private final SharedKillSwitch streams = KillSwitches.shared("job-index");
  private Offset offset = NoOffset.getInstance();
  private long events;

  private JobIndex(ActorContext<Command> ctx, StashBuffer<Command> stash) {
    this.ctx = ctx;
    this.stash = stash;
    this.journal = PersistenceQuery.get(ctx.getSystem())
        .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
    ActorRef<Command> self = ctx.getSelf();
    follow(journal.currentEventsByTag(JobEntity.TAG, NoOffset.getInstance()))
        .whenComplete((done, error) -> self.tell(new ReplayEnded(stream, false, Optional.ofNullable(error))));
  }

  /** Runs {@code events} into this incarnation, batched while the index is busy; completes when they end. */
  private CompletionStage<Done> follow(Source<EventEnvelope, NotUsed> events) {
    ActorRef<Command> self = ctx.getSelf();
    return events.via(streams.flow())
        .batch(BATCH, first -> { List<EventEnvelope> batch = new ArrayList<>(); batch.add(first); return batch; },
            (batch, next) -> { batch.add(next); return batch; })
        .runWith(Sink.foreach(batch -> self.tell(new Replayed(stream, List.copyOf(batch)))), ctx.getSystem());
  }

  /** The index as the agents run it: restarted with {@code minBackoff} .. {@code maxBackoff} when it fails. */
  public static Behavior<Command> supervised(int stashCapacity, Duration minBackoff, Duration maxBackoff) {
    return Behaviors.supervise(create(stashCapacity))
        .onFailure(SupervisorStrategy.restartWithBackoff(minBackoff, maxBackoff, RESTART_JITTER));
  }

  /** The index on its own (no supervision), holding up to {@code stashCapacity} queries while it replays. */
  public static Behavior<Command> create(int stashCapacity) {
    return Behaviors.withStash(stashCapacity, stash -> Behaviors.setup(ctx -> new JobIndex(ctx, stash).replaying()));
  }

  private Behavior<Command> replaying() {
    return Behaviors.receive(Command.class)
        .onMessage(Replayed.class, m -> !m.stream().equals(stream), m -> Behaviors.same())
        .onMessage(Replayed.class, m -> { m.envelopes().forEach(this::apply); return Behaviors.same(); })
        .onMessage(ReplayEnded.class, m -> !m.stream().equals(stream), m -> Behaviors.same())
        .onMessage(ReplayEnded.class, this::replayEnded)
        .onMessage(GetStats.class, m -> { m.replyTo().tell(new Stats(false, jobs.size(), events)); return Behaviors.same(); })
        .onMessage(Command.class, m -> { stash.stash(m); return Behaviors.same(); })
        .onSignal(PreRestart.class, s -> stopStreams())
        .onSignal(PostStop.class, s -> stopStreams())
        .build();
  }

  private Behavior<Command> replayEnded(ReplayEnded m) {
    if (m.failure().isPresent() || m.live()) {
      throw new IllegalStateException("the job index lost the journal: "
          + m.failure().map(Throwable::toString).orElse("its live stream ended"), m.failure().orElse(null));
    }
    ctx.getLog().info("Job index caught up: {} jobs from {} events", jobs.size(), events);
    ActorRef<Command> self = ctx.getSelf();
    follow(journal.eventsByTag(JobEntity.TAG, offset))
        .whenComplete((done, error) -> self.tell(new ReplayEnded(stream, true, Optional.ofNullable(error))));
    return stash.unstashAll(serving());
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Replayed.class, m -> !m.stream().equals(stream), m -> Behaviors.same())
        .onMessage(Replayed.class, m -> { m.envelopes().forEach(this::apply); return Behaviors.same(); })
        .onMessage(ReplayEnded.class, m -> !m.stream().equals(stream), m -> Behaviors.same())
        .onMessage(ReplayEnded.class, this::replayEnded)
        .onMessage(ListJobs.class, this::list)
        .onMessage(GetStats.class, m -> { m.replyTo().tell(new Stats(true, jobs.size(), events)); return Behaviors.same(); })
        .onSignal(PreRestart.class, s -> stopStreams())
        .onSignal(PostStop.class, s -> stopStreams())
        .build();
  }

  private Behavior<Command> list(ListJobs m) {
    List<Job> matching = jobs.values().stream().filter(m.filter()::matches)
        .sorted(Comparator.comparing(Job::acceptedAt).reversed().thenComparing(Job::id)).toList();
    int from = Math.min(m.offset(), matching.size());
    int to = (int) Math.min((long) from + m.limit(), matching.size());
    m.replyTo().tell(new Page(matching.subList(from, to), matching.size()));
    return Behaviors.same();
  }

  private void apply(EventEnvelope envelope) {
    if (!(envelope.event() instanceof JobEntity.Event event)) {
      return;
    }
    offset = envelope.offset();
    String id = envelope.persistenceId().substring(envelope.persistenceId().indexOf('|') + 1);
    if (envelope.sequenceNr() <= applied.getOrDefault(id, 0L)) {
      return;
    }
    applied.put(id, envelope.sequenceNr());
    events++;
    Job job = event instanceof JobEntity.JobAccepted a ? Job.accepted(id, a) : jobs.get(id);
    if (job != null) {
      jobs.put(id, job.apply(event).withoutSteps());
    }
  }

  private Behavior<Command> stopStreams() {
    streams.shutdown();
    return Behaviors.same();
  }
}
