package dev.turboagents.actors.workflows;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.JobRefusal;
import dev.turboagents.config.WorkflowSettings;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.NoOffset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The workflows as routes and the CLI see them: start an implement-and-review workflow, show one,
 * cancel one. A registry actor owns one {@link ImplementAndReview} entity per workflow; at start it
 * reads the journal's {@code workflow} tag and wakes every unfinished workflow, which resumes at
 * its step.
 */
public final class Workflows {

  /** The registry's protocol: deliver a command to workflow {@code id} (spawning its entity). */
  public sealed interface Command {}

  public record Deliver(String id, ImplementAndReview.Command command) implements Command {}

  private record Resume(Set<String> ids) implements Command {}

  private final ActorSystem<?> system;
  private final ActorRef<Command> registry;
  private final AgentJobs agents;
  private final WorkflowSettings settings;
  private final Duration askTimeout;
  private final java.util.Optional<TriggerStatus> triggers;

  private Workflows(ActorSystem<?> system, ActorRef<Command> registry, AgentJobs agents, WorkflowSettings settings,
      Duration askTimeout, java.util.Optional<TriggerStatus> triggers) {
    this.triggers = triggers;
    this.system = system;
    this.registry = registry;
    this.agents = agents;
    this.settings = settings;
    this.askTimeout = askTimeout;
  }

  public static Workflows start(Tracker.Spawner spawner, ActorSystem<?> system, AgentJobs agents, Tracker tracker,
      WorkflowSettings settings, Duration askTimeout) {
    return start(spawner, system, agents, new AgentSteps(agents, tracker, agents.workspace(), settings.blockingSeverities()),
        settings, askTimeout);
  }

  /** The workflows with their steps done by {@code steps} (the agents' steps, or tests' probes around them). */
  static Workflows start(Tracker.Spawner spawner, ActorSystem<?> system, AgentJobs agents, ImplementAndReview.Steps steps,
      WorkflowSettings settings, Duration askTimeout) {
    ActorRef<Command> registry = spawner.spawn(registry(id -> ImplementAndReview.create(id, steps, settings.pollInterval())),
        "workflows");
    return new Workflows(system, registry, agents, settings, askTimeout, java.util.Optional.empty());
  }

  /** These workflows with the tracker's triggers' status ({@code GET /agents/triggers}). */
  public Workflows withTriggers(TriggerStatus status) {
    return new Workflows(system, registry, agents, settings, askTimeout, java.util.Optional.of(status));
  }

  /** The tracker's triggers' status; empty when the daemon did not wire them (tests of the workflows alone). */
  public java.util.Optional<TriggerStatus> triggers() {
    return triggers;
  }

  static Behavior<Command> registry(Function<String, Behavior<ImplementAndReview.Command>> entity) {
    return Behaviors.setup(context -> {
      Map<String, ActorRef<ImplementAndReview.Command>> live = new HashMap<>();
      LeveldbReadJournal journal = PersistenceQuery.get(context.getSystem())
          .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
      context.pipeToSelf(journal.currentEventsByTag(ImplementAndReview.TAG, NoOffset.getInstance())
          .runWith(Sink.fold(new HashSet<String>(), (open, e) -> {
            String id = e.persistenceId().substring(ImplementAndReview.TYPE.length() + 1);
            if (e.event() instanceof ImplementAndReview.WorkflowEnded) {
              open.remove(id);
            } else {
              open.add(id);
            }
            return open;
          }), context.getSystem()), (open, error) -> {
            if (error != null) {
              context.getLog().error("workflows: could not read the journal to resume unfinished workflows", error);
              return new Resume(Set.of());
            }
            return new Resume(open);
          });
      Function<String, ActorRef<ImplementAndReview.Command>> of = id -> live.computeIfAbsent(id, i -> {
        ActorRef<ImplementAndReview.Command> ref = context.spawn(entity.apply(i), "workflow-" + i);
        context.watchWith(ref, new Deliver(i, null));
        return ref;
      });
      return Behaviors.receive(Command.class)
          .onMessage(Resume.class, r -> {
            context.getLog().info("workflows: {} unfinished in the journal, resuming them", r.ids().size());
            r.ids().forEach(of::apply);
            return Behaviors.same();
          })
          .onMessage(Deliver.class, d -> {
            if (d.command() == null) {
              live.remove(d.id());
            } else {
              of.apply(d.id()).tell(d.command());
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Starts a workflow on {@code issueId} (refused at once for an unknown issue, naming issue_id). */
  public CompletionStage<ImplementAndReview.Workflow> implementAndReview(String issueId, String requestedBy) {
    if (!agents.hasWorkspace()) {
      return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.UNCONFIGURED, "--workspace",
          "no workspace is configured, so there is nothing to implement in: start the daemon with --workspace <git repository> "
              + "(or TURBO_AGENTS_WORKSPACE)"));
    }
    return agents.knownIssue(issueId).thenCompose(issue -> {
      String id = UUID.randomUUID().toString();
      return ask(id, r -> new ImplementAndReview.Start(issueId, requestedBy, settings.maxRounds(), r));
    });
  }

  public CompletionStage<ImplementAndReview.Workflow> workflow(String id) {
    return known(id).thenCompose(x -> ask(id, ImplementAndReview.Get::new));
  }

  public CompletionStage<ImplementAndReview.Workflow> cancel(String id, String who) {
    return known(id).thenCompose(x -> ask(id, r -> new ImplementAndReview.Cancel("cancelled by " + who, r)));
  }

  private CompletionStage<Void> known(String id) {
    return id.matches("[A-Za-z0-9-]{1,64}") ? CompletableFuture.completedFuture(null)
        : CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", "no workflow " + id));
  }

  private CompletionStage<ImplementAndReview.Workflow> ask(String id,
      Function<ActorRef<StatusReply<ImplementAndReview.Workflow>>, ImplementAndReview.Command> command) {
    return AskPattern.<Command, ImplementAndReview.Workflow>askWithStatus(registry, r -> new Deliver(id, command.apply(r)),
        askTimeout, system.scheduler()).exceptionallyCompose(e -> {
          Throwable cause = AsyncFailure.cause(e);
          return CompletableFuture.failedFuture(cause instanceof StatusReply.ErrorMessage m && m.getMessage().startsWith("no workflow")
              ? new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", m.getMessage()) : cause);
        });
  }
}
