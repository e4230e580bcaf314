package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.actors.tools.workspace.ReviewDiff;
import dev.turboagents.actors.tools.workspace.ReviewRange;
import dev.turboagents.actors.tools.workspace.ReviewTarget;
import dev.turboagents.actors.tools.workspace.Workspace;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.tracker.Tracker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The seed's Review Agent: reviews a change of the workspace (an agent job's branch, a branch, a
 * commit range), resolved to commits when it was asked for, in its own clone at the tip. Its answer
 * is findings in a fixed shape; each must point at a line the diff touches (the others are dropped
 * and counted). The findings go into the job's output and, as one comment, onto the linked issue.
 */
public final class ReviewAgent implements Agent {
  public static final String NAME = "review";
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Diff text put into the task itself; get_diff shows the rest. */
  private static final int DIFF_IN_TASK = 4000;

  /** What a review job is asked, as its input JSON keeps it. */
  public record Request(ReviewTarget target, ReviewRange range, List<ReviewFindings.Focus> focus) {

    public String json() {
      ObjectNode node = JSON.createObjectNode();
      switch (target) {
        case ReviewTarget.JobBranch j -> node.put("pr_id", j.jobId());
        case ReviewTarget.Branch b -> node.put("branch", b.name());
        case ReviewTarget.Range r -> node.put("range", r.from() + ".." + r.to());
      }
      node.put("reviewing", target.describe()).put("label", range.label()).put("base", range.base()).put("tip", range.tip());
      ArrayNode f = node.putArray("focus");
      focus.forEach(x -> f.add(x.wire()));
      return node.toString();
    }

    public static Request of(String json) throws IOException {
      JsonNode node = JSON.readTree(json);
      ReviewTarget target = node.hasNonNull("pr_id") ? new ReviewTarget.JobBranch(node.get("pr_id").asText())
          : node.hasNonNull("branch") ? new ReviewTarget.Branch(node.get("branch").asText())
          : ReviewTarget.Range.parse(node.path("range").asText()).orElseThrow(() -> new IOException("a review job's input "
              + "names no pr_id, branch or range: " + json));
      List<ReviewFindings.Focus> focus = new ArrayList<>();
      node.path("focus").forEach(f -> ReviewFindings.Focus.parse(f.asText()).ifPresent(focus::add));
      return new Request(target, new ReviewRange(node.path("label").asText(), node.path("base").asText(),
          node.path("tip").asText()), focus.isEmpty() ? List.of(ReviewFindings.Focus.values()) : List.copyOf(focus));
    }
  }

  private final String model;
  private final List<ToolSpec> tools;
  private final Workspace workspace;
  private final Tracker tracker;
  private final PromptTemplates prompts;
  private final Duration serviceTimeout;
  private final PastDecisions pastDecisions;
  private final Request request;

  public ReviewAgent(String model, List<ToolSpec> tools, Workspace workspace, Tracker tracker, PromptTemplates prompts,
      Duration serviceTimeout, PastDecisions pastDecisions, Job job) throws IOException {
    this.model = model;
    this.tools = tools;
    this.workspace = workspace;
    this.tracker = tracker;
    this.prompts = prompts;
    this.serviceTimeout = serviceTimeout;
    this.pastDecisions = pastDecisions;
    this.request = Request.of(job.input().orElseThrow(() -> new IOException("review job " + job.id() + " has no input")));
  }

  /** For the coordinator's map of agents: a job whose input cannot be read fails when its agent is built. */
  public static ReviewAgent of(String model, List<ToolSpec> tools, Workspace workspace, Tracker tracker,
      PromptTemplates prompts, Duration serviceTimeout, PastDecisions pastDecisions, Job job) {
    try {
      return new ReviewAgent(model, tools, workspace, tracker, prompts, serviceTimeout, pastDecisions, job);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public String name() {
    return NAME;
  }

  public String role() {
    return "the review agent, an expert reviewer who finds real problems in a change and points at the lines";
  }

  public String model() {
    return model;
  }

  public List<ToolSpec> tools() {
    return tools;
  }

  public Optional<JsonSchema> answerSchema(Job job) {
    return Optional.of(ReviewFindings.schema(request.focus()));
  }

  public Task gather(Job job) throws Exception {
    ReviewDiff diff = workspace.reviewDiff(checkout(job).orElseThrow());
    List<String> sources = new ArrayList<>(List.of(request.target().describe() + " at " + request.range().tip(),
        diff.files().size() + " changed files against " + request.range().base()));
    String issue = "";
    if (job.issueId().isPresent()) {
      Issue linked = await(tracker.issue(job.issueId().get())).issue();
      sources.add("issue " + linked.id());
      issue = "The change is for issue " + linked.id() + ":\n<<<data\n" + PromptTemplates.data(linked.title() + "\n"
          + linked.description()) + "\ndata>>>\n";
    }
    PastDecisions.Found past = job.issueId().map(pastDecisions::on).orElse(PastDecisions.Found.NONE);
    sources.addAll(past.sources());
    String text = diff.text().text();
    String shown = text.length() <= DIFF_IN_TASK ? text : text.substring(0, DIFF_IN_TASK) + "\n... (" + (text.length()
        - DIFF_IN_TASK) + " more characters: call get_diff)";
    return new Task(prompts.render("review", Map.of(
        "reviewing", request.target().describe(),
        "focus", request.focus().stream().map(ReviewFindings.Focus::wire).collect(Collectors.joining(", ")),
        "issue", issue,
        "files", PromptTemplates.data(diff.files().isEmpty() ? "(no changes)" : diff.summary()),
        "base", request.range().base().substring(0, Math.min(12, request.range().base().length())),
        "diff", PromptTemplates.data(shown.isEmpty() ? "(empty)" : shown),
        "past_decisions", past.text(),
        "severities", Arrays.stream(ReviewFindings.Severity.values()).map(ReviewFindings.Severity::wire)
            .collect(Collectors.joining("|")),
        "focus_choices", request.focus().stream().map(ReviewFindings.Focus::wire).collect(Collectors.joining("|")))), sources);
  }

  public Optional<JobCheckout> checkout(Job job) {
    return Optional.of(workspace.reviewCheckout(job.id(), request.range()));
  }

  public Finish finish(Job job, String answer, int step) throws Exception {
    ReviewDiff diff = workspace.reviewDiff(checkout(job).orElseThrow());
    ReviewFindings.Checked checked = ReviewFindings.check(JSON.readTree(answer), diff);
    String result = checked.kept().size() + " findings on " + request.target().describe()
        + (checked.dropped().isEmpty() ? "" : " (" + checked.dropped().size() + " dropped: they point at lines the change "
            + "does not touch)") + ". " + checked.summary();
    if (job.issueId().isPresent()) {
      await(CodeTools.commentOnce(tracker, job.issueId().get(), comment(checked), "agent:" + NAME, job.id() + "/review"));
    }
    return new Finish.Succeeded(result, Optional.of(output(job, checked)), Optional.empty(), Optional.empty());
  }

  private String comment(ReviewFindings.Checked checked) {
    StringBuilder out = new StringBuilder("Review of " + request.target().describe() + " (" + request.range().label()
        + ", " + short7(request.range().base()) + ".." + short7(request.range().tip()) + "): " + checked.summary() + "\n");
    if (checked.kept().isEmpty()) {
      out.append("\nNo findings.");
    }
    for (ReviewFindings.Finding f : checked.kept()) {
      out.append("\n- **").append(f.severity()).append("** [").append(f.focus()).append("] `").append(f.file()).append(':')
          .append(f.line()).append("`: ").append(f.message());
    }
    if (!checked.dropped().isEmpty()) {
      out.append("\n\n(").append(checked.dropped().size()).append(" more findings were dropped: they pointed at lines the "
          + "change does not touch.)");
    }
    return out.toString();
  }

  private String output(Job job, ReviewFindings.Checked checked) {
    ObjectNode node = JSON.createObjectNode();
    node.put("reviewing", request.target().describe()).put("base", request.range().base()).put("tip", request.range().tip());
    node.put("summary", checked.summary());
    node.set("findings", JSON.valueToTree(checked.kept()));
    node.put("dropped_findings", checked.dropped().size());
    node.set("dropped", JSON.valueToTree(checked.dropped()));
    ObjectNode decision = node.putArray("decisions").addObject();
    job.issueId().ifPresent(i -> decision.put("issue_id", i));
    decision.put("title", "Review of " + request.target().describe() + ": " + checked.kept().size() + " findings");
    decision.put("text", checked.summary() + checked.kept().stream().map(f -> "\n" + f.severity() + " " + f.file() + ":"
        + f.line() + " " + f.message()).collect(Collectors.joining()));
    return node.toString();
  }

  private static String short7(String id) {
    return id.substring(0, Math.min(7, id.length()));
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
