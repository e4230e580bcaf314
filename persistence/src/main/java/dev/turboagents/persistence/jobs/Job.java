package dev.turboagents.persistence.jobs;

import dev.turboagents.persistence.CborSerializable;
import dev.turboagents.persistence.jobs.JobEntity.Step;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A job as its events made it: who asked what of which agent, every step so far, what it spent,
 * and how it ended.
 *
 * @param issueId the issue the job works on (empty for agents that work on none)
 * @param steps the job's record in order: context, model turns, tool calls, condensation summaries
 * @param input the agent's own request as a JSON object, when it takes one (see {@link JobEntity.Accept})
 * @param result the final answer of a job that succeeded
 * @param output the result as structured JSON, when the agent gives one
 * @param error why a job failed or was cancelled, in words a user can act on
 * @param branch where the job's commits are ({@code agents/<job-id>}), once it committed
 */
public record Job(String id, String agent, Optional<String> issueId, Optional<String> context, Optional<String> input,
    String requestedBy, JobBudget budget, JobStatus status, Optional<String> waitingFor, Instant acceptedAt,
    Instant updatedAt, List<Step> steps, JobUsage usage, Optional<String> result, Optional<String> output,
    Optional<String> error, Optional<String> branch, Optional<String> commit) implements CborSerializable {

  static Job accepted(String id, JobEntity.JobAccepted e) {
    return new Job(id, e.agent(), e.issueId(), e.context(), e.input(), e.requestedBy(), e.budget(), JobStatus.QUEUED,
        Optional.empty(), e.at(), e.at(), List.of(), JobUsage.NONE, Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** This job without its steps (its usage keeps their sums): what a listing needs. */
  public Job withoutSteps() {
    return steps.isEmpty() ? this : new Job(id, agent, issueId, context, input, requestedBy, budget, status, waitingFor,
        acceptedAt, updatedAt, List.of(), usage, result, output, error, branch, commit);
  }

  /** The number of the next model turn (1-based): the step part of a side effect's key. */
  public int nextTurn() {
    return usage.turns() + 1;
  }

  /** The newest condensation summary, if the conversation was condensed. */
  public Optional<JobEntity.Condensed> lastCondensation() {
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (steps.get(i) instanceof JobEntity.Condensed c) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }

  Job apply(JobEntity.Event event) {
    Instant at = event.at();
    return switch (event) {
      case JobEntity.JobAccepted e -> this;
      case JobEntity.JobRunning e -> with(JobStatus.RUNNING, Optional.empty(), at);
      case JobEntity.JobWaiting e -> with(JobStatus.WAITING, Optional.of(e.reason()), at);
      case JobEntity.JobSucceeded e -> new Job(id, agent, issueId, context, input, requestedBy, budget,
          JobStatus.SUCCEEDED, Optional.empty(), acceptedAt, at, steps, usage, Optional.of(e.result()), e.output(),
          Optional.empty(), e.branch(), e.commit());
      case JobEntity.JobFailed e -> ended(JobStatus.FAILED, e.reason(), at);
      case JobEntity.JobCancelled e -> ended(JobStatus.CANCELLED, e.reason(), at);
      case Step step -> withStep(step, at);
    };
  }

  private Job with(JobStatus next, Optional<String> waiting, Instant at) {
    return new Job(id, agent, issueId, context, input, requestedBy, budget, next, waiting, acceptedAt, at, steps,
        usage, result, output, error, branch, commit);
  }

  private Job ended(JobStatus next, String reason, Instant at) {
    return new Job(id, agent, issueId, context, input, requestedBy, budget, next, Optional.empty(), acceptedAt, at,
        steps, usage, result, output, Optional.of(reason), branch, commit);
  }

  private Job withStep(Step step, Instant at) {
    List<Step> more = new ArrayList<>(steps);
    more.add(step);
    JobUsage u = switch (step) {
      case JobEntity.ModelTurned t -> new JobUsage(usage.turns() + 1, usage.toolCalls(),
          usage.promptTokens() + t.promptTokens(), usage.answerTokens() + t.answerTokens(),
          usage.modelMillis() + t.durationMillis());
      case JobEntity.ToolCalled t -> new JobUsage(usage.turns(), usage.toolCalls() + 1, usage.promptTokens(),
          usage.answerTokens(), usage.modelMillis());
      default -> usage;
    };
    return new Job(id, agent, issueId, context, input, requestedBy, budget, status, waitingFor, acceptedAt, at,
        List.copyOf(more), u, result, output, error, branch, commit);
  }
}
