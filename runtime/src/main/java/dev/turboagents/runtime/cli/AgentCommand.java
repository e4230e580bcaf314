package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code turbo-agents agent implement <issue-id>}, {@code agent review <job-id | --branch B | --range A..B>},
 * {@code agent triage [--all-new | ids...]}, {@code agent summarize <issue-id>}: start an agent's job on a running daemon.
 */
@Command(name = "agent", mixinStandardHelpOptions = true, description = "Start agent jobs.",
    subcommands = {AgentCommand.Implement.class, AgentCommand.Review.class, AgentCommand.Triage.class,
        AgentCommand.Summarize.class})
public final class AgentCommand extends CommandGroup {

  /** Posts a job request, prints the job it started, and with {@code watch} follows it until it ends. */
  static int start(ClientOptions options, String path, Map<String, Object> body, boolean watch) {
    return start(options, path, body, watch, r -> "job " + r.path("job_id").asText() + " " + r.path("status").asText() + "\n");
  }

  /**
   * As {@link #start(ClientOptions, String, Map, boolean)}, printing what {@code render} makes of
   * the reply; a reply without a job (nothing to do) is not followed.
   */
  static int start(ClientOptions options, String path, Map<String, Object> body, boolean watch,
      Function<JsonNode, String> render) {
    body.put("requested_by", "cli:" + System.getProperty("user.name", "user"));
    String[] id = {null};
    int code = IssueCommand.send(options, new IssueCommand.ClientCall() {
      public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
        JsonNode r = c.post(path, body);
        id[0] = r.path("job_id").isTextual() ? r.path("job_id").asText() : null;
        return r;
      }

      public String render(JsonNode r) {
        return render.apply(r);
      }
    });
    return code == 0 && watch && id[0] != null ? JobCommand.watch(options, id[0]) : code;
  }

  @Command(name = "implement", mixinStandardHelpOptions = true,
      description = "The code agent implements an issue in its own checkout; a commit on agents/<job-id> when the tests pass.")
  static final class Implement implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the issue's id") String issueId;
    @Option(names = "--context", description = "extra context for the agent") String context;
    @Option(names = "--max-steps", description = "model turns this job may take") Integer maxSteps;
    @Option(names = "--max-wall-time", description = "seconds this job may take") Long maxWallTime;
    @Option(names = "--max-tokens", description = "tokens this job may spend") Long maxTokens;
    @Option(names = "--watch", description = "follow the job's events until it ends") boolean watch;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("issue_id", issueId);
      if (context != null) {
        body.put("context", context);
      }
      Map<String, Object> budget = new LinkedHashMap<>();
      if (maxSteps != null) {
        budget.put("max_steps", maxSteps);
      }
      if (maxWallTime != null) {
        budget.put("max_wall_time_seconds", maxWallTime);
      }
      if (maxTokens != null) {
        budget.put("max_tokens", maxTokens);
      }
      if (!budget.isEmpty()) {
        body.put("budget", budget);
      }
      return start(options, "/agents/code/implement", body, watch);
    }
  }

  @Command(name = "review", mixinStandardHelpOptions = true,
      description = "The review agent reviews an agent job's branch, a branch or a commit range of the workspace; "
          + "findings in the job's output and as one comment on the linked issue.")
  static final class Review implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", arity = "0..1", description = "the id of the agent job whose branch agents/<job-id> is reviewed")
    String jobId;
    @Option(names = "--branch", description = "a branch of the workspace") String branch;
    @Option(names = "--range", description = "a commit range A..B of the workspace") String range;
    @Option(names = "--focus", split = ",", description = "what to look at: correctness, security, performance, tests, "
        + "style, maintainability, documentation (default all)") java.util.List<String> focus;
    @Option(names = "--issue", description = "the issue to comment on (default: the reviewed job's issue)") String issue;
    @Option(names = "--max-steps", description = "model turns this job may take") Integer maxSteps;
    @Option(names = "--watch", description = "follow the job's events until it ends") boolean watch;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      if (jobId != null) {
        body.put("pr_id", jobId);
      }
      if (branch != null) {
        body.put("branch", branch);
      }
      if (range != null) {
        body.put("range", range);
      }
      if (focus != null) {
        body.put("focus", focus);
      }
      if (issue != null) {
        body.put("issue_id", issue);
      }
      if (maxSteps != null) {
        body.put("budget", Map.of("max_steps", maxSteps));
      }
      return start(options, "/agents/review/analyze", body, watch);
    }
  }

  @Command(name = "triage", mixinStandardHelpOptions = true,
      description = "The issue agent triages issues: labels, a priority with its reason, likely duplicates (linked or suggested).")
  static final class Triage implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Option(names = "--all-new", description = "every issue no triage has seen yet") boolean allNew;
    @Option(names = "--comment", description = "comment the decision on each issue") boolean comment;
    @Option(names = "--watch", description = "follow the job's events until it ends") boolean watch;
    @Parameters(arity = "0..*", description = "the ids of the issues to triage") java.util.List<String> ids;

    @Override
    public Integer call() {
      boolean listed = ids != null && !ids.isEmpty();
      if (allNew == listed) {
        System.err.println("give either --all-new or the ids of the issues to triage");
        return 2;
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("batch", allNew ? "new_issues" : ids);
      body.put("auto_comment", comment);
      return start(options, "/agents/issue/triage", body, watch, r -> r.path("job_id").isTextual()
          ? "job " + r.path("job_id").asText() + " " + r.path("status").asText() + " (" + r.path("issue_ids").size()
              + " issues)\n"
          : "nothing new to triage\n");
    }
  }

  @Command(name = "summarize", mixinStandardHelpOptions = true,
      description = "The issue agent summarises an issue's history (events, comments, jobs) for someone resuming work on it.")
  static final class Summarize implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the issue's id") String issueId;
    @Option(names = "--watch", description = "follow the job's events until it ends") boolean watch;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("issue_id", issueId);
      return start(options, "/agents/issue/summarize", body, watch);
    }
  }
}
