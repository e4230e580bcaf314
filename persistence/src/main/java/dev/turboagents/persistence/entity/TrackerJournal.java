package dev.turboagents.persistence.entity;

import java.util.List;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The journal the tracker's entities write, as its readers see it: the tags every event carries
 * (declared here and nowhere else) and the read journal, looked up once per ActorSystem (this is a
 * Pekko extension) and handed to whoever reads: the tracker facade, its index, the graph projection.
 * Moving to another journal (JDBC for many machines) changes this class only.
 */
public final class TrackerJournal implements Extension {

  /** The tag on every issue event. */
  public static final String ISSUE_TAG = "issue";
  /** The tag on every project event. */
  public static final String PROJECT_TAG = "project";
  /** Every tag a tracker entity puts on its events: what a projection follows to see the whole tracker. */
  public static final List<String> TAGS = List.of(PROJECT_TAG, ISSUE_TAG);

  private static final ExtensionId<TrackerJournal> ID = new ExtensionId<>() {
    @Override
    public TrackerJournal createExtension(ActorSystem<?> system) {
      return new TrackerJournal(PersistenceQuery.get(system)
          .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier()));
    }
  };

  private final LeveldbReadJournal journal;

  private TrackerJournal(LeveldbReadJournal journal) {
    this.journal = journal;
  }

  /** The one read journal of {@code system}. */
  public static TrackerJournal get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** The events tagged {@code tag} after {@code from} that are in the journal now; completes at the newest. */
  public Source<EventEnvelope, NotUsed> currentEventsByTag(String tag, Offset from) {
    return journal.currentEventsByTag(tag, from);
  }

  /** The events tagged {@code tag} after {@code from}, then every new one as it is written; never completes. */
  public Source<EventEnvelope, NotUsed> eventsByTag(String tag, Offset from) {
    return journal.eventsByTag(tag, from);
  }

  /** Every event of one entity now in the journal, oldest first. */
  public Source<EventEnvelope, NotUsed> currentEvents(String persistenceId) {
    return journal.currentEventsByPersistenceId(persistenceId, 1, Long.MAX_VALUE);
  }
}
