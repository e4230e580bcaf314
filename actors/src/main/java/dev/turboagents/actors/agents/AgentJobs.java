package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.ContextProfiles;
import dev.turboagents.actors.inference.Delta;
import dev.turboagents.actors.inference.InferenceActor;
import dev.turboagents.actors.issues.AllowedLabels;
import dev.turboagents.actors.issues.IssueTracker;
import dev.turboagents.actors.issues.LocalIssueTracker;
import dev.turboagents.actors.issues.RemoteIssueTracker;
import dev.turboagents.actors.tools.AgentTool;
import dev.turboagents.actors.tools.ChatTools;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.IssueTools;
import dev.turboagents.actors.tools.ReviewTools;
import dev.turboagents.actors.tools.ToolPolicy;
import dev.turboagents.actors.tools.ToolSupervisor;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.process.ScrubbedEnvironment;
import dev.turboagents.actors.tools.workspace.ReviewRange;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.actors.tools.workspace.SourceTree;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.actors.tools.workspace.WorkspaceCodeIndex;
import dev.turboagents.config.AgentSettings;
import dev.turboagents.config.ChatSettings;
import dev.turboagents.config.Settings;
import dev.turboagents.config.TriageSettings;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndex;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobBudget;
import dev.turboagents.persistence.jobs.JobEntity;
import dev.turboagents.persistence.jobs.JobIndex;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
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

  /** Most past decisions put into a new task's context. */
  static final int PAST_DECISIONS = 8;

  private final ActorSystem<?> system;
  private final ActorRef<Coordinator.Command> coordinator;
  private final ActorRef<JobIndex.Command> index;
  private final AgentSettings settings;
  private final Tracker tracker;
  private final Optional<Workspace> workspace;
  private final boolean testsConfigured;
  private final LiveTokens tokens;
  private final IssueTracker issues;
  private final TriageSettings triage;
  private Chat chat;
  private WorkspaceCodeIndex workspaceIndex;

  private AgentJobs(ActorSystem<?> system, ActorRef<Coordinator.Command> coordinator, ActorRef<JobIndex.Command> index,
      AgentSettings settings, Tracker tracker, Optional<Workspace> workspace, boolean testsConfigured, LiveTokens tokens,
      IssueTracker issues, TriageSettings triage) {
    this.issues = issues;
    this.triage = triage;
    this.tokens = tokens;
    this.index = index;
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
    TriageSettings triage = TriageSettings.of(all);
    IssueTracker issues = all.services().turboApiUrl()
        .<IssueTracker>map(url -> new RemoteIssueTracker(url, settings.serviceTimeout()))
        .orElseGet(() -> new LocalIssueTracker(tracker));
    List<AgentTool> tools = new ArrayList<>(new CodeTools(all.tools(), runner, tracker, graph, codeIndex,
        settings.serviceTimeout()).all());
    tools.addAll(new ReviewTools(workspace, all.tools(), runner, codeIndex, settings.serviceTimeout()).all());
    tools.addAll(new IssueTools(issues, graph, triage.defaultLabels(), triage.similarIssues(), settings.serviceTimeout()).all());
    ChatTools chatTools = new ChatTools(tracker, graph, settings.serviceTimeout());
    tools.addAll(chatTools.all());
    ToolSupervisor.ToolBox box = new ToolSupervisor.ToolBox(tools, ToolPolicy.standard());
    ActorRef<ToolSupervisor.Command> toolActors = spawner.spawn(ToolSupervisor.create(box,
        settings.maxConcurrentJobs(), settings.toolMinBackoff(), settings.toolMaxBackoff()), "tools");
    LiveTokens tokens = new LiveTokens();
    PromptTemplates prompts = new PromptTemplates(Optional.of(settings.promptDirectory()
        .orElse(all.dataDir().resolve("prompts"))));
    // an agent's window is the largest context the door serves its model at
    ContextProfiles contexts = ContextProfiles.from(all.inference());
    WorkspaceCodeIndex workspaceIndex = new WorkspaceCodeIndex(workspace, codeIndex,
        new SourceTree(all.graph().code().maxFileSize()), system.dispatchers().lookup(DispatcherSelector.blocking()));
    // Every agent the coordinator can run, by name: each builds its Agent for one job.
    Map<String, Function<Job, Agent>> agents = new HashMap<>();
    PastDecisions past = new PastDecisions(graph, settings.serviceTimeout(), PAST_DECISIONS);
    workspace.ifPresent(w -> agents.put(CodeAgent.NAME, job -> new CodeAgent(settings.model(CodeAgent.NAME),
        box.specsFor(CodeAgent.NAME), w, all.tools(), runner, tracker, graph, prompts, settings.serviceTimeout(),
        all.graph().contextTokenBudget(), workspaceIndex, past)));
    workspace.ifPresent(w -> agents.put(ReviewAgent.NAME, job -> ReviewAgent.of(settings.model(ReviewAgent.NAME),
        box.specsFor(ReviewAgent.NAME), w, tracker, prompts, settings.serviceTimeout(), past, job)));
    AtomicReference<AgentJobs> self = new AtomicReference<>();
    agents.put(IssueAgent.NAME, job -> new IssueAgent(settings.model(IssueAgent.NAME), box.specsFor(IssueAgent.NAME), issues,
        graph, prompts, triage, settings.serviceTimeout(), issue -> self.get().jobsOn(issue), past));
    agents.put(ChatAgent.NAME, job -> new ChatAgent(settings.model(ChatAgent.NAME), box.specsFor(ChatAgent.NAME),
        chatTools, prompts));
    ActorRef<JobIndex.Command> index = spawner.spawn(JobIndex.supervised(settings.indexStashCapacity(),
        settings.indexMinBackoff(), settings.indexMaxBackoff()), "job-index");
    ActorRef<Coordinator.Command> coordinator = spawner.spawn(Coordinator.create(new Coordinator.Wiring(settings, door,
        toolActors, Map.copyOf(agents), contexts::largest, prompts, tokens, index)), "coordinator");
    AgentJobs jobs = new AgentJobs(system, coordinator, index, settings, tracker, workspace,
        all.tools().commands().test().isPresent(), tokens, issues, triage);
    self.set(jobs);
    jobs.workspaceIndex = workspaceIndex;
    // the main branch is indexed once the graph serves, in the background: the start does not wait for it
    workspace.ifPresent(w -> workspaceIndex.indexMainInBackground());
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

  /** What a triage request came to: a job, or nothing to do (a "new_issues" batch that found none). */
  public sealed interface TriageStart {
    record Started(Job job, List<String> issueIds) implements TriageStart {}

    record NothingNew() implements TriageStart {}
  }

  /**
   * A triage job (issue agent) on the issues {@code ids}, or on every issue no triage has seen when
   * {@code ids} is empty ({@code "new_issues"}). Unknown ids are refused (NOT_FOUND naming them).
   */
  public CompletionStage<TriageStart> triage(Optional<List<String>> ids, boolean autoComment, String requestedBy) {
    return issues.issues().thenCompose(all -> {
      Map<String, IssueTracker.TrackedIssue> byId = new java.util.LinkedHashMap<>();
      all.forEach(i -> byId.put(i.id(), i));
      CompletionStage<List<String>> batch;
      if (ids.isPresent()) {
        List<String> unknown = ids.get().stream().filter(id -> !byId.containsKey(id)).toList();
        if (!unknown.isEmpty()) {
          return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, "batch",
              "no issues with the ids " + unknown));
        }
        batch = CompletableFuture.completedFuture(ids.get().stream().distinct().toList());
      } else {
        List<CompletableFuture<Optional<String>>> seen = all.stream().map(i -> issues.triagedBy(i.id())
            .thenApply(by -> by.isEmpty() ? Optional.of(i.id()) : Optional.<String>empty()).toCompletableFuture()).toList();
        batch = CompletableFuture.allOf(seen.toArray(CompletableFuture[]::new))
            .thenApply(x -> seen.stream().map(CompletableFuture::join).flatMap(Optional::stream).toList());
      }
      return batch.thenCompose(chosen -> {
        if (chosen.isEmpty()) {
          return CompletableFuture.completedFuture(new TriageStart.NothingNew());
        }
        List<String> labels = AllowedLabels.of(all, triage.defaultLabels()).labels();
        var request = ids.<com.fasterxml.jackson.databind.JsonNode>map(l -> {
          var array = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.arrayNode();
          l.forEach(array::add);
          return array;
        }).orElse(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("new_issues"));
        return submit(IssueAgent.NAME, Optional.empty(), Optional.empty(),
            Optional.of(IssueAgent.triageInput(chosen, autoComment, labels, request)), BudgetOverride.NONE, requestedBy)
            .thenApply(job -> new TriageStart.Started(job, chosen));
      });
    });
  }

  /** A summary job (issue agent) of the issue's history; an unknown issue is refused (NOT_FOUND naming issue_id). */
  public CompletionStage<Job> summarize(String issueId, String requestedBy) {
    return issues.issue(issueId).exceptionallyCompose(e -> CompletableFuture.failedFuture(
            AsyncFailure.cause(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.NOT_FOUND
                ? new JobRefusal(JobRefusal.Kind.NOT_FOUND, "issue_id", "no issue with id " + issueId) : AsyncFailure.cause(e)))
        .thenCompose(issue -> submit(IssueAgent.NAME, Optional.of(issueId), Optional.empty(),
            Optional.of(IssueAgent.summarizeInput(issueId)), BudgetOverride.NONE, requestedBy));
  }

  /** The jobs on {@code issueId}, newest first (for a summary of its history). */
  CompletionStage<List<Job>> jobsOn(String issueId) {
    return jobs(new JobFilter(Optional.empty(), Optional.empty(), Optional.of(issueId)));
  }

  /**
   * A review job on {@code target}, resolved to its commits now: refused without a workspace
   * (naming --workspace), for an unknown job (pr_id), a missing branch or revision (naming the
   * field), and for an unknown {@code issueId}. A job's branch is linked to that job's issue unless
   * {@code issueId} names another.
   */
  public CompletionStage<Job> review(ReviewTarget target, List<ReviewFindings.Focus> focus, Optional<String> issueId,
      BudgetOverride budget, String requestedBy) {
    if (workspace.isEmpty()) {
      return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.UNCONFIGURED, "--workspace",
          "no workspace is configured, so there is nothing to review: start the daemon with --workspace <git repository> "
              + "(or TURBO_AGENTS_WORKSPACE)"));
    }
    CompletionStage<Optional<String>> linked = target instanceof ReviewTarget.JobBranch j && issueId.isEmpty()
        ? job(j.jobId()).exceptionallyCompose(e -> CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND,
            "pr_id", "no job " + j.jobId() + ": pr_id is the id of an agent job whose branch is reviewed")))
            .thenApply(Job::issueId)
        : issueId.isPresent() ? knownIssue(issueId.get()).thenApply(i -> issueId) : CompletableFuture.completedFuture(issueId);
    String field = switch (target) {
      case ReviewTarget.JobBranch j -> "pr_id";
      case ReviewTarget.Branch b -> "branch";
      case ReviewTarget.Range r -> "range";
    };
    return linked.thenCompose(issue -> {
      Optional<ReviewRange> range;
      try {
        range = workspace.get().resolve(target);
      } catch (dev.turboagents.actors.tools.workspace.WorkspaceException e) {
        return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.INVALID, field, e.getMessage()));
      }
      if (range.isEmpty()) {
        return CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, field, switch (target) {
          case ReviewTarget.JobBranch j -> "job " + j.jobId() + " has no branch " + dev.turboagents.actors.tools.workspace
              .Workspace.branch(j.jobId()) + " in the workspace (it has not committed)";
          case ReviewTarget.Branch b -> "the workspace has no branch '" + b.name() + "'";
          case ReviewTarget.Range r -> "a revision of range " + r.from() + ".." + r.to() + " does not exist in the workspace";
        }));
      }
      String input = new ReviewAgent.Request(target, range.get(), focus.isEmpty() ? List.of(ReviewFindings.Focus.values())
          : focus).json();
      return submit(ReviewAgent.NAME, issue, Optional.empty(), Optional.of(input), budget, requestedBy);
    });
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
        AsyncFailure.cause(e) instanceof TrackerRejection r && r.reason() == TrackerRejection.Reason.NOT_FOUND
            ? new JobRefusal(JobRefusal.Kind.NOT_FOUND, "issue_id", r.getMessage()) : AsyncFailure.cause(e)));
  }

  public CompletionStage<Job> job(String id) {
    return ask(r -> new Coordinator.Get(id, r)).exceptionallyCompose(e -> CompletableFuture.failedFuture(
        new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", AsyncFailure.cause(e).getMessage())));
  }

  /** Every job {@code filter} matches, newest first, without their steps (from the read side: no entity is woken). */
  public CompletionStage<List<Job>> jobs(JobFilter filter) {
    return page(filter, 0, Integer.MAX_VALUE).thenApply(JobIndex.Page::jobs);
  }

  /** One page of the jobs {@code filter} matches, newest first, without their steps, and how many match in all. */
  public CompletionStage<JobIndex.Page> page(JobFilter filter, int offset, int limit) {
    JobIndex.Filter f = new JobIndex.Filter(filter.status(), filter.agent(), filter.issueId());
    return AskPattern.<JobIndex.Command, JobIndex.Page>ask(index, r -> new JobIndex.ListJobs(f, offset, limit, r),
        settings.askTimeout(), system.scheduler());
  }

  public CompletionStage<Job> cancel(String id, String who) {
    return ask(r -> new Coordinator.Cancel(id, "cancelled by " + who, r)).exceptionallyCompose(e ->
        CompletableFuture.failedFuture(new JobRefusal(JobRefusal.Kind.NOT_FOUND, "id", AsyncFailure.cause(e).getMessage())));
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
   * The model's tokens of job {@code id}: the current turn's so far, then as they come, until its
   * runner ends (a job that ended lately gives its last turn; nothing for one not running). They are not journalled: {@link #events} has each whole turn.
   */
  public Source<Delta, NotUsed> tokens(String id) {
    return tokens.follow(id);
  }

  /** The workspace the code and review agents work in, when one is configured. */
  public Optional<Workspace> workspace() {
    return workspace;
  }

  /** As {@link #tokens(String)}, also ending once {@code until} completes (what came by then is delivered). */
  public Source<Delta, NotUsed> tokens(String id, CompletionStage<?> until) {
    return tokens.follow(id, until);
  }

  public boolean hasWorkspace() {
    return workspace.isPresent();
  }

  /** The workspace's code index (the one search_codebase searches): state, files, chunks, commit. */
  public WorkspaceCodeIndex codeIndex() {
    return workspaceIndex;
  }

  private CompletionStage<Job> ask(Function<ActorRef<StatusReply<Job>>, Coordinator.Command> command) {
    return AskPattern.askWithStatus(coordinator, command::apply, settings.askTimeout(), system.scheduler());
  }
}
