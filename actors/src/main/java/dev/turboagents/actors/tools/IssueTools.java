package dev.turboagents.actors.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.issues.AllowedLabels;
import dev.turboagents.actors.issues.IssueTracker;
import dev.turboagents.actors.issues.SimilarIssues;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.entity.TrackerRejection;
import dev.turboagents.persistence.graph.EntityRef;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.RelatedEntity;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The tools on issues, names and arguments as in the seed: update_issue, add_comment,
 * search_similar_issues, get_issue_dependencies, get_related_issues. They read and write through
 * the {@link IssueTracker} (this daemon's tracker or the one {@code TURBO_API_URL} names). Writes
 * carry the call's job/step key, so a resumed job writes once. The code agent comments only on its
 * own issue; update_issue gives only labels of the {@link AllowedLabels} set.
 */
public final class IssueTools {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final IssueTracker tracker;
  private final CompletionStage<Graph> graph;
  private final List<String> defaultLabels;
  private final int similarIssues;
  private final Duration serviceTimeout;

  /**
   * @param defaultLabels labels update_issue allows besides those the project's issues already use
   * @param serviceTimeout longest a tool waits on the tracker or the graph
   */
  public IssueTools(IssueTracker tracker, CompletionStage<Graph> graph, List<String> defaultLabels, int similarIssues,
      Duration serviceTimeout) {
    this.tracker = tracker;
    this.graph = graph;
    this.defaultLabels = List.copyOf(defaultLabels);
    this.similarIssues = similarIssues;
    this.serviceTimeout = serviceTimeout;
  }

  public List<AgentTool> all() {
    return List.of(
        tool("update_issue", "Set an issue's labels and/or priority. Labels only from the project's label set.",
            updateSchema(), this::update),
        tool("add_comment", "Comment on an issue.", CodeTools.object("issue_id", "the issue's id", "text", "the comment"),
            this::comment),
        tool("search_similar_issues", "Issues similar to a description (the knowledge graph's hybrid search), "
            + "with their similarity 0..1.", CodeTools.object("description", "what the issue is about"), this::similar),
        tool("get_issue_dependencies", "What blocks an issue, what it blocks, and what it duplicates.",
            CodeTools.object("id", "the issue's id"), this::dependencies),
        tool("get_related_issues", "Issues, comments and decisions related to an issue in the knowledge graph.",
            CodeTools.object("issue_id", "the issue's id"), this::related));
  }

  private static JsonSchema updateSchema() {
    ObjectNode node = JSON.objectNode().put("type", "object");
    ObjectNode properties = node.putObject("properties");
    properties.putObject("id").put("type", "string").put("description", "the issue's id");
    ObjectNode data = properties.putObject("data").put("type", "object")
        .put("description", "the fields to set: labels (a list) and/or priority");
    ObjectNode fields = data.putObject("properties");
    fields.putObject("labels").put("type", "array").putObject("items").put("type", "string");
    fields.putObject("priority").put("type", "string").putArray("enum").add("low").add("medium").add("high").add("critical");
    data.put("additionalProperties", false);
    node.putArray("required").add("id").add("data");
    node.put("additionalProperties", false);
    return JsonSchema.of(node);
  }

  private ToolResult update(JsonObject a, ToolContext c) throws Exception {
    String id = text(a, "id");
    JsonNode data = a.get("data").orElse(JSON.objectNode());
    Optional<List<String>> labels = Optional.ofNullable(data.get("labels")).map(l -> {
      List<String> out = new ArrayList<>();
      l.forEach(v -> out.add(v.asText()));
      return out;
    });
    Optional<String> priority = Optional.ofNullable(data.get("priority")).map(JsonNode::asText);
    if (labels.isEmpty() && priority.isEmpty()) {
      return new ToolResult.Refused("update_issue needs data with labels and/or priority; nothing was changed");
    }
    if (labels.isPresent()) {
      AllowedLabels allowed = AllowedLabels.of(await(tracker.issues()), defaultLabels);
      List<String> outside = allowed.outside(labels.get());
      if (!outside.isEmpty()) {
        return new ToolResult.Refused("the labels " + outside + " are not in the project's label set " + allowed.labels()
            + "; nothing was changed");
      }
    }
    IssueTracker.TrackedIssue issue = await(tracker.update(id, labels, priority, c.key()));
    return new ToolResult.Ok("issue " + id + " now has labels " + issue.labels() + " and priority " + issue.priority());
  }

  private ToolResult comment(JsonObject a, ToolContext c) throws Exception {
    String issue = text(a, "issue_id");
    if (CodeTools.CODE_AGENT.equals(c.agent()) && !c.issueId().equals(Optional.of(issue))) {
      return new ToolResult.Refused("this job may comment only on its own issue " + c.issueId().orElse("(none)")
          + ", not on " + issue);
    }
    Optional<IssueTracker.TrackedComment> comment = await(tracker.commentOnce(issue, text(a, "text"), "agent:" + c.agent(),
        c.key()));
    return new ToolResult.Ok("commented on " + issue + comment.map(x -> " (comment " + x.id() + ")")
        .orElse(" (this step's comment was already made)"));
  }

  private ToolResult similar(JsonObject a, ToolContext c) throws Exception {
    Optional<Graph> g = ready(graph);
    if (g.isEmpty()) {
      return new ToolResult.Failed("the knowledge graph is not up yet; no similar issues");
    }
    Set<String> self = c.issueId().map(Set::of).orElse(Set.of());
    List<SimilarIssues.Similar> found = await(SimilarIssues.find(g.get(), text(a, "description"), self, similarIssues));
    return new ToolResult.Ok(found.isEmpty() ? "no similar issues" : found.stream()
        .map(s -> s.issueId() + " " + s.title() + " [" + s.status() + "] similarity " + String.format("%.2f", s.confidence()))
        .collect(Collectors.joining("\n")));
  }

  private ToolResult dependencies(JsonObject a, ToolContext c) throws Exception {
    IssueTracker.TrackedIssue issue = await(tracker.issue(text(a, "id")));
    return new ToolResult.Ok("issue " + issue.id() + " (" + issue.status() + ")\nblocked by: " + list(issue.blockedBy())
        + "\nblocks: " + list(issue.blocks()) + "\nduplicate of: " + issue.duplicateOf().orElse("(none)"));
  }

  private ToolResult related(JsonObject a, ToolContext c) throws Exception {
    Optional<Graph> g = ready(graph);
    if (g.isEmpty()) {
      return new ToolResult.Failed("the knowledge graph is not up yet; no related issues");
    }
    Optional<List<RelatedEntity>> related = await(g.get().related(EntityRef.issue(text(a, "issue_id")), 2, 10));
    if (related.isEmpty()) {
      return new ToolResult.Failed("no issue " + text(a, "issue_id") + " in the knowledge graph");
    }
    return new ToolResult.Ok(related.get().isEmpty() ? "nothing related" : related.get().stream()
        .map(r -> r.entity() + " " + r.title() + " [" + r.status() + "] via " + r.via() + ": " + r.snippet())
        .collect(Collectors.joining("\n")));
  }

  // ---- plumbing -----------------------------------------------------------------------------

  private static AgentTool tool(String name, String description, JsonSchema schema, AgentTool.Body body) {
    return AgentTool.of(new ToolSpec(name, description, schema), body, IssueTools::failure);
  }

  /** The tracker's refusals and a service that did not answer are results the model sees, not crashes. */
  private static Optional<ToolResult> failure(String name, Exception thrown) {
    return switch (thrown) {
      case TrackerAnswered e -> Optional.of(e.rejection.reason() == TrackerRejection.Reason.NOT_FOUND
          ? new ToolResult.Refused(name + ": " + e.rejection.getMessage())
          : new ToolResult.Failed(name + " was refused by the tracker: " + e.rejection.getMessage()));
      case ServiceFailed e -> Optional.of(new ToolResult.Failed(name + " could not finish: " + e.getMessage()));
      default -> Optional.empty();
    };
  }

  private static String list(List<String> ids) {
    return ids.isEmpty() ? "(none)" : String.join(", ", ids);
  }

  private static String text(JsonObject arguments, String field) {
    return arguments.get(field).map(n -> n.isTextual() ? n.asText() : n.toString()).orElse("");
  }

  private <T> Optional<T> ready(CompletionStage<T> stage) {
    try {
      return Optional.of(stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (TimeoutException | ExecutionException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** The tracker refused (unknown id, a rule): the model is told why. */
  private static final class TrackerAnswered extends Exception {
    final TrackerRejection rejection;

    TrackerAnswered(TrackerRejection rejection) {
      super(rejection.getMessage());
      this.rejection = rejection;
    }
  }

  /** The tracker or the graph failed or did not answer: the call failed, the tool is fine. */
  private static final class ServiceFailed extends Exception {
    ServiceFailed(String message) {
      super(message);
    }
  }

  private <T> T await(CompletionStage<T> stage) throws Exception {
    try {
      return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = AsyncFailure.cause(e);
      if (cause instanceof TrackerRejection r) {
        throw new TrackerAnswered(r);
      }
      throw new ServiceFailed(String.valueOf(cause.getMessage()));
    } catch (TimeoutException e) {
      throw new ServiceFailed("no answer within " + serviceTimeout);
    }
  }
}
