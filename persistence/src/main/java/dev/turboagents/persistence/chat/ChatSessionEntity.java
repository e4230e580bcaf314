package dev.turboagents.persistence.chat;

import dev.turboagents.persistence.CborSerializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
 * One chat conversation, event-sourced: the short-term memory of {@code POST /agents/chat}. Each
 * answered message is an exchange; when the exchanges grow past {@code keepChars} the older ones
 * are condensed into a summary (one line each, like a job's condensed turns), so the history that
 * goes into the next prompt stays bounded while the journal keeps everything.
 */
public final class ChatSessionEntity
    extends EventSourcedBehavior<ChatSessionEntity.Command, ChatSessionEntity.Event, ChatSessionEntity.Session> {

  public static final String TYPE = "chat-session";

  /** Commands a session accepts; the reply is the session after the change. */
  public sealed interface Command extends CborSerializable permits Exchange, Get {}

  /** Records one answered message. */
  public record Exchange(String message, String answer, String route, List<String> citations,
      Optional<String> jobId, ActorRef<StatusReply<Session>> replyTo) implements Command {}

  /** The session as it is; a session nobody wrote to is {@link Session#isEmpty}. */
  public record Get(ActorRef<StatusReply<Session>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable permits Exchanged, Condensed {
    Instant at();
  }

  public record Exchanged(String message, String answer, String route, List<String> citations,
      Optional<String> jobId, Instant at) implements Event {}

  /** The first {@code exchanges} exchanges are from now on read as {@code summary}. */
  public record Condensed(int exchanges, String summary, Instant at) implements Event {}

  public record Turn(String message, String answer, String route, List<String> citations, Optional<String> jobId)
      implements CborSerializable {}

  /**
   * @param summary what the condensed older exchanges came to
   * @param recent the exchanges after the summary, oldest first
   * @param total every exchange ever recorded
   */
  public record Session(String id, Optional<String> summary, List<Turn> recent, int total) implements CborSerializable {
    public boolean isEmpty() {
      return total == 0;
    }

    /** The history as the next prompt sees it: the summary, then the recent exchanges. */
    public String history() {
      StringBuilder text = new StringBuilder(summary.map(s -> "Earlier in this conversation:\n" + s + "\n").orElse(""));
      recent.forEach(t -> text.append("User: ").append(t.message()).append("\nAssistant: ").append(t.answer())
          .append('\n'));
      return text.toString().strip();
    }

    int recentChars() {
      return recent.stream().mapToInt(t -> t.message().length() + t.answer().length()).sum();
    }
  }

  private final String id;
  private final int keepChars;

  private ChatSessionEntity(String id, int keepChars) {
    super(persistenceId(id));
    this.id = id;
    this.keepChars = keepChars;
  }

  /** @param keepChars how much of the recent exchanges stays verbatim before the older ones are condensed */
  public static Behavior<Command> create(String id, int keepChars) {
    return new ChatSessionEntity(id, keepChars);
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of(TYPE, id);
  }

  @Override
  public Session emptyState() {
    return new Session(id, Optional.empty(), List.of(), 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(50, 2);
  }

  @Override
  public CommandHandler<Command, Event, Session> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Get.class, (s, g) -> Effect().reply(g.replyTo(), StatusReply.success(s)))
        .onCommand(Exchange.class, (s, e) -> {
          Exchanged exchanged = new Exchanged(e.message(), e.answer(), e.route(), e.citations(), e.jobId(),
              Instant.now());
          Session after = apply(s, exchanged);
          List<Event> events = new ArrayList<>(List.of(exchanged));
          if (after.recentChars() > keepChars && after.recent().size() > 1) {
            int fold = foldCount(after);
            events.add(new Condensed(fold, summary(after, fold), exchanged.at()));
          }
          return Effect().persist(events).thenReply(e.replyTo(), StatusReply::success);
        })
        .build();
  }

  /** How many of the oldest recent exchanges to condense so the rest fits (the newest stays whole). */
  private int foldCount(Session s) {
    int chars = s.recentChars();
    int n = 0;
    while (n < s.recent().size() - 1 && chars > keepChars) {
      Turn t = s.recent().get(n);
      chars -= t.message().length() + t.answer().length();
      n++;
    }
    return n;
  }

  private static String summary(Session s, int fold) {
    StringBuilder text = new StringBuilder(s.summary().map(x -> x + "\n").orElse(""));
    for (Turn t : s.recent().subList(0, fold)) {
      text.append("- asked \"").append(clip(t.message(), 120)).append("\" (").append(t.route()).append("): ")
          .append(clip(t.answer().replace('\n', ' '), 200))
          .append(t.citations().isEmpty() ? "" : " [cited " + String.join(", ", t.citations()) + "]")
          .append(t.jobId().map(j -> " [job " + j + "]").orElse("")).append('\n');
    }
    return text.toString().strip();
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
  }

  @Override
  public EventHandler<Session, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Exchanged.class, ChatSessionEntity::apply)
        .onEvent(Condensed.class, (s, c) -> new Session(s.id(), Optional.of(c.summary()),
            List.copyOf(s.recent().subList(Math.min(c.exchanges(), s.recent().size()), s.recent().size())), s.total()))
        .build();
  }

  private static Session apply(Session s, Exchanged e) {
    List<Turn> recent = new ArrayList<>(s.recent());
    recent.add(new Turn(e.message(), e.answer(), e.route(), e.citations(), e.jobId()));
    return new Session(s.id(), s.summary(), List.copyOf(recent), s.total() + 1);
  }
}
