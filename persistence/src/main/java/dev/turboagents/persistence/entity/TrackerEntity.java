package dev.turboagents.persistence.entity;

import dev.turboagents.config.TrackerSettings;
import java.time.Clock;
import java.util.Set;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * What every tracker entity shares: its id, the text rules, the listener it tells of each change
 * before it replies, one tag on every event for the readers, and snapshots every
 * {@code snapshot-every} events.
 *
 * <p>Failure: a journal write that fails stops the entity (Pekko's default for a persist failure,
 * kept on purpose); the command gets no reply and its asker times out, the registry forgets the
 * stopped entity, and the next command starts it afresh from its snapshot and events. A write that
 * failed was never acknowledged, so nothing acknowledged is lost, and the restart cannot overlap
 * the old incarnation. A failed recovery stops it the same way.
 *
 * @param <T> the state a listener hears of (an issue, a project)
 */
public abstract class TrackerEntity<C, E, S, T> extends EventSourcedBehavior<C, E, S> {

  protected final String id;
  protected final TextRules rules;
  protected final ChangeListener<T> listener;
  protected final Clock clock = Clock.systemUTC();
  private final Set<String> tags;
  private final TrackerSettings settings;

  protected TrackerEntity(String type, String tag, String id, TrackerSettings settings, ChangeListener<T> listener) {
    super(PersistenceId.of(type, id));
    this.id = id;
    this.rules = new TextRules(settings);
    this.listener = listener;
    this.tags = Set.of(tag);
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
