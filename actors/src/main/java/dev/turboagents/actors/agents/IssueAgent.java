package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.issues.AllowedLabels;
import dev.turboagents.actors.issues.IssueTracker;
import dev.turboagents.actors.issues.SimilarIssues;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.config.TriageSettings;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.jobs.Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The seed's Issue Agent: triage and summaries. Its job's {@code input} says which:
 * {@code {"action": "triage", "issue_ids": [...], "auto_comment": bool, "allowed_labels": [...]}}
 * or {@code {"action": "summarize", "issue_id": ...}}.
 *
 * <p>Triage asks the model for one decision per issue in a final answer whose schema enumerates the
 * batch's ids, the allowed labels and the priorities, so a small model cannot answer outside them.
 * Then it applies them: labels (added to the issue's own) and priority, a duplicate_of link to an
 * older issue the graph finds at or above the link confidence (suggestions above the suggest
 * confidence), a comment when asked, and the tracker's triage mark. Every write carries the key
 * {@code <job>/<step>/<issue>/...}, so a resumed job writes each once.
 */
public final class IssueAgent implements Agent {
  public static final String NAME = "issue";
  public static final List<String> PRIORITIES = List.of("low", "medium", "high", "critical");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final String model;
  private final List<ToolSpec> tools;
  private final IssueTracker tracker;
  private final CompletionStage<Graph> graph;
  private final PromptTemplates prompts;
  private final TriageSettings triage;
  private final Duration serviceTimeout;
  private final Function<String, CompletionStage<List<Job>>> jobsOf;
  private final PastDecisions pastDecisions;

  /**
   * @param jobsOf the agent jobs on an issue, for a summary
   * @param pastDecisions the graph's decisions on an issue and its related ones, for a summary
   */
  public IssueAgent(String model, List<ToolSpec> tools, IssueTracker tracker, CompletionStage<Graph> graph,
      PromptTemplates prompts, TriageSettings triage, Duration serviceTimeout,
      Function<String, CompletionStage<List<Job>>> jobsOf, PastDecisions pastDecisions) {
    this.model = model;
    this.tools = tools;
    this.tracker = tracker;
    this.graph = graph;
    this.prompts = prompts;
    this.triage = triage;
    this.serviceTimeout = serviceTimeout;
    this.jobsOf = jobsOf;
    this.pastDecisions = pastDecisions;
  }

  /** The input of a triage job. */
  public static String triageInput(List<String> issueIds, boolean autoComment, List<String> allowedLabels, JsonNode batch) {
    ObjectNode input = NODES.objectNode().put("action", "triage").put("auto_comment", autoComment);
    issueIds.forEach(input.putArray("issue_ids")::add);
    allowedLabels.forEach(input.putArray("allowed_labels")::add);
    input.set("batch", batch);
    return input.toString();
  }

  public static String summarizeInput(String issueId) {
    return NODES.objectNode().put("action", "summarize").put("issue_id", issueId).toString();
  }

  public String name() {
    return NAME;
  }

  public String role() {
    return "the issue agent, who triages a software project's issues (labels, priority, duplicates) and summarises "
        + "their history";
  }

  public String model() {
    return model;
  }

  public List<ToolSpec> tools() {
    return tools;
  }

  public Optional<JobCheckout> checkout(Job job) {
    return Optional.empty();
  }

  public Optional<JsonSchema> answerSchema(Job job) {
    JsonNode input = input(job);
    if (!isTriage(input)) {
      return Optional.empty();
    }
    List<String> ids = strings(input.path("issue_ids"));
    ObjectNode decision = NODES.objectNode().put("type", "object");
    ObjectNode p = decision.putObject("properties");
    ids.forEach(p.putObject("issue_id").put("type", "string").putArray("enum")::add);
    ObjectNode labels = p.putObject("labels").put("type", "array").put("maxItems", 3);
    strings(input.path("allowed_labels")).forEach(labels.putObject("items").put("type", "string").putArray("enum")::add);
    PRIORITIES.forEach(p.putObject("priority").put("type", "string").putArray("enum")::add);
    p.putObject("reason").put("type", "string").put("description", "why this priority, in one line");
    p.putObject("comment").put("type", "string").put("description", "a short helpful comment for the issue's author");
    decision.putArray("required").add("issue_id").add("labels").add("priority").add("reason");
    ObjectNode schema = NODES.objectNode().put("type", "object");
    ObjectNode decisions = schema.putObject("properties").putObject("decisions").put("type", "array")
        .put("minItems", 1).put("maxItems", ids.size());
    decisions.set("items", decision);
    schema.putArray("required").add("decisions");
    return Optional.of(JsonSchema.of(schema));
  }

  public Task gather(Job job) throws Exception {
    JsonNode input = input(job);
    return isTriage(input) ? gatherTriage(input) : gatherSummary(input.path("issue_id").asText(), job);
  }

  public Finish finish(Job job, String answer, int step) throws Exception {
    JsonNode input = input(job);
    if (!isTriage(input)) {
      ObjectNode output = NODES.objectNode().put("issue_id", input.path("issue_id").asText()).put("summary", answer);
      return new Finish.Succeeded(answer, Optional.of(output.toString()), Optional.empty(), Optional.empty());
    }
    return applyTriage(job, input, JSON.readTree(answer), step);
  }

  // ---- triage -------------------------------------------------------------------------------

  private Task gatherTriage(JsonNode input) throws Exception {
    List<String> sources = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    Set<String> batch = Set.copyOf(strings(input.path("issue_ids")));
    for (String id : strings(input.path("issue_ids"))) {
      IssueTracker.TrackedIssue issue = await(tracker.issue(id));
      sources.add("issue " + id);
      text.append("Issue ").append(id).append(" (status ").append(issue.status()).append(", priority ")
          .append(issue.priority()).append(", labels ").append(issue.labels()).append(")\n<<<data\nTitle: ")
          .append(PromptTemplates.data(issue.title())).append("\nDescription: ")
          .append(PromptTemplates.data(cut(issue.description(), 1200))).append("\ndata>>>\n");
      List<SimilarIssues.Similar> similar = similar(issue, batch);
      if (!similar.isEmpty()) {
        text.append("Similar issues:\n<<<data\n");
        similar.forEach(s -> text.append("- ").append(s.issueId()).append(' ').append(PromptTemplates.data(s.title()))
            .append(" [").append(s.status()).append("] similarity ").append(String.format("%.2f", s.confidence())).append('\n'));
        text.append("data>>>\n");
        similar.forEach(s -> sources.add("graph issue " + s.issueId()));
      }
      text.append('\n');
    }
    String rendered = prompts.render("triage", Map.of("count", String.valueOf(batch.size()), "issues", text.toString(),
        "labels", String.join(", ", strings(input.path("allowed_labels")))));
    return new Task(rendered, sources);
  }

  /** One decision of the model's answer. */
  private record Decision(List<String> labels, String priority, String reason, String comment) {}

  private Finish applyTriage(Job job, JsonNode input, JsonNode answer, int step) throws Exception {
    Map<String, Decision> decisions = new LinkedHashMap<>();
    for (JsonNode d : answer.path("decisions")) {
      decisions.putIfAbsent(d.path("issue_id").asText(), new Decision(strings(d.path("labels")),
          d.path("priority").asText(), d.path("reason").asText("").strip(), d.path("comment").asText("").strip()));
    }
    AllowedLabels allowed = new AllowedLabels(strings(input.path("allowed_labels")));
    boolean autoComment = input.path("auto_comment").asBoolean(false);
    ArrayNode out = NODES.arrayNode();
    ArrayNode graphDecisions = NODES.arrayNode();
    List<String> lines = new ArrayList<>();
    List<String> undecided = new ArrayList<>();
    Set<String> batch = Set.copyOf(strings(input.path("issue_ids")));
    for (String id : strings(input.path("issue_ids"))) {
      Decision d = decisions.get(id);
      if (d == null) {
        undecided.add(id);
        out.addObject().put("issue_id", id).put("decided", false)
            .put("why", "the model gave no decision for this issue; it stays new for the next triage");
        continue;
      }
      String key = job.id() + "/" + step + "/" + id;
      IssueTracker.TrackedIssue issue = await(tracker.issue(id));
      List<String> refused = allowed.outside(d.labels());
      List<String> chosen = d.labels().stream().filter(l -> !refused.contains(l)).toList();
      LinkedHashSet<String> labels = new LinkedHashSet<>(issue.labels());
      labels.addAll(chosen);
      String priority = PRIORITIES.contains(d.priority()) ? d.priority() : issue.priority();
      issue = await(tracker.update(id, Optional.of(List.copyOf(labels)), Optional.of(priority), key + "/update"));

      Duplicates dup = duplicates(issue, batch);
      if (dup.linked().isPresent()) {
        issue = await(tracker.markDuplicate(id, dup.linked().get().issueId()));
      }
      ObjectNode entry = out.addObject().put("issue_id", id).put("decided", true);
      chosen.forEach(entry.putArray("labels")::add);
      refused.forEach(entry.putArray("refused_labels")::add);
      entry.put("priority", priority).put("reason", d.reason().isEmpty() ? "(no reason given)" : d.reason());
      dup.linked().ifPresentOrElse(l -> entry.set("duplicate_of", similarNode(l)), () -> entry.putNull("duplicate_of"));
      ArrayNode suggested = entry.putArray("suggested_duplicates");
      dup.suggested().forEach(s -> suggested.add(similarNode(s)));
      entry.put("duplicates_checked", dup.checked());
      boolean commented = false;
      if (autoComment) {
        commented = await(tracker.commentOnce(id, comment(job, chosen, priority, d, dup), "agent:" + NAME,
            key + "/comment")).isPresent();
      }
      entry.put("commented", autoComment);
      entry.put("comment_written_now", commented);
      await(tracker.markTriaged(id, job.id()));
      String line = "labels " + chosen + ", priority " + priority + " (" + d.reason() + ")"
          + dup.linked().map(l -> ", duplicate of " + l.issueId()).orElse("")
          + (dup.suggested().isEmpty() ? "" : ", maybe a duplicate of "
              + dup.suggested().stream().map(SimilarIssues.Similar::issueId).toList());
      lines.add(id + ": " + line);
      graphDecisions.addObject().put("issue_id", id).put("title", "Triage: priority " + priority
          + (chosen.isEmpty() ? "" : ", labels " + String.join(", ", chosen))).put("text", line);
    }
    if (lines.isEmpty()) {
      return new Finish.Failed("the model's answer decided none of the issues " + undecided + "; nothing was changed");
    }
    ObjectNode output = NODES.objectNode();
    output.set("issues", out);
    output.set("decisions", graphDecisions); // projected as Decision nodes DECIDED_IN the job (JobEventWrites)
    output.put("link_confidence", triage.linkConfidence()).put("suggest_confidence", triage.suggestConfidence());
    String result = "Triaged " + lines.size() + " of " + batch.size() + " issues:\n" + String.join("\n", lines)
        + (undecided.isEmpty() ? "" : "\nNo decision for " + undecided + " (they stay new).");
    return new Finish.Succeeded(result, Optional.of(output.toString()), Optional.empty(), Optional.empty());
  }

  /** What the graph says about duplicates of one issue; {@code checked} false when the graph was not up. */
  private record Duplicates(Optional<SimilarIssues.Similar> linked, List<SimilarIssues.Similar> suggested, boolean checked) {}

  /**
   * The best older issue at or above the link confidence is the original (or what it duplicates);
   * the other issues at or above the suggest confidence are suggestions. An issue already marked a
   * duplicate keeps its link.
   */
  private Duplicates duplicates(IssueTracker.TrackedIssue issue, Set<String> batch) throws Exception {
    Optional<Graph> g = ready();
    if (g.isEmpty()) {
      return new Duplicates(Optional.empty(), List.of(), false);
    }
    List<SimilarIssues.Similar> similar = await(SimilarIssues.find(g.get(), SimilarIssues.text(issue), Set.of(issue.id()),
        triage.similarIssues()));
    Optional<SimilarIssues.Similar> linked = Optional.empty();
    List<SimilarIssues.Similar> suggested = new ArrayList<>();
    for (SimilarIssues.Similar s : similar) {
      if (s.confidence() < triage.suggestConfidence()) {
        continue;
      }
      if (linked.isEmpty() && issue.duplicateOf().isEmpty() && s.confidence() >= triage.linkConfidence()) {
        IssueTracker.TrackedIssue other = await(tracker.issue(s.issueId()));
        if (other.createdAt().isBefore(issue.createdAt()) && !other.duplicateOf().equals(Optional.of(issue.id()))) {
          String original = other.duplicateOf().orElse(other.id());
          linked = Optional.of(original.equals(other.id()) ? s
              : new SimilarIssues.Similar(original, "(original of " + other.id() + ")", "", s.confidence(), s.relevance()));
          continue;
        }
      }
      suggested.add(s);
    }
    return new Duplicates(linked, List.copyOf(suggested), true);
  }

  private static String comment(Job job, List<String> labels, String priority, Decision d, Duplicates dup) {
    StringBuilder text = new StringBuilder("Triage (issue agent, job " + job.id() + "): labels "
        + (labels.isEmpty() ? "(none)" : String.join(", ", labels)) + "; priority " + priority
        + (d.reason().isEmpty() ? "" : " - " + d.reason()) + ".");
    dup.linked().ifPresent(l -> text.append("\nLinked as a duplicate of ").append(l.issueId()).append(" (")
        .append(l.title()).append(", similarity ").append(String.format("%.2f", l.confidence())).append(")."));
    if (!dup.suggested().isEmpty()) {
      text.append("\nPossibly a duplicate of: ").append(dup.suggested().stream().map(s -> s.issueId() + " (" + s.title()
          + ", similarity " + String.format("%.2f", s.confidence()) + ")").collect(Collectors.joining("; "))).append('.');
    }
    if (!d.comment().isEmpty()) {
      text.append("\n\n").append(d.comment());
    }
    return text.toString();
  }

  private static ObjectNode similarNode(SimilarIssues.Similar s) {
    return NODES.objectNode().put("issue_id", s.issueId()).put("title", s.title())
        .put("confidence", Math.round(s.confidence() * 1000) / 1000.0);
  }

  private List<SimilarIssues.Similar> similar(IssueTracker.TrackedIssue issue, Set<String> batch) {
    Optional<Graph> g = ready();
    if (g.isEmpty()) {
      return List.of();
    }
    try {
      return await(SimilarIssues.find(g.get(), SimilarIssues.text(issue), Set.of(issue.id()), triage.similarIssues()))
          .stream().filter(s -> s.confidence() >= triage.suggestConfidence() / 2).toList();
    } catch (Exception e) {
      return List.of();
    }
  }

  // ---- summarize ----------------------------------------------------------------------------

  /** What a summary is made of, asked for at once. */
  private record SummaryFacts(IssueTracker.TrackedIssue issue, List<IssueTracker.HistoryLine> history,
      List<IssueTracker.TrackedComment> comments, List<Job> jobs) {}

  private Task gatherSummary(String id, Job job) throws Exception {
    CompletionStage<List<Job>> jobsOn = jobsOf.apply(id).exceptionally(e -> List.of()); // no listing: no jobs named
    SummaryFacts facts = await(tracker.issue(id).thenCompose(issue -> tracker.history(id)
        .thenCombine(tracker.comments(id), (history, comments) -> new SummaryFacts(issue, history, comments, List.of())))
        .thenCombine(jobsOn, (f, on) -> new SummaryFacts(f.issue(), f.history(), f.comments(), on)));
    IssueTracker.TrackedIssue issue = facts.issue();
    List<IssueTracker.HistoryLine> history = facts.history();
    List<IssueTracker.TrackedComment> comments = facts.comments();
    List<Job> jobs = facts.jobs().stream().filter(j -> !j.id().equals(job.id())).toList();
    PastDecisions.Found past = pastDecisions.on(id);
    String historyText = tail(history.stream().filter(h -> !h.type().equals("key_recorded"))
        .map(h -> h.at() + " " + h.type() + ": " + cut(h.what(), 200)).toList(), 60);
    String commentText = tail(comments.stream().map(c -> c.createdAt() + " " + c.author() + ": " + cut(c.text(), 400))
        .toList(), 20);
    String jobText = jobs.isEmpty() ? "(none)" : jobs.stream().map(j -> "job " + j.id() + " (" + j.agent() + ", "
        + j.status().label() + ", requested by " + j.requestedBy() + ")" + j.branch().map(b -> " branch " + b).orElse("")
        + j.commit().map(c -> " commit " + c).orElse("")
        + j.result().or(j::error).map(r -> ": " + cut(r.lines().findFirst().orElse(""), 200)).orElse(""))
        .collect(Collectors.joining("\n"));
    Map<String, String> values = new LinkedHashMap<>();
    values.put("issue_id", id);
    values.put("issue_title", PromptTemplates.data(issue.title()));
    values.put("issue_status", issue.status());
    values.put("issue_priority", issue.priority());
    values.put("issue_labels", issue.labels().toString());
    values.put("blocked_by", issue.blockedBy().isEmpty() ? "(none)" : String.join(", ", issue.blockedBy()));
    values.put("blocks", issue.blocks().isEmpty() ? "(none)" : String.join(", ", issue.blocks()));
    values.put("duplicate_of", issue.duplicateOf().orElse("(none)"));
    values.put("issue_description", PromptTemplates.data(cut(issue.description(), 1500)));
    values.put("history", PromptTemplates.data(historyText));
    values.put("comments", PromptTemplates.data(commentText.isEmpty() ? "(none)" : commentText));
    values.put("jobs", PromptTemplates.data(jobText));
    values.put("past_decisions", past.text());
    List<String> sources = new ArrayList<>(List.of("issue " + id, history.size() + " history events",
        comments.size() + " comments"));
    jobs.forEach(j -> sources.add("job " + j.id()));
    sources.addAll(past.sources());
    return new Task(prompts.render("summarize", values), sources);
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static JsonNode input(Job job) {
    try {
      return JSON.readTree(job.input().orElse("{}"));
    } catch (java.io.IOException e) {
      throw new IllegalStateException("job " + job.id() + " has an input that is not JSON", e);
    }
  }

  private static boolean isTriage(JsonNode input) {
    return "triage".equals(input.path("action").asText());
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static String cut(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "...";
  }

  private static String tail(List<String> lines, int max) {
    return (lines.size() > max ? "(" + (lines.size() - max) + " earlier left out)\n" : "")
        + String.join("\n", lines.subList(Math.max(0, lines.size() - max), lines.size()));
  }

  private Optional<Graph> ready() {
    try {
      return Optional.of(graph.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
