package dev.turboagents.runtime.subsystems;

import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.autonomy.Autonomy;
import dev.turboagents.actors.autonomy.AutonomyControls;
import dev.turboagents.actors.autonomy.DuplicateSweep;
import dev.turboagents.actors.autonomy.GraphCheck;
import dev.turboagents.actors.autonomy.Nightly;
import dev.turboagents.actors.autonomy.Schedule;
import dev.turboagents.actors.autonomy.Schedules;
import dev.turboagents.actors.autonomy.StaleEmbeddings;
import dev.turboagents.actors.autonomy.StaleIssues;
import dev.turboagents.actors.autonomy.Standup;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.AutonomySettings;
import dev.turboagents.config.Settings;
import dev.turboagents.config.TriageSettings;
import dev.turboagents.health.HealthCheck;
import dev.turboagents.http.autonomy.AutonomyRoutes;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The autonomy (docs/autonomy.md): the schedules (standup, nightly) of {@code turbo-agents.autonomy}
 * on the journal, a timer that looks at the clock every {@code tick}, and their API under
 * /agents/schedules and /agents/reports. It serves once the tracker does; the standup reads the
 * agents' jobs once they serve, and the workspace's commits when one is configured.
 */
public final class AutonomySubsystem extends Subsystem<Autonomy> {
  private final Settings settings;
  private final CompletionStage<Tracker> tracker;
  private final CompletionStage<AgentJobs> agents;
  private final CompletionStage<Graph> graph;
  private final Clock clock;
  private final AutonomyControls controls = new AutonomyControls();

  public AutonomySubsystem(Settings settings, CompletionStage<Tracker> tracker, CompletionStage<AgentJobs> agents,
      CompletionStage<Graph> graph) {
    this(settings, tracker, agents, graph, Clock.systemUTC());
  }

  /**
   * @param agents the jobs the standup reports on each issue (it says so in its report until they serve)
   * @param graph the knowledge graph the nightly checks against the journal (its report says so until it serves)
   * @param clock what the schedules read the time from (a test moves it)
   */
  public AutonomySubsystem(Settings settings, CompletionStage<Tracker> tracker, CompletionStage<AgentJobs> agents,
      CompletionStage<Graph> graph, Clock clock) {
    super("autonomy", "autonomy", "waiting for the tracker");
    this.settings = settings;
    this.tracker = tracker;
    this.agents = agents;
    this.graph = graph;
    this.clock = clock;
  }

  /** Whether the autonomy is paused, for other autonomous work (a {@code BooleanSupplier} at {@code controls().paused()}). */
  public AutonomyControls controls() {
    return controls;
  }

  private record Ready(Tracker tracker) {}

  private record Failed(Throwable failure) {}

  @Override
  protected Behavior<?> supervisor() {
    AutonomySettings autonomy = AutonomySettings.of(settings);
    List<Schedule> schedules = autonomy.schedules().stream()
        .map(s -> Schedule.of(s.name(), s.cron(), s.zone())).toList();
    return Behaviors.<Object>setup(ctx -> {
      ctx.pipeToSelf(tracker, (t, failure) -> failure == null ? new Ready(t) : new Failed(failure));
      return Behaviors.receiveMessage(message -> {
        if (message instanceof Ready ready) {
          Map<String, Schedules.Work> works = works(autonomy, ready.tracker(), ctx.getSystem());
          Schedules.Work work = (name, since, slot, manual) -> works.get(name).run(name, since, slot, manual);
          // a disabled autonomy or schedule keeps its entry (and a manual run) but its timer does not start it
          Optional<java.time.Duration> tick = autonomy.enabled() ? Optional.of(autonomy.tick()) : Optional.empty();
          ActorRef<Schedules.Command> ref = ctx.spawn(Behaviors.supervise(
              Schedules.create(schedules, gated(work, autonomy), clock, tick, controls, autonomy.reportsKept()))
              .onFailure(SupervisorStrategy.restart()),
              "schedules");
          startup.ready(new Autonomy(ref, schedules.stream().map(Schedule::name).toList(), controls, ctx.getSystem(),
              settings.http().askTimeout()));
        } else if (message instanceof Failed failed) {
          startup.failed(failed.failure());
        }
        return Behaviors.same();
      });
    });
  }

  private Map<String, Schedules.Work> works(AutonomySettings autonomy, Tracker tracker, ActorSystem<?> system) {
    Standup.Sources sources = new Standup.Sources(this::jobsOn, commits(system));
    return Map.of(
        "standup", new Standup(tracker, zone(autonomy, "standup"), clock, sources,
            new Standup.Posting(autonomy.standupIssue(), autonomy.dryRun())).asWork(),
        "nightly", nightly(autonomy, tracker, system).asWork());
  }

  private Nightly nightly(AutonomySettings autonomy, Tracker tracker, ActorSystem<?> system) {
    java.util.concurrent.Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    TriageSettings triage = TriageSettings.of(settings);
    DuplicateSweep duplicates = new DuplicateSweep(tracker, graph, triage.linkConfidence(), triage.suggestConfidence(),
        triage.similarIssues());
    return new Nightly(new StaleIssues(tracker, autonomy.staleAfter()), new GraphCheck(tracker, graph, blocking),
        new StaleEmbeddings(graph, blocking), duplicates,
        clock, autonomy.dryRun(), controls.paused());
  }

  /** The jobs on {@code issueId}; while the agents are still starting, a failure saying so (the report shows it). */
  private CompletionStage<List<Job>> jobsOn(String issueId) {
    if (!agents.toCompletableFuture().isDone()) {
      return CompletableFuture.failedFuture(new IllegalStateException("the agents are still starting"));
    }
    return agents.thenCompose(a -> a.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.of(issueId))));
  }

  /** The workspace's commits that mention an issue, read off the actors' threads; none without a workspace. */
  private Standup.CommitsOnIssue commits(ActorSystem<?> system) {
    Optional<Workspace> workspace;
    try {
      workspace = Workspace.open(settings.tools().workspace(), settings.dataDir());
    } catch (RuntimeException e) {
      // a workspace that cannot be read is the agents' subsystem's error to report; the standup goes without commits
      workspace = Optional.empty();
    }
    if (workspace.isEmpty()) {
      return Standup.Sources.TRACKER_ONLY.commits();
    }
    Workspace repository = workspace.get();
    java.util.concurrent.Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    return (issue, since, until) -> CompletableFuture.supplyAsync(() -> repository.commitsMentioning(issue, since, until), blocking);
  }

  private static java.time.ZoneId zone(AutonomySettings autonomy, String schedule) {
    return java.time.ZoneId.of(autonomy.schedules().stream().filter(s -> s.name().equals(schedule)).findFirst()
        .orElseThrow().zone());
  }

  /** A schedule disabled in the configuration is not started by its cron; a manual run still runs it. */
  private static Schedules.Work gated(Schedules.Work work, AutonomySettings autonomy) {
    return (name, since, slot, manual) -> {
      boolean enabled = autonomy.schedules().stream().anyMatch(s -> s.name().equals(name) && s.enabled());
      if (!enabled && !manual) {
        return CompletableFuture.completedFuture(Schedules.Outcome.of(name + ": disabled in turbo-agents.autonomy." + name + ".enabled, skipped"));
      }
      return work.run(name, since, slot, manual);
    };
  }

  @Override
  protected List<HealthCheck> healthChecks(Autonomy api, ActorSystem<?> system) {
    return List.of();
  }

  @Override
  protected Route routes(Autonomy api, ActorSystem<?> system) {
    return new AutonomyRoutes(api).route();
  }
}
