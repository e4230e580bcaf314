package dev.turboagents.actors.workflows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.agents.AgentJobs;
import dev.turboagents.actors.agents.CodeAgent;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.workspace.DiffStat;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.actors.workflows.ImplementAndReview.Kind;
import dev.turboagents.actors.workflows.ImplementAndReview.Step;
import dev.turboagents.actors.workflows.ImplementAndReview.StepOutcome;
import dev.turboagents.actors.workflows.ImplementAndReview.Workflow;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

/**
 * The workflow's steps done by the agents: code and review jobs through {@link AgentJobs}, the gate
 * against the workspace, the result comment through the tracker with an idempotency key.
 */
final class AgentSteps implements ImplementAndReview.Steps {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final AgentJobs agents;
  private final Tracker tracker;
  private final Optional<Workspace> workspace;
  private final List<String> blocking;

  AgentSteps(AgentJobs agents, Tracker tracker, Optional<Workspace> workspace, List<String> blocking) {
    this.agents = agents;
    this.tracker = tracker;
    this.workspace = workspace;
    this.blocking = blocking;
  }

  public CompletionStage<Job> start(Workflow w, Step step, String key) {
    return switch (step.kind()) {
      case IMPLEMENT -> agents.implement(w.issueId(), Optional.empty(), AgentJobs.BudgetOverride.NONE, key);
      case REVIEW -> agents.review(new ReviewTarget.JobBranch(codeJob(w)), List.of(), Optional.of(w.issueId()),
          AgentJobs.BudgetOverride.NONE, key);
      case REVISE -> {
        String review = w.last(Kind.REVIEW).flatMap(Step::jobId).orElseThrow();
        yield agents.job(review).thenCompose(r -> agents.submit(CodeAgent.NAME, Optional.of(w.issueId()),
            Optional.of(revisionContext(r)), Optional.of(CodeAgent.revisionInput(codeJob(w))), AgentJobs.BudgetOverride.NONE,
            key));
      }
      default -> throw new IllegalArgumentException(step.kind() + " runs no job");
    };
  }

  /** The newest code job that finished: the one a review reviews and a revision carries on. */
  private static String codeJob(Workflow w) {
    Optional<Step> revise = w.last(Kind.REVISE);
    Optional<Step> implement = w.last(Kind.IMPLEMENT);
    Step newest = revise.filter(r -> implement.isEmpty() || r.round() >= implement.get().round()).orElse(implement.orElseThrow());
    return newest.jobId().orElseThrow();
  }

  /** The review's findings as the revision's context: what to fix, where. */
  private String revisionContext(Job review) {
    StringBuilder out = new StringBuilder("Revise your earlier change (review job " + review.id() + "). The review said: "
        + summary(review) + "\nFix these findings:\n");
    for (JsonNode f : findings(review)) {
      out.append("- ").append(f.path("severity").asText()).append(' ').append(f.path("file").asText()).append(':')
          .append(f.path("line").asInt()).append(' ').append(f.path("message").asText()).append('\n');
    }
    return out.toString();
  }

  public CompletionStage<Optional<Job>> find(String issueId, String key) {
    return agents.jobs(new AgentJobs.JobFilter(Optional.empty(), Optional.empty(), Optional.of(issueId)))
        .thenApply(jobs -> jobs.stream().filter(j -> j.requestedBy().equals(key)).findFirst());
  }

  public CompletionStage<Job> job(String jobId) {
    return agents.job(jobId);
  }

  public CompletionStage<Job> cancel(String jobId, String reason) {
    return agents.cancel(jobId, reason);
  }

  public StepOutcome coded(Job code) {
    if (code.status() == JobStatus.SUCCEEDED && code.branch().isPresent()) {
      return new StepOutcome(true, "committed " + code.commit().map(c -> c.substring(0, Math.min(7, c.length()))).orElse("")
          + " on " + code.branch().get() + "; the tests pass", 0, code.branch());
    }
    return new StepOutcome(false, "code job " + code.id() + " " + code.status().label() + ": "
        + code.error().or(code::result).orElse("no reason given"), 0, Optional.empty());
  }

  public StepOutcome reviewed(Job review) {
    if (review.status() != JobStatus.SUCCEEDED) {
      return new StepOutcome(false, "review job " + review.id() + " " + review.status().label() + ": "
          + review.error().orElse("no reason given"), 0, Optional.empty());
    }
    int blockingFindings = 0;
    int all = 0;
    for (JsonNode f : findings(review)) {
      all++;
      blockingFindings += blocking.contains(f.path("severity").asText()) ? 1 : 0;
    }
    return new StepOutcome(true, all + " findings, " + blockingFindings + " blocking (" + String.join(", ", blocking) + "): "
        + summary(review), blockingFindings, Optional.empty());
  }

  public CompletionStage<StepOutcome> gate(Workflow w) {
    try {
      return java.util.concurrent.CompletableFuture.completedFuture(check(w));
    } catch (RuntimeException e) {
      return java.util.concurrent.CompletableFuture.failedFuture(e);
    }
  }

  /** Passes when the newest code job committed, its branch is in the workspace and the newest review blocks nothing. */
  private StepOutcome check(Workflow w) {
    Optional<Step> code = w.steps().stream().filter(s -> s.kind() == Kind.IMPLEMENT || s.kind() == Kind.REVISE)
        .reduce((a, b) -> b);
    if (code.isEmpty() || !code.get().outcome().map(StepOutcome::ok).orElse(false)) {
      return new StepOutcome(false, "the quality gate failed: " + code.flatMap(Step::outcome).map(StepOutcome::detail)
          .orElse("no code was written"), 0, Optional.empty());
    }
    String job = code.get().jobId().orElseThrow();
    if (workspace.isEmpty() || workspace.get().branchTip(job).isEmpty()) {
      return new StepOutcome(false, "the quality gate failed: branch " + Workspace.branch(job)
          + " is not in the workspace", 0, Optional.empty());
    }
    Optional<StepOutcome> review = w.last(Kind.REVIEW).flatMap(Step::outcome);
    if (review.isEmpty() || !review.get().ok()) {
      return new StepOutcome(false, "the quality gate failed: " + review.map(StepOutcome::detail).orElse("no review ran"),
          0, Optional.empty());
    }
    if (review.get().blocking() > 0) {
      return new StepOutcome(false, "the quality gate failed: " + review.get().blocking() + " blocking findings are left after "
          + w.maxRounds() + " review rounds", 0, Optional.empty());
    }
    return new StepOutcome(true, "the quality gate passed: tests pass on " + Workspace.branch(job)
        + " and the review leaves no blocking finding", 0, Optional.of(Workspace.branch(job)));
  }

  public CompletionStage<String> comment(Workflow w, String key) {
    StepOutcome gate = w.last(Kind.GATE).flatMap(Step::outcome).orElseThrow();
    StringBuilder text = new StringBuilder("Implement-and-review workflow " + w.id() + ": "
        + (gate.ok() ? "done" : "not done") + " after " + w.round() + " of at most " + w.maxRounds() + " review rounds.\n\n"
        + gate.detail() + ".\n");
    w.branch().ifPresent(b -> text.append("\nBranch: ").append(b).append('\n'));
    w.last(Kind.IMPLEMENT).or(() -> w.last(Kind.REVISE)).ifPresent(x -> {
      diffStat(w).ifPresent(d -> text.append("Diff: ").append(d.files().size()).append(" files, +").append(d.added())
          .append(" -").append(d.deleted()).append('\n').append(d.files().stream().map(f -> "  " + f.path() + " +" + f.added()
              + " -" + f.deleted()).collect(Collectors.joining("\n"))).append('\n'));
    });
    w.last(Kind.REVIEW).flatMap(Step::outcome).ifPresent(r -> text.append("\nReview: ").append(r.detail()).append('\n'));
    text.append("\nSteps: ").append(w.steps().stream().filter(s -> s.kind().runsAJob()).map(s -> s.kind().wire() + " "
        + s.jobId().orElse("-")).collect(Collectors.joining(", ")));
    String body = text.toString();
    return CodeTools.commentOnce(tracker, w.issueId(), body, "agent:workflow", key).thenApply(c -> body);
  }

  private Optional<DiffStat> diffStat(Workflow w) {
    try {
      String job = codeJob(w);
      return workspace.flatMap(ws -> ws.resolve(new ReviewTarget.JobBranch(job)).map(ws::diffStat));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String summary(Job review) {
    return output(review).path("summary").asText(review.result().orElse(""));
  }

  private static JsonNode findings(Job review) {
    return output(review).path("findings");
  }

  private static JsonNode output(Job job) {
    try {
      return job.output().isPresent() ? JSON.readTree(job.output().get()) : JSON.createObjectNode();
    } catch (java.io.IOException e) {
      return JSON.createObjectNode();
    }
  }
}
