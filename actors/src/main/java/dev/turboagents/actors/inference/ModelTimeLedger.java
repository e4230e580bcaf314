package dev.turboagents.actors.inference;

import dev.turboagents.persistence.CborSerializable;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The model time spent per priority class today, on the journal ({@code inference-model-time}), so
 * that a restart of the door or of the daemon within the same day goes on from the day's totals
 * ({@link DailyModelTime} keeps the door's own copy and decides). It lives beside the door, under
 * its supervisor, and outlives the door's restarts. Only the current day is kept: a call recorded
 * for a later day starts a new one.
 */
public final class ModelTimeLedger extends EventSourcedBehavior<ModelTimeLedger.Command, ModelTimeLedger.Event,
    ModelTimeLedger.State> {

  /** The ledger's protocol. */
  public sealed interface Command extends CborSerializable permits Spend, GetDay {}

  /** A call of {@code priority} held the model {@code nanos} on {@code day}. */
  public record Spend(LocalDate day, Priority priority, long nanos) implements Command {}

  /** The totals of {@code day} (all zero for a day the ledger has no record of). */
  public record GetDay(LocalDate day, ActorRef<Day> replyTo) implements Command {}

  /** The model time spent on {@code day}, in nanoseconds per class. */
  public record Day(LocalDate day, Map<Priority, Long> nanos) implements CborSerializable {}

  /** What the journal keeps. */
  public sealed interface Event extends CborSerializable permits Spent {}

  /** A call of {@code priority} held the model {@code nanos} on {@code day}. */
  public record Spent(LocalDate day, Priority priority, long nanos) implements Event {}

  /** The day recorded last and its totals. */
  public record State(LocalDate day, Map<Priority, Long> nanos) implements CborSerializable {
    State add(Spent s) {
      if (s.day().isBefore(day)) {
        return this; // a call that ended just before midnight, recorded after a later one: the old day is over
      }
      Map<Priority, Long> next = new EnumMap<>(Priority.class);
      if (s.day().equals(day)) {
        next.putAll(nanos);
      }
      next.merge(s.priority(), s.nanos(), Long::sum);
      return new State(s.day(), Map.copyOf(next));
    }

    Day of(LocalDate asked) {
      return new Day(asked, asked.equals(day) ? nanos : Map.of());
    }
  }

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("inference-model-time");

  public static Behavior<Command> create() {
    return new ModelTimeLedger();
  }

  private ModelTimeLedger() {
    super(PERSISTENCE_ID);
  }

  @Override
  public State emptyState() {
    return new State(LocalDate.EPOCH, Map.of()); // no day recorded yet
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Spend.class, (s, c) -> Effect().persist(new Spent(c.day(), c.priority(), c.nanos())))
        .onCommand(GetDay.class, (s, c) -> Effect().reply(c.replyTo(), s.of(c.day())))
        .build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onEvent(Spent.class, State::add).build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(200, 2);
  }
}
