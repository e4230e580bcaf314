package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.ToolResult;
import dev.turboagents.actors.tools.process.Command;
import dev.turboagents.actors.tools.process.ProcessRunner;
import dev.turboagents.actors.tools.workspace.CommitKey;
import dev.turboagents.actors.tools.workspace.CommitOutcome;
import dev.turboagents.actors.tools.workspace.CommitSummary;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.config.ToolSettings;
import dev.turboagents.actors.tools.workspace.WorkspaceCodeIndex;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.code.CodeIndexReport;
import dev.turboagents.persistence.graph.GraphContext;
import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The seed's Code Agent: its task is the issue, related context from the knowledge graph and the
 * main branch's recent commits; it works in the job's own checkout; its quality gate commits on
 * {@code agents/<job-id>} (with the job/step key as a trailer) only when the configured tests (and
 * the linter, if configured) pass, and comments on the issue either way.
 */
public final class CodeAgent implements Agent {
  public static final String NAME = "code";

  private final String model;
  private final List<ToolSpec> tools;
  private final Workspace workspace;
  private final ToolSettings toolSettings;
  private final ProcessRunner runner;
  private final Tracker tracker;
  private final CompletionStage<Graph> graph;
  private final PromptTemplates prompts;
  private final Duration serviceTimeout;
  private final int contextTokens;
  private final WorkspaceCodeIndex codeIndex;
  private final PastDecisions pastDecisions;

  /**
   * @param codeIndex the workspace's code index: the job's checkout is indexed when the job starts and
   *     after its commit (incrementally, by blob id), waiting at most {@code serviceTimeout}
   */
  public CodeAgent(String model, List<ToolSpec> tools, Workspace workspace, ToolSettings toolSettings,
      ProcessRunner runner, Tracker tracker, CompletionStage<Graph> graph, PromptTemplates prompts,
      Duration serviceTimeout, int contextTokens, WorkspaceCodeIndex codeIndex, PastDecisions pastDecisions) {
    this.pastDecisions = pastDecisions;
    this.codeIndex = codeIndex;
    this.model = model;
    this.tools = tools;
    this.workspace = workspace;
    this.toolSettings = toolSettings;
    this.runner = runner;
    this.tracker = tracker;
    this.graph = graph;
    this.prompts = prompts;
    this.serviceTimeout = serviceTimeout;
    this.contextTokens = contextTokens;
  }

  public String name() {
    return NAME;
  }

  public String role() {
    return "the code agent, an expert software engineer who changes a git repository to implement an issue";
  }

  public String model() {
    return model;
  }

  public List<ToolSpec> tools() {
    return tools;
  }

  public Task gather(Job job) throws Exception {
    Issue issue = await(tracker.issue(job.issueId().orElseThrow())).issue();
    List<String> sources = new ArrayList<>(List.of("issue " + issue.id()));
    String related;
    try {
      GraphContext context = graph.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .context(issue.title() + "\n" + issue.description(), contextTokens)
          .toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
      related = context.text().isBlank() ? "(nothing related in the knowledge graph)" : context.text();
      context.cited().forEach(c -> sources.add("graph " + c));
    } catch (Exception e) {
      related = "(the knowledge graph is not available: no related context)";
    }
    sources.add(index(checkoutOf(job)));
    List<CommitSummary> commits = workspace.recentCommits();
    sources.add(commits.size() + " recent commits of " + workspace.mainBranch());
    String recent = commits.stream().map(c -> c.shortId() + " " + c.subject() + " (" + c.author() + ")")
        .collect(Collectors.joining("\n"));
    PastDecisions.Found past = pastDecisions.on(issue.id());
    sources.addAll(past.sources());
    String text = prompts.render("code", Map.of(
        "past_decisions", past.text(),
        "issue_id", issue.id(),
        "issue_title", PromptTemplates.data(issue.title()),
        "issue_description", PromptTemplates.data(issue.description()),
        "semantic_search_results", PromptTemplates.data(related),
        "git_recent_commits", PromptTemplates.data(recent.isEmpty() ? "(none)" : recent),
        "extra_context", job.context().map(c -> "Context from the requester:\n<<<data\n" + PromptTemplates.data(c)
            + "\ndata>>>\n").orElse("")));
    return new Task(text, sources);
  }

  public Optional<JobCheckout> checkout(Job job) {
    return Optional.of(checkoutOf(job));
  }

  /** The input of a code job that revises another job's branch: {@code {"revises": "<job-id>"}}. */
  public static String revisionInput(String revisedJobId) {
    return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("revises", revisedJobId).toString();
  }

  /** The job's checkout; a revision's starts from the branch of the job it revises. */
  private JobCheckout checkoutOf(Job job) {
    Optional<String> revises = job.input().flatMap(CodeAgent::revised);
    return workspace.checkout(job.id(), revises.map(Workspace::branch));
  }

  private static Optional<String> revised(String input) {
    try {
      var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(input).path("revises");
      return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  public Finish finish(Job job, String answer, int step) throws Exception {
    JobCheckout checkout = checkoutOf(job);
    String issue = job.issueId().orElseThrow();
    CommitKey key = new CommitKey(job.id(), step);
    for (Optional<Command> command : List.of(Command.tests(toolSettings.commands()), Command.lint(toolSettings.commands()))) {
      if (command.isPresent()) {
        ToolResult outcome = CodeTools.outcome(runner.run(command.get(), checkout.directory()));
        if (!(outcome instanceof ToolResult.Ok)) {
          String what = "the " + command.get().name() + " " + outcome.text().lines().findFirst().orElse("failed");
          comment(issue, "The code agent (job " + job.id() + ") did not commit: " + what + ".\n\n```\n"
              + tail(outcome.text()) + "\n```", key);
          return new Finish.Failed("quality gate: " + what + " after the final answer; nothing was committed. Output:\n"
              + tail(outcome.text()));
        }
      }
    }
    List<String> files = checkout.diffStat().files().stream().map(f -> f.path()).toList();
    CommitOutcome commit = checkout.commit(firstLine(answer, "Implement issue " + issue) + "\n\nIssue: " + issue
        + "\n\n" + answer, key);
    Optional<CommitSummary> made = switch (commit) {
      case CommitOutcome.Committed c -> Optional.of(c.commit());
      case CommitOutcome.AlreadyCommitted c -> Optional.of(c.commit());
      case CommitOutcome.NothingToCommit n -> Optional.empty();
    };
    if (made.isEmpty()) {
      comment(issue, "The code agent (job " + job.id() + ") finished without changing any file: " + answer, key);
      return new Finish.Failed("the model answered that it was done but changed no file: nothing to commit");
    }
    index(checkout);
    comment(issue, "The code agent implemented this on branch " + checkout.branch() + " (commit "
        + made.get().shortId() + "); the tests pass.\n\n" + answer, key);
    return new Finish.Succeeded(answer, Optional.of(output(issue, checkout.branch(), made.get(), files, answer)),
        Optional.of(checkout.branch()), Optional.of(made.get().id()));
  }

  /** The files the commit changed and the job's outcome as a decision on the issue: what the graph learns. */
  private static String output(String issue, String branch, CommitSummary commit, List<String> files, String answer) {
    var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    var list = node.putArray("files");
    files.forEach(list::add);
    node.putArray("decisions").addObject().put("issue_id", issue)
        .put("title", "Implemented on " + branch + " (commit " + commit.shortId() + ")").put("text", answer);
    return node.toString();
  }

  private void comment(String issue, String text, CommitKey key) throws Exception {
    await(CodeTools.commentOnce(tracker, issue, text, "agent:" + NAME, key + "/gate"));
  }

  /**
   * Brings the code index up to the checkout's HEAD, waiting at most the service timeout (a large
   * first index goes on in the background); says how it went, for the job's context sources.
   */
  private String index(JobCheckout checkout) {
    try {
      CodeIndexReport report = codeIndex.index(checkout).toCompletableFuture()
          .get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
      String revision = report.revision();
      return "code index at " + revision.substring(0, Math.min(12, revision.length())) + ": " + report.files()
          + " files (" + report.indexed() + " indexed, " + report.unchanged() + " unchanged, " + report.chunks() + " chunks)";
    } catch (java.util.concurrent.TimeoutException e) {
      return "code index: still indexing (search_codebase sees more as it goes)";
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof IllegalStateException ? "code index: not available (search_codebase answers so)"
          : "code index: could not index (" + e.getCause().getMessage() + ")";
    } catch (Exception e) {
      return "code index: could not index (" + e.getMessage() + ")";
    }
  }

  private static String firstLine(String text, String fallback) {
    String line = text.lines().filter(l -> !l.isBlank()).findFirst().orElse(fallback).strip();
    return line.length() > 72 ? line.substring(0, 69) + "..." : line;
  }

  private static String tail(String text) {
    return text.length() <= 2000 ? text : "..." + text.substring(text.length() - 2000);
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
