package dev.turboagents.http.agents;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.turboagents.http.ApiJson;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the agents API shows of a job: API records, never the entity's state or events themselves. */
final class AgentViews {
  private AgentViews() {}

  record Accepted(String jobId, String status) {}

  /** A triage request's answer: its job and the issues it covers (no job, status nothing_new: no issue is new). */
  record TriageAccepted(Optional<String> jobId, String status, List<String> issueIds) {}

  record BudgetView(int maxSteps, long maxWallTimeSeconds, long maxTokens) {}

  record UsageView(int turns, int toolCalls, long promptTokens, long answerTokens, long tokens, long modelMs) {}

  /**
   * One step of a job, or (in the event stream) one state change. {@code type}: context, turn, tool,
   * condensed, or the state events accepted, running, waiting, succeeded, failed, cancelled. Only
   * the fields the step has are written (not twenty nulls in every event of a stream).
   */
  @JsonInclude(JsonInclude.Include.NON_ABSENT)
  record StepView(String type, Optional<Integer> step, Optional<String> model, Optional<String> mode,
      Optional<String> kind, Optional<String> asked, Optional<String> answer, Optional<String> correction,
      Optional<Integer> promptTokens, Optional<Integer> answerTokens, Optional<Long> durationMs,
      Optional<String> tool, Optional<String> arguments, Optional<String> outcome, Optional<String> result,
      Optional<String> summary, Optional<String> task, Optional<List<String>> sources, Optional<String> reason,
      Instant at) {

    static StepView of(JobEntity.Event event) {
      StepView v = new StepView(name(event), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
          Optional.empty(), Optional.empty(), event.at());
      return switch (event) {
        case JobEntity.ModelTurned t -> new StepView(v.type, Optional.of(t.step()), Optional.of(t.model()),
            Optional.of(t.mode()), Optional.of(t.kind().name().toLowerCase()), Optional.of(t.asked()),
            Optional.of(t.answer()), t.correction(), Optional.of(t.promptTokens()), Optional.of(t.answerTokens()),
            Optional.of(t.durationMillis()), v.tool, v.arguments, v.outcome, v.result, v.summary, v.task, v.sources,
            v.reason, v.at);
        case JobEntity.ToolCalled c -> new StepView(v.type, Optional.of(c.step()), v.model, v.mode, v.kind, v.asked,
            v.answer, v.correction, v.promptTokens, v.answerTokens, Optional.of(c.durationMillis()),
            Optional.of(c.tool()), Optional.of(c.arguments()), Optional.of(c.outcome()), Optional.of(c.result()),
            v.summary, v.task, v.sources, v.reason, v.at);
        case JobEntity.Condensed c -> new StepView(v.type, Optional.of(c.throughStep()), v.model, v.mode, v.kind,
            v.asked, v.answer, v.correction, v.promptTokens, v.answerTokens, v.durationMs, v.tool, v.arguments,
            v.outcome, v.result, Optional.of(c.summary()), v.task, v.sources, v.reason, v.at);
        case JobEntity.ContextGathered c -> new StepView(v.type, v.step, v.model, v.mode, v.kind, v.asked, v.answer,
            v.correction, v.promptTokens, v.answerTokens, v.durationMs, v.tool, v.arguments, v.outcome, v.result,
            v.summary, Optional.of(c.task()), Optional.of(c.sources()), v.reason, v.at);
        case JobEntity.JobWaiting w -> withReason(v, w.reason());
        case JobEntity.JobFailed f -> withReason(v, f.reason());
        case JobEntity.JobCancelled c -> withReason(v, c.reason());
        case JobEntity.JobSucceeded s -> new StepView(v.type, v.step, v.model, v.mode, v.kind, v.asked, v.answer,
            v.correction, v.promptTokens, v.answerTokens, v.durationMs, v.tool, v.arguments, v.outcome,
            Optional.of(s.result()), v.summary, v.task, v.sources, v.reason, v.at);
        default -> v;
      };
    }

    private static StepView withReason(StepView v, String reason) {
      return new StepView(v.type, v.step, v.model, v.mode, v.kind, v.asked, v.answer, v.correction, v.promptTokens,
          v.answerTokens, v.durationMs, v.tool, v.arguments, v.outcome, v.result, v.summary, v.task, v.sources,
          Optional.of(reason), v.at);
    }

    static String name(JobEntity.Event event) {
      return switch (event) {
        case JobEntity.JobAccepted e -> "accepted";
        case JobEntity.JobRunning e -> "running";
        case JobEntity.JobWaiting e -> "waiting";
        case JobEntity.JobSucceeded e -> "succeeded";
        case JobEntity.JobFailed e -> "failed";
        case JobEntity.JobCancelled e -> "cancelled";
        case JobEntity.ContextGathered e -> "context";
        case JobEntity.ModelTurned e -> "turn";
        case JobEntity.ToolCalled e -> "tool";
        case JobEntity.Condensed e -> "condensed";
      };
    }
  }

  /** {@code input} and {@code output}: the agent's request and structured result, as JSON values. */
  record JobView(String id, String agent, String status, Optional<String> issueId, Optional<String> context,
      Optional<JsonNode> input, String requestedBy, Optional<String> branch, Optional<String> commit,
      Optional<String> result, Optional<JsonNode> output, Optional<String> error, Optional<String> waitingFor,
      BudgetView budget, UsageView usage, List<StepView> steps, Instant acceptedAt, Instant updatedAt) {

    static JobView of(Job j) {
      return new JobView(j.id(), j.agent(), j.status().label(), j.issueId(), j.context(), j.input().map(AgentViews::json),
          j.requestedBy(), j.branch(), j.commit(), j.result(), j.output().map(AgentViews::json), j.error(), j.waitingFor(),
          new BudgetView(j.budget().maxSteps(), j.budget().maxWallTime().toSeconds(), j.budget().maxTokens()),
          new UsageView(j.usage().turns(), j.usage().toolCalls(), j.usage().promptTokens(), j.usage().answerTokens(),
              j.usage().tokens(), j.usage().modelMillis()),
          j.steps().stream().map(StepView::of).toList(), j.acceptedAt(), j.updatedAt());
    }
  }

  /** A job in a listing: without its steps. */
  record JobSummary(String id, String agent, String status, Optional<String> issueId, Optional<String> branch,
      Optional<String> error, UsageView usage, Instant acceptedAt, Instant updatedAt) {
    static JobSummary of(Job j) {
      JobView v = JobView.of(j);
      return new JobSummary(v.id(), v.agent(), v.status(), v.issueId(), v.branch(), v.error(), v.usage(),
          v.acceptedAt(), v.updatedAt());
    }
  }

  record JobList(List<JobSummary> jobs) {}

  /** JSON the job keeps as text, as a JSON value (text that does not parse is shown as a string). */
  private static JsonNode json(String text) {
    try {
      return ApiJson.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      return TextNode.valueOf(text);
    }
  }
}
