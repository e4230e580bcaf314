package dev.turboagents.persistence.tracker;

import dev.turboagents.config.TrackerSettings;
import java.time.Clock;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * What every tracker entity shares: its id, the text rules, the index it keeps current, one tag on
 * every event for the projections, and snapshots every {@code snapshot-every} events.
 */
public abstract class TrackerEntity<C, E, S> extends EventSourcedBehavior<C, E, S> {

  protected final String id;
  protected final TextRules rules;
  protected final ActorRef<TrackerIndex.Command> index;
  protected final Clock clock = Clock.systemUTC();
  private final Set<String> tags;
  private final TrackerSettings settings;

  protected TrackerEntity(String type, String id, TrackerSettings settings, ActorRef<TrackerIndex.Command> index) {
    super(PersistenceId.of(type, id));
    this.id = id;
    this.rules = new TextRules(settings);
    this.index = index;
    this.tags = Set.of(type);
    this.settings = settings;
  }

  /** The entity id inside a persistence id such as {@code issue|<uuid>}. */
  public static String idOf(String persistenceId) {
    return persistenceId.substring(persistenceId.indexOf('|') + 1);
  }

  @Override
  public final Set<String> tagsFor(E event) {
    return tags;
  }

  @Override
  public final RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots());
  }
}
