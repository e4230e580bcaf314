package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.inference.PinnedOptions;
import dev.turboagents.actors.tools.AgentTool;
import dev.turboagents.actors.tools.ChatTools;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.ToolPolicy;
import dev.turboagents.actors.tools.ToolSupervisor;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.process.ScrubbedEnvironment;
import dev.turboagents.actors.tools.workspace.SourceTree;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.ChatSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.query.journal.leveldb.javadsl.LeveldbReadJournal;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The agents as the routes and the CLI see them: submit a code job, look jobs up, follow a job's
 * events, cancel one. {@link #start} spawns the tool supervisor and the coordinator.
 */
public final class AgentJobs {

  /** Budget fields a request may set; empty = the configured default. */
  public record BudgetOverride(Optional<Integer> maxSteps, Optional<Duration> maxWallTime, Optional<Long> maxTokens) {
    public static final BudgetOverride NONE = new BudgetOverride(Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** Filters of a job listing; empty = any. */
  public record JobFilter(Optional<JobStatus> status, Optional<String> agent, Optional<String> issueId) {}

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final AgentSettings settings;
  private final Tracker tracker;
  private final Optional<Workspace> workspace;
  private final boolean testsConfigured;
  private final LiveTokens tokens;
  private Chat chat;

  private AgentJobs(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, AgentSettings settings,
      Tracker tracker, Optional<Workspace> workspace, boolean testsConfigured, LiveTokens tokens) {
    this.tokens = tokens;
    this.system = system;
    this.coordinator = coordinator;
    this.settings = settings;
    this.tracker = tracker;
    this.workspace = workspace;
    this.testsConfigured = testsConfigured;
  }

  /**
   * Starts the agents' actors as children of {@code spawner}'s owner.
   *
   * @param codeIndex the graph's code index, when it is up (search_codebase answers "unavailable" until then)
   */
  public static AgentJobs start(Tracker.Spawner spawner, ActorSystem<?> system, Settings all, AgentSettings settings,
      ActorRef<InferenceActor.Command> door, Tracker tracker, CompletionStage<Graph> graph,
      CompletionStage<CodeIndex> codeIndex) {
    Optional<Workspace> workspace = Workspace.open(all.tools().workspace(), all.dataDir());
    ProcessRunner runner = new ProcessRunner(all.tools().commands(),
        ScrubbedEnvironment.ofDaemon(all.tools().commands().environmentAllowList()), all.dataDir().resolve("scratch"));
    List<AgentTool> tools = new java.util.ArrayList<>(
        new CodeTools(all.tools(), runner, tracker, graph, codeIndex, settings.serviceTimeout()).all());
    ChatTools chatTools = new ChatTools(tracker, graph, settings.serviceTimeout());
    tools.addAll(chatTools.all());
    ToolSupervisor.ToolBox box = new ToolSupervisor.ToolBox(tools, ToolPolicy.standard());
    ActorRef<ToolSupervisor.Command> toolActors = spawner.spawn(ToolSupervisor.create(box,
        settings.maxConcurrentJobs(), settings.toolMinBackoff(), settings.toolMaxBackoff()), "tools");
    LiveTokens tokens = new LiveTokens();
    PromptTemplates prompts = new PromptTemplates(Optional.of(settings.promptDirectory()
        .orElse(all.dataDir().resolve("prompts"))));
    PinnedOptions pinned = PinnedOptions.from(all.inference());
    SourceTree sourceTree = new SourceTree(all.graph().code().maxFileSize());
    // Every agent the coordinator can run, by name: each builds its Agent for one job.
    Map<String, Function<Job, Agent>> agents = new HashMap<>();
    workspace.ifPresent(w -> agents.put(CodeAgent.NAME, job -> new CodeAgent(settings.model(CodeAgent.NAME),
        box.specsFor(CodeAgent.NAME), w, all.tools(), runner, tracker, graph, prompts, settings.serviceTimeout(),
        all.graph().contextTokenBudget(), codeIndex, sourceTree)));
    agents.put(ChatAgent.NAME, job -> new ChatAgent(settings.model(ChatAgent.NAME), box.specsFor(ChatAgent.NAME),
        chatTools, prompts));
    ActorRef<Coordinator.Command> coordinator = spawner.spawn(Coordinator.create(new Coordinator.Wiring(settings, door,
        toolActors, Map.copyOf(agents), pinned::numCtx, prompts, tokens)), "coordinator");
    AgentJobs jobs = new AgentJobs(system, coordinator, settings, tracker, workspace,
        all.tools().commands().test().isPresent(), tokens);
    ChatSettings chat = ChatSettings.of(all);
    jobs.chat = new Chat(jobs, spawner.spawn(ChatSessions.create(chat.sessionKeepChars()), "chat-sessions"),
        new ModelDoor(door, system, settings.waitCheck(), settings.askTimeout()), system, settings, chat, prompts);
    return jobs;
  }

  /** The chat endpoint's side: routing, chat jobs, sessions. */
  public Chat chat() {
    return chat;
  }

  /** A code job on {@code issueId}: refused at once without a workspace or a test command, or for an unknown issue. */
  public CompletionStage<Job> implement(String issueId, Optional<String> context, BudgetOverride budget, String requestedBy) {
    if (workspace.isEmpty()) {
      return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.UNCONFIGURED, "--workspace",
          "no workspace is configured: start the daemon with --workspace <git repository> (or TURBO_AGENTS_WORKSPACE)"));
    }
    if (!testsConfigured) {
      return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.UNCONFIGURED, "--test-command",
          "no test command is configured, so nothing could pass the quality gate: start the daemon with "
              + "--test-command \"<command>\" (or TURBO_AGENTS_TEST_COMMAND)"));
    }
    return knownIssue(issueId).thenCompose(issue -> submit(CodeAgent.NAME, Optional.of(issueId), context,
        Optional.empty(), budget, requestedBy));
  }

  /**
   * A job for any agent the coordinator runs, with the configured budget where {@code budget} is
   * silent. The agent's own checks (a known issue, a workspace) are the caller's.
   *
   * @param input the agent's request as a JSON object, kept in the job and given to the agent
   */
  public CompletionStage<Job> submit(String agent, Optional<String> issueId, Optional<String> context,
      Optional<String> input, BudgetOverride budget, String requestedBy) {
    JobBudget b = new JobBudget(budget.maxSteps().orElse(settings.maxSteps()),
        budget.maxWallTime().orElse(settings.maxWallTime()), budget.maxTokens().orElse(settings.maxTokens()));
    return ask(r -> new Coordinator.Submit(agent, issueId, context, input, requestedBy, b, r));
  }

  /** The issue, or a NOT_FOUND refusal naming the {@code issue_id} field when there is none. */
  public CompletionStage<IndexedIssue> knownIssue(String issueId) {
    return tracker.issue(issueId).exceptionallyCompose(e -> CompletableFuture.failedFuture(
        unwrap(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.NOT_FOUND
            ? new JobRefusal(JobRefusal.Kind.NOT_FOUND, "issue_id", r.getMessage()) : unwrap(e)));
  }

  public CompletionStage<Job> job(String id) {
    return ask(r -> new Coordinator.Get(id, r)).exceptionallyCompose(e -> CompletableFuture.failedFuture(
        new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", unwrap(e).getMessage())));
  }

  public CompletionStage<List<Job>> jobs(JobFilter filter) {
    return AskPattern.<Coordinator.Command, List<Job>>ask(coordinator, Coordinator.ListJobs::new, settings.askTimeout(),
        system.scheduler()).thenApply(all -> all.stream()
            .filter(j -> filter.status().map(s -> s == j.status()).orElse(true))
            .filter(j -> filter.agent().map(a -> a.equals(j.agent())).orElse(true))
            .filter(j -> filter.issueId().map(i -> j.issueId().equals(Optional.of(i))).orElse(true)).toList());
  }

  public CompletionStage<Job> cancel(String id, String who) {
    return ask(r -> new Coordinator.Cancel(id, "cancelled by " + who, r)).exceptionallyCompose(e ->
        CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", unwrap(e).getMessage())));
  }

  /**
   * The job's events from sequence number {@code from} (1 = from the start), then every new one as
   * it is written; the stream completes after the job's end event.
   */
  public Source<EventEnvelope, NotUsed> events(String id, long from) {
    LeveldbReadJournal journal = PersistenceQuery.get(system)
        .getReadJournalFor(LeveldbReadJournal.class, LeveldbReadJournal.Identifier());
    return journal.eventsByPersistenceId(JobEntity.persistenceId(id).id(), Math.max(1, from), Long.MAX_VALUE)
        .takeWhile(e -> !(e.event() instanceof JobEntity.JobSucceeded || e.event() instanceof JobEntity.JobFailed
            || e.event() instanceof JobEntity.JobCancelled), true);
  }

  /**
   * The model's tokens of job {@code id} from now on, as they come, until its runner ends (nothing
   * for a job that is not running). They are not journalled: {@link #events} has each whole turn.
   */
  public Source<Delta, NotUsed> tokens(String id) {
    return tokens.follow(id);
  }

  public boolean hasWorkspace() {
    return workspace.isPresent();
  }

  private CompletionStage<Job> ask(Function<ActorRef<StatusReply<Job>>, Coordinator.Command> command) {
    return AskPattern.askWithStatus(coordinator, command::apply, settings.askTimeout(), system.scheduler());
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }
}
