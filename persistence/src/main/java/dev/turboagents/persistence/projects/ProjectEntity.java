package dev.turboagents.persistence.projects;

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
 * One project, event-sourced; events tagged {@link TrackerJournal#PROJECT_TAG}. Like an issue, it
 * tells its {@link ChangeListener} (the tracker's index) of each change before it replies.
 */
public final class ProjectEntity extends TrackerEntity<ProjectEntity.Command, ProjectEntity.Event, ProjectEntity.State, Project> {

  public static final String TYPE = "project";

  /** Commands a project accepts; replies carry the project or a {@link TrackerRejection}. */
  public sealed interface Command extends CborSerializable permits Create, Update, Get, Passivate {}

  /** Opens the project; with a key (the tracker derives the id from it), a repeat answers the project as created. */
  public record Create(String name, String description, String author, Optional<String> key,
      ActorRef<StatusReply<Project>> replyTo) implements Command {
    public Create(String name, String description, String author, ActorRef<StatusReply<Project>> replyTo) {
      this(name, description, author, Optional.empty(), replyTo);
    }

    KeyUse.Request request() {
      return new KeyUse.Request(name + "\u0000" + description + "\u0000" + author);
    }
  }

  /** Field changes; an empty Optional leaves the field alone. */
  public record Update(Optional<String> name, Optional<String> description, Optional<ProjectStatus> status,
      OptionalLong expectedVersion, ActorRef<StatusReply<Project>> replyTo) implements Command {}

  public record Get(ActorRef<StatusReply<Project>> replyTo) implements Command {}

  public record Passivate() implements Command {}

  /** What happened to a project. */
  public sealed interface Event extends CborSerializable
      permits ProjectCreated, ProjectRenamed, ProjectDescriptionChanged, ProjectStatusChanged {
    Instant at();
  }

  /** {@code key}: the idempotency key the creation carried (empty in events written before keys existed). */
  public record ProjectCreated(String name, String description, String author, Instant at, Optional<KeyUse> key)
      implements Event {
    public ProjectCreated {
      key = key == null ? Optional.empty() : key;
    }

    public ProjectCreated(String name, String description, String author, Instant at) {
      this(name, description, author, at, Optional.empty());
    }
  }

  public record ProjectRenamed(String name, Instant at) implements Event {}

  public record ProjectDescriptionChanged(String description, Instant at) implements Event {}

  public record ProjectStatusChanged(ProjectStatus from, ProjectStatus to, Instant at) implements Event {}

  public sealed interface State extends CborSerializable permits Blank, Active {}

  public record Blank() implements State {}

  /** {@code creation}: the key the project was created with and the project as created. */
  public record Active(Project project, Optional<KeyUse> createdWith, Optional<Project> asCreated) implements State {
    public Active {
      createdWith = createdWith == null ? Optional.empty() : createdWith;
      asCreated = asCreated == null ? Optional.empty() : asCreated;
    }

    public Active(Project project) {
      this(project, Optional.empty(), Optional.empty());
    }
  }

  /** The project {@code id}; {@code listener} hears of every change before the command's reply. */
  public static Behavior<Command> create(String id, TrackerSettings settings, ChangeListener<Project> listener) {
    return new ProjectEntity(id, settings, listener);
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of(TYPE, id);
  }

  private ProjectEntity(String id, TrackerSettings settings, ChangeListener<Project> listener) {
    super(TYPE, TrackerJournal.PROJECT_TAG, id, settings, listener);
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
        .onCommand(Get.class, c -> Effect().reply(c.replyTo(), StatusReply.error(TrackerRejection.notFound("project", id))))
        .onCommand(Update.class, c -> Effect().reply(c.replyTo(), StatusReply.error(TrackerRejection.notFound("project", id))))
        .onCommand(Passivate.class, c -> Effect().stop());
    builder.forStateType(Active.class)
        .onCommand(Create.class, this::createAgain)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.project())))
        .onCommand(Update.class, this::update)
        .onCommand(Passivate.class, c -> Effect().stop());
    return builder.build();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return (state, event) -> switch (state) {
      case Blank b when event instanceof ProjectCreated created -> {
        Project p = Project.created(id, created);
        yield new Active(p, created.key(), created.key().map(k -> p));
      }
      case Blank b -> throw new IllegalStateException("project " + id + ": " + event + " before ProjectCreated");
      case Active a -> new Active(a.project().apply(event), a.createdWith(), a.asCreated());
    };
  }

  private Effect<Event, State> create(Blank state, Create c) {
    try {
      var event = new ProjectCreated(rules.title("name", c.name()), rules.text("description", c.description(), true),
          rules.name("author", c.author()), clock.instant(), KeyUse.of(c.key(), c.request()));
      return persistAll(List.of(event), c.replyTo());
    } catch (TrackerRejection e) {
      return Effect().reply(c.replyTo(), StatusReply.error(e));
    }
  }

  /** A keyed create lands on the id its key names: the same request gets the project as created. */
  private Effect<Event, State> createAgain(Active state, Create c) {
    try {
      Optional<KeyUse> use = KeyUse.of(c.key(), c.request());
      if (use.isEmpty()) {
        throw TrackerRejection.invalid("id", "project " + id + " already exists");
      }
      if (!use.equals(state.createdWith()) || state.asCreated().isEmpty()) {
        throw TrackerRejection.keyReused("create project " + id, use.get().key());
      }
      return Effect().reply(c.replyTo(), StatusReply.success(state.asCreated().get()));
    } catch (TrackerRejection e) {
      return Effect().reply(c.replyTo(), StatusReply.error(e));
    }
  }

  private Effect<Event, State> update(Active state, Update c) {
    Project p = state.project();
    try {
      if (c.expectedVersion().isPresent() && c.expectedVersion().getAsLong() != p.version()) {
        throw TrackerRejection.staleVersion("project " + id, c.expectedVersion().getAsLong(), p.version());
      }
      Instant at = clock.instant();
      List<Event> events = new ArrayList<>();
      c.name().map(n -> rules.title("name", n)).filter(n -> !n.equals(p.name()))
          .ifPresent(n -> events.add(new ProjectRenamed(n, at)));
      c.description().map(d -> rules.text("description", d, true)).filter(d -> !d.equals(p.description()))
          .ifPresent(d -> events.add(new ProjectDescriptionChanged(d, at)));
      c.status().filter(s -> s != p.status()).ifPresent(s -> events.add(new ProjectStatusChanged(p.status(), s, at)));
      return events.isEmpty() ? Effect().reply(c.replyTo(), StatusReply.success(p)) : persistAll(events, c.replyTo());
    } catch (TrackerRejection e) {
      return Effect().reply(c.replyTo(), StatusReply.error(e));
    }
  }

  private Effect<Event, State> persistAll(List<Event> events, ActorRef<StatusReply<Project>> replyTo) {
    return Effect().persist(events)
        .thenRun((State s) -> listener.changed(((Active) s).project()))
        .thenReply(replyTo, s -> StatusReply.success(((Active) s).project()));
  }
}
