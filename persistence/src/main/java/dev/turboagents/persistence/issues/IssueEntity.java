package dev.turboagents.persistence.issues;

import dev.turboagents.config.TrackerSettings;
import dev.turboagents.persistence.CborSerializable;
import dev.turboagents.persistence.entity.ChangeListener;
import dev.turboagents.persistence.entity.KeyUse;
import dev.turboagents.persistence.entity.TrackerEntity;
import dev.turboagents.persistence.entity.TrackerJournal;
import dev.turboagents.persistence.entity.TrackerRejection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;

/**
 * One issue, event-sourced. Every event is tagged {@link TrackerJournal#ISSUE_TAG} so read-side
 * projections (the tracker index, the knowledge graph) can follow them in order. After each
 * persisted change the entity tells its {@link ChangeListener} (the tracker's index), before it
 * replies, so a client that lists issues right after a write sees it.
 *
 * <p>Side effects that happen once: a create, comment or update may carry an idempotency key. The
 * key and a fingerprint of the request are persisted with the write (in {@link IssueCreated},
 * {@link CommentAdded}, or a {@link KeyRecorded} after the change's events, in the same atomic
 * write), and the state remembers the result of the last {@code remembered-keys} keyed writes, so a
 * repeat (a resumed job, a client retrying) gets the first result and persists nothing, also after
 * a restart. The same key with a different request is refused ({@link TrackerRejection#keyReused}).
 * A keyed write that was refused is not remembered: its repeat is judged afresh.
 */
public final class IssueEntity extends TrackerEntity<IssueEntity.Command, IssueEntity.Event, IssueEntity.State, Issue> {

  public static final String TYPE = "issue";

  // ---- protocol ---------------------------------------------------------------------------

  /** Commands an issue accepts. Replies carry the issue after the change, or a {@link TrackerRejection}. */
  public sealed interface Command extends CborSerializable
      permits Create, Update, AddComment, AddBlocker, RemoveBlocker, MarkDuplicate, MarkTriaged, CheckKey, RecordKey, Get,
      Passivate {}

  /** What a new issue starts with. The author is a person or an agent's name. */
  public record Draft(String title, String description, Priority priority, List<String> labels,
      Optional<String> assignee, Optional<String> projectId, String author) {}

  /** Opens the issue; with a key, a repeat answers the issue as it was created. */
  public record Create(Draft draft, Optional<String> key, ActorRef<StatusReply<Issue>> replyTo) implements Command {
    public Create(Draft draft, ActorRef<StatusReply<Issue>> replyTo) {
      this(draft, Optional.empty(), replyTo);
    }
  }

  /**
   * Field changes; an empty Optional leaves the field alone. An empty string for assignee or
   * projectId clears it. With {@code expectedVersion} set, a different current version is refused.
   */
  public record Changes(Optional<String> title, Optional<String> description, Optional<IssueStatus> status,
      Optional<Priority> priority, Optional<List<String>> labels, Optional<String> assignee,
      Optional<String> projectId) {

    public static Changes none() {
      return new Changes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty());
    }

    public static Changes status(IssueStatus status) {
      return new Changes(Optional.empty(), Optional.empty(), Optional.of(status), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty());
    }
  }

  /** With a key, a repeat answers the issue as the first update left it (its expected version is not checked again). */
  public record Update(Changes changes, OptionalLong expectedVersion, Optional<String> key,
      ActorRef<StatusReply<Issue>> replyTo) implements Command {
    public Update(Changes changes, OptionalLong expectedVersion, ActorRef<StatusReply<Issue>> replyTo) {
      this(changes, expectedVersion, Optional.empty(), replyTo);
    }
  }

  /** With a key, a repeat answers the first comment (same id) and adds none. */
  public record AddComment(String commentId, String text, String author, Optional<String> key,
      ActorRef<StatusReply<Comment>> replyTo) implements Command {
    public AddComment(String commentId, String text, String author, ActorRef<StatusReply<Comment>> replyTo) {
      this(commentId, text, author, Optional.empty(), replyTo);
    }
  }

  /** This issue cannot finish before {@code blockerId}. */
  public record AddBlocker(String blockerId, OptionalLong expectedVersion, ActorRef<StatusReply<Issue>> replyTo)
      implements Command {}

  public record RemoveBlocker(String blockerId, OptionalLong expectedVersion, ActorRef<StatusReply<Issue>> replyTo)
      implements Command {}

  /** This issue repeats {@code originalId}; it is closed and points there. */
  public record MarkDuplicate(String originalId, OptionalLong expectedVersion, ActorRef<StatusReply<Issue>> replyTo)
      implements Command {}

  /**
   * Records that triage job {@code jobId} looked at this issue, so a later "new issues" batch skips
   * it. Once per job: a repeat by the same job persists nothing.
   */
  public record MarkTriaged(String jobId, ActorRef<StatusReply<Issue>> replyTo) implements Command {}

  /**
   * For a keyed write that is idempotent by nature and may land on another issue (a dependency):
   * replies true when {@code key} is unknown here (the write is to be made), false when it was
   * recorded with the same {@code request} (made already), and fails with KEY_REUSED when it came
   * with another request. Persists nothing.
   */
  public record CheckKey(String key, String request, ActorRef<StatusReply<Boolean>> replyTo) implements Command {}

  /** Records {@code key} with {@code request} after such a write was made; replies as {@link CheckKey} did before it. */
  public record RecordKey(String key, String request, ActorRef<StatusReply<Boolean>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<Issue>> replyTo) implements Command {}

  /** Sent by the registry when the entity has been idle; it stops without a reply. */
  public record Passivate() implements Command {}

  // ---- events -----------------------------------------------------------------------------

  /** What happened to an issue, in the order it happened. */
  public sealed interface Event extends CborSerializable
      permits IssueCreated, TitleChanged, DescriptionChanged, StatusChanged, PriorityChanged, LabelsChanged,
      AssigneeChanged, ProjectChanged, CommentAdded, BlockerAdded, BlockerRemoved, DuplicateMarked, KeyRecorded,
      Triaged {
    Instant at();
  }

  /** {@code key}: the idempotency key the creation carried (empty in events written before keys existed). */
  public record IssueCreated(String title, String description, Priority priority, List<String> labels,
      Optional<String> assignee, Optional<String> projectId, String author, Instant at, Optional<KeyUse> key)
      implements Event {
    public IssueCreated {
      key = key == null ? Optional.empty() : key;
    }

    public IssueCreated(String title, String description, Priority priority, List<String> labels,
        Optional<String> assignee, Optional<String> projectId, String author, Instant at) {
      this(title, description, priority, labels, assignee, projectId, author, at, Optional.empty());
    }
  }

  public record TitleChanged(String title, Instant at) implements Event {}

  public record DescriptionChanged(String description, Instant at) implements Event {}

  public record StatusChanged(IssueStatus from, IssueStatus to, Instant at) implements Event {}

  public record PriorityChanged(Priority from, Priority to, Instant at) implements Event {}

  public record LabelsChanged(List<String> labels, Instant at) implements Event {}

  public record AssigneeChanged(Optional<String> assignee, Instant at) implements Event {}

  public record ProjectChanged(Optional<String> projectId, Instant at) implements Event {}

  public record CommentAdded(Comment comment, Optional<KeyUse> key) implements Event {
    public CommentAdded {
      key = key == null ? Optional.empty() : key;
    }

    public CommentAdded(Comment comment) {
      this(comment, Optional.empty());
    }

    @Override
    public Instant at() {
      return comment.createdAt();
    }
  }

  public record BlockerAdded(String blockerId, Instant at) implements Event {}

  public record BlockerRemoved(String blockerId, Instant at) implements Event {}

  public record DuplicateMarked(String duplicateOf, Instant at) implements Event {}

  /**
   * The keyed update whose change events were persisted just before it, in the same write (alone
   * when the update changed nothing). It changes no field and no version.
   */
  public record KeyRecorded(KeyUse key, Instant at) implements Event {}

  /**
   * Triage job {@code jobId} looked at the issue (its decisions are the events around it and the
   * job's output). Like a key it changes no field and no version: a client's version stays valid.
   */
  public record Triaged(String jobId, Instant at) implements Event {}

  // ---- state ------------------------------------------------------------------------------

  public sealed interface State extends CborSerializable permits Blank, Active {}

  /** No issue with this id was ever created. */
  public record Blank() implements State {}

  /**
   * {@code creation}: the key the issue was created with and the issue as created, kept for good;
   * {@code recent}: the results of the last keyed comments and updates, oldest first, at most
   * {@code turbo-agents.tracker.remembered-keys} (the state and every snapshot carry them).
   */
  public record Active(Issue issue, Optional<Remembered> creation, List<Remembered> recent, List<String> triagedBy)
      implements State {
    public Active {
      creation = creation == null ? Optional.empty() : creation;
      recent = recent == null ? List.of() : List.copyOf(recent);
      triagedBy = triagedBy == null ? List.of() : List.copyOf(triagedBy); // snapshots from before triage
    }

    public Active(Issue issue) {
      this(issue, Optional.empty(), List.of(), List.of());
    }

    public Active(Issue issue, Optional<Remembered> creation, List<Remembered> recent) {
      this(issue, creation, recent, List.of());
    }

    /** A remembered comment or update with this key (creation keys have their own scope). */
    Optional<Remembered> find(KeyUse use) {
      return recent.stream().filter(r -> r.use().sameKey(use)).findFirst();
    }
  }

  /** A keyed write's first result: the comment it added, or the issue as it left it. */
  public record Remembered(KeyUse use, Optional<Comment> comment, Optional<Issue> issue) implements CborSerializable {
    public Remembered {
      comment = comment == null ? Optional.empty() : comment;
      issue = issue == null ? Optional.empty() : issue;
    }
  }


  // ---- behavior ---------------------------------------------------------------------------

  /** The issue {@code id}; {@code listener} hears of every change before the command's reply. */
  public static Behavior<Command> create(String id, TrackerSettings settings, ChangeListener<Issue> listener) {
    return new IssueEntity(id, settings, listener);
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of(TYPE, id);
  }

  private final int rememberedKeys;

  private IssueEntity(String id, TrackerSettings settings, ChangeListener<Issue> listener) {
    super(TYPE, TrackerJournal.ISSUE_TAG, id, settings, listener);
    this.rememberedKeys = settings.rememberedKeys();
  }

  @Override
  public State emptyState() {
    return new Blank();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerBuilder();
    builder.forStateType(Blank.class)
        .onCommand(Create.class, this::create)
        .onCommand(Passivate.class, c -> Effect().stop())
        .onAnyCommand(this::notFound);
    builder.forStateType(Active.class)
        .onCommand(Create.class, this::createAgain)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.issue())))
        .onCommand(Update.class, this::update)
        .onCommand(AddComment.class, this::comment)
        .onCommand(AddBlocker.class, this::addBlocker)
        .onCommand(RemoveBlocker.class, this::removeBlocker)
        .onCommand(MarkDuplicate.class, this::markDuplicate)
        .onCommand(MarkTriaged.class, this::markTriaged)
        .onCommand(CheckKey.class, (s, c) -> checkKey(s, c.key(), c.request(), false, c.replyTo()))
        .onCommand(RecordKey.class, (s, c) -> checkKey(s, c.key(), c.request(), true, c.replyTo()))
        .onCommand(Passivate.class, c -> Effect().stop());
    return builder.build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> switch (state) {
      case Blank b when event instanceof IssueCreated created -> {
        Issue issue = Issue.created(id, created);
        yield new Active(issue, created.key().map(k -> new Remembered(k, Optional.empty(), Optional.of(issue))), List.of());
      }
      case Blank b -> throw new IllegalStateException("issue " + id + ": " + event + " before IssueCreated");
      case Active a -> {
        Issue issue = a.issue().apply(event);
        Optional<Remembered> keyed = switch (event) {
          case CommentAdded e -> e.key().map(k -> new Remembered(k, Optional.of(e.comment()), Optional.empty()));
          case KeyRecorded e -> Optional.of(new Remembered(e.key(), Optional.empty(), Optional.of(issue)));
          default -> Optional.empty();
        };
        List<String> triaged = event instanceof Triaged t
            ? java.util.stream.Stream.concat(a.triagedBy().stream(), java.util.stream.Stream.of(t.jobId())).toList()
            : a.triagedBy();
        yield new Active(issue, a.creation(), keyed.map(r -> remember(a.recent(), r)).orElse(a.recent()), triaged);
      }
    };
  }

  /** Appends {@code r}, dropping the oldest beyond the bound. */
  private List<Remembered> remember(List<Remembered> recent, Remembered r) {
    List<Remembered> next = new ArrayList<>(recent);
    next.add(r);
    return next.size() <= rememberedKeys ? next : next.subList(next.size() - rememberedKeys, next.size());
  }

  /** The first result of a keyed comment or update already made, or a refusal when the key came with another request. */
  private <T> Optional<Effect<Event, State>> repeat(Active state, Optional<KeyUse> use, String what,
      java.util.function.Function<Remembered, Optional<T>> result, ActorRef<StatusReply<T>> replyTo) {
    return repeat(use, use.flatMap(state::find), what, result, replyTo);
  }

  private <T> Optional<Effect<Event, State>> repeat(Optional<KeyUse> use, Optional<Remembered> found, String what,
      java.util.function.Function<Remembered, Optional<T>> result, ActorRef<StatusReply<T>> replyTo) {
    return use.flatMap(u -> found.filter(r -> r.use().sameKey(u)).map(r -> r.use().equals(u) && result.apply(r).isPresent()
        ? Effect().reply(replyTo, StatusReply.success(result.apply(r).get()))
        : reject(replyTo, TrackerRejection.keyReused(what + " " + id, u.key()))));
  }

  private Effect<Event, State> create(Blank state, Create c) {
    try {
      Draft d = c.draft();
      IssueCreated event = new IssueCreated(rules.title("title", d.title()), rules.text("description", d.description(), true),
          d.priority(), rules.labels("labels", d.labels()), d.assignee().map(a -> rules.name("assignee", a)),
          d.projectId(), rules.name("author", d.author()), clock.instant(), KeyUse.of(c.key(), d));
      return persistAll(List.of(event), c.replyTo());
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  /** A keyed create lands on the id its key names: a repeat gets the issue as created. */
  private Effect<Event, State> createAgain(Active state, Create c) {
    try {
      Optional<KeyUse> use = KeyUse.of(c.key(), c.draft());
      return repeat(use, state.creation(), "create issue", Remembered::issue, c.replyTo()).orElseGet(() -> use.isPresent()
          ? reject(c.replyTo(), TrackerRejection.keyReused("create issue " + id, use.get().key()))
          : reject(c.replyTo(), TrackerRejection.invalid("id", "issue " + id + " already exists")));
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  private Effect<Event, State> update(Active state, Update c) {
    Issue issue = state.issue();
    try {
      Optional<KeyUse> use = KeyUse.of(c.key(), List.of(c.changes(), c.expectedVersion()));
      Optional<Effect<Event, State>> repeated = repeat(state, use, "update issue", Remembered::issue, c.replyTo());
      if (repeated.isPresent()) {
        return repeated.get();
      }
      checkVersion(issue, c.expectedVersion());
      Changes ch = c.changes();
      Instant at = clock.instant();
      List<Event> events = new ArrayList<>();
      ch.title().map(t -> rules.title("title", t)).filter(t -> !t.equals(issue.title()))
          .ifPresent(t -> events.add(new TitleChanged(t, at)));
      ch.description().map(t -> rules.text("description", t, true)).filter(t -> !t.equals(issue.description()))
          .ifPresent(t -> events.add(new DescriptionChanged(t, at)));
      ch.priority().filter(p -> p != issue.priority())
          .ifPresent(p -> events.add(new PriorityChanged(issue.priority(), p, at)));
      ch.labels().map(l -> rules.labels("labels", l)).filter(l -> !l.equals(issue.labels()))
          .ifPresent(l -> events.add(new LabelsChanged(l, at)));
      ch.assignee().map(a -> a.isBlank() ? Optional.<String>empty() : Optional.of(rules.name("assignee", a)))
          .filter(a -> !a.equals(issue.assignee())).ifPresent(a -> events.add(new AssigneeChanged(a, at)));
      ch.projectId().map(p -> p.isBlank() ? Optional.<String>empty() : Optional.of(p))
          .filter(p -> !p.equals(issue.projectId())).ifPresent(p -> events.add(new ProjectChanged(p, at)));
      ch.status().filter(s -> s != issue.status()).ifPresent(s -> {
        if (!issue.status().next().contains(s)) {
          throw TrackerRejection.invalid("status", "an issue in status " + issue.status().wire() + " cannot move to "
              + s.wire() + "; allowed: " + issue.status().next().stream().map(IssueStatus::wire).toList());
        }
        events.add(new StatusChanged(issue.status(), s, at));
      });
      // the key goes in the same atomic write as the change, so a change is never without its key
      use.ifPresent(u -> events.add(new KeyRecorded(u, at)));
      return persistAndReply(issue, events, c.replyTo());
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  private Effect<Event, State> comment(Active state, AddComment c) {
    try {
      Optional<KeyUse> use = KeyUse.of(c.key(), new KeyUse.Request(c.text() + "\u0000" + c.author()));
      Optional<Effect<Event, State>> repeated = repeat(state, use, "comment on issue", Remembered::comment, c.replyTo());
      if (repeated.isPresent()) {
        return repeated.get();
      }
      Comment comment = new Comment(c.commentId(), rules.text("text", c.text(), false), rules.name("author", c.author()),
          clock.instant());
      return Effect().persist(new CommentAdded(comment, use))
          .thenRun((State s) -> listener.changed(((Active) s).issue()))
          .thenReply(c.replyTo(), s -> StatusReply.success(comment));
    } catch (TrackerRejection e) {
      return Effect().reply(c.replyTo(), StatusReply.error(e));
    }
  }

  private Effect<Event, State> checkKey(Active state, String key, String request, boolean record,
      ActorRef<StatusReply<Boolean>> replyTo) {
    try {
      KeyUse use = KeyUse.of(Optional.of(key), new KeyUse.Request("elsewhere\u0000" + request)).orElseThrow();
      Optional<Remembered> known = state.find(use);
      if (known.isPresent()) {
        return known.get().use().equals(use) ? Effect().reply(replyTo, StatusReply.success(false))
            : reject(replyTo, TrackerRejection.keyReused("issue " + id, key));
      }
      if (!record) {
        return Effect().reply(replyTo, StatusReply.success(true));
      }
      return Effect().persist(new KeyRecorded(use, clock.instant())).thenReply(replyTo, s -> StatusReply.success(true));
    } catch (TrackerRejection e) {
      return reject(replyTo, e);
    }
  }

  private Effect<Event, State> markTriaged(Active state, MarkTriaged c) {
    if (state.triagedBy().contains(c.jobId())) {
      return Effect().reply(c.replyTo(), StatusReply.success(state.issue()));
    }
    return Effect().persist(new Triaged(c.jobId(), clock.instant()))
        .thenReply(c.replyTo(), s -> StatusReply.success(((Active) s).issue()));
  }

  private Effect<Event, State> addBlocker(Active state, AddBlocker c) {
    Issue issue = state.issue();
    try {
      checkVersion(issue, c.expectedVersion());
      if (c.blockerId().equals(id)) {
        throw TrackerRejection.invalid("blocked_by", "an issue cannot block itself");
      }
      if (issue.blockedBy().contains(c.blockerId())) {
        return Effect().reply(c.replyTo(), StatusReply.success(issue));
      }
      return persistAndReply(issue, List.of(new BlockerAdded(c.blockerId(), clock.instant())), c.replyTo());
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  private Effect<Event, State> removeBlocker(Active state, RemoveBlocker c) {
    Issue issue = state.issue();
    try {
      checkVersion(issue, c.expectedVersion());
      if (!issue.blockedBy().contains(c.blockerId())) {
        throw TrackerRejection.notFound("dependency of issue " + id + " on an issue", c.blockerId());
      }
      return persistAndReply(issue, List.of(new BlockerRemoved(c.blockerId(), clock.instant())), c.replyTo());
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  private Effect<Event, State> markDuplicate(Active state, MarkDuplicate c) {
    Issue issue = state.issue();
    try {
      checkVersion(issue, c.expectedVersion());
      if (c.originalId().equals(id)) {
        throw TrackerRejection.invalid("duplicate_of", "an issue cannot duplicate itself");
      }
      if (issue.duplicateOf().equals(Optional.of(c.originalId()))) {
        return Effect().reply(c.replyTo(), StatusReply.success(issue));
      }
      return persistAndReply(issue, List.of(new DuplicateMarked(c.originalId(), clock.instant())), c.replyTo());
    } catch (TrackerRejection e) {
      return reject(c.replyTo(), e);
    }
  }

  private void checkVersion(Issue issue, OptionalLong expected) {
    if (expected.isPresent() && expected.getAsLong() != issue.version()) {
      throw TrackerRejection.staleVersion("issue " + id, expected.getAsLong(), issue.version());
    }
  }

  /** Persists the events atomically; with none, the request changed nothing and gets the issue as it is. */
  private Effect<Event, State> persistAndReply(Issue current, List<Event> events, ActorRef<StatusReply<Issue>> replyTo) {
    return events.isEmpty() ? Effect().reply(replyTo, StatusReply.success(current)) : persistAll(events, replyTo);
  }

  private Effect<Event, State> persistAll(List<Event> events, ActorRef<StatusReply<Issue>> replyTo) {
    return Effect().persist(events)
        .thenRun((State s) -> listener.changed(((Active) s).issue()))
        .thenReply(replyTo, s -> StatusReply.success(((Active) s).issue()));
  }

  private <T> Effect<Event, State> reject(ActorRef<StatusReply<T>> replyTo, TrackerRejection e) {
    return Effect().reply(replyTo, StatusReply.error(e));
  }

  private Effect<Event, State> notFound(State state, Command c) {
    TrackerRejection e = TrackerRejection.notFound("issue", id);
    return switch (c) {
      case Get g -> Effect().reply(g.replyTo(), StatusReply.error(e));
      case Update u -> Effect().reply(u.replyTo(), StatusReply.error(e));
      case AddComment a -> Effect().reply(a.replyTo(), StatusReply.error(e));
      case AddBlocker a -> Effect().reply(a.replyTo(), StatusReply.error(e));
      case RemoveBlocker r -> Effect().reply(r.replyTo(), StatusReply.error(e));
      case MarkDuplicate m -> Effect().reply(m.replyTo(), StatusReply.error(e));
      case MarkTriaged m -> Effect().reply(m.replyTo(), StatusReply.error(e));
      case CheckKey k -> Effect().reply(k.replyTo(), StatusReply.error(e));
      case RecordKey k -> Effect().reply(k.replyTo(), StatusReply.error(e));
      case Create cr -> Effect().none();
      case Passivate p -> Effect().stop();
    };
  }
}
