package dev.turboagents.actors.tools;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.JsonSchema;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.SearchHit;
import dev.turboagents.persistence.graph.SearchQuery;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The chat agent's tools, all read-only: search_graph (hybrid search of the knowledge graph),
 * list_issues (filters), read_issue, get_dependencies (what blocks an issue and what it blocks) and
 * get_release_blockers (the unfinished issues blocking a release, computed by {@link ReleaseBlockers}).
 * Every result names issues by their id, so the answer's citations can be checked against it.
 */
public final class ChatTools {
  public static final List<String> NAMES = List.of("search_graph", "list_issues", "read_issue", "get_dependencies",
      "get_release_blockers");
  private static final int LISTED = 20;

  private final Tracker tracker;
  private final CompletionStage<Graph> graph;
  private final Duration serviceTimeout;

  /** @param serviceTimeout longest a tool waits on the tracker or the graph */
  public ChatTools(Tracker tracker, CompletionStage<Graph> graph, Duration serviceTimeout) {
    this.tracker = tracker;
    this.graph = graph;
    this.serviceTimeout = serviceTimeout;
  }

  public List<AgentTool> all() {
    return List.of(
        tool("search_graph", "Hybrid (semantic + full-text) search of the knowledge graph: issues, comments, "
            + "decisions, commits.", CodeTools.object("query", "what to look for"), (a, c) -> searchGraph(text(a, "query"))),
        tool("list_issues", "List issues of the tracker; every filter is optional.", listSchema(), this::listIssues),
        tool("read_issue", "Read one issue: title, status, priority, labels, description, blockers.",
            CodeTools.object("issue_id", "the issue's id"), (a, c) -> readIssue(text(a, "issue_id"))),
        tool("get_dependencies", "What blocks an issue and what it blocks, with each one's status.",
            CodeTools.object("issue_id", "the issue's id"), (a, c) -> dependencies(text(a, "issue_id"))),
        tool("get_release_blockers", "The unfinished issues that block the issues of a release (a project of that "
            + "name or issues labelled with it), e.g. v1.0.", CodeTools.object("release", "the release, e.g. v1.0"),
            (a, c) -> releaseBlockers(text(a, "release"))));
  }

  public ToolResult searchGraph(String query) throws Exception {
    Optional<Graph> g = ready(graph);
    if (g.isEmpty()) {
      return new ToolResult.Failed("the knowledge graph is not up; use list_issues and read_issue instead");
    }
    List<SearchHit> hits = await(g.get().search(SearchQuery.of(query, 8, 0.0)));
    return new ToolResult.Ok(hits.isEmpty() ? "nothing in the knowledge graph matches" : hits.stream()
        .map(h -> h.entity() + " [" + h.status() + "] " + h.title() + ": " + clip(h.snippet(), 160))
        .collect(Collectors.joining("\n")));
  }

  private ToolResult listIssues(JsonObject a, ToolContext c) throws Exception {
    Optional<String> status = a.get("status").map(n -> n.asText()).filter(s -> !s.isBlank());
    Optional<IssueStatus> parsed = status.flatMap(IssueStatus::fromWire);
    if (status.isPresent() && parsed.isEmpty()) {
      return new ToolResult.Refused("status must be one of " + IssueStatus.wireNames() + ", was '" + status.get() + "'");
    }
    Optional<String> label = a.get("label").map(n -> n.asText()).filter(s -> !s.isBlank());
    List<IndexedIssue> found = await(tracker.issues(new IssueFilter(parsed, label, Optional.empty(), Optional.empty())));
    if (found.isEmpty()) {
      return new ToolResult.Ok("no issue matches");
    }
    String lines = found.stream().limit(LISTED).map(i -> line(i.issue())).collect(Collectors.joining("\n"));
    return new ToolResult.Ok(lines + (found.size() > LISTED ? "\n(" + (found.size() - LISTED) + " more not listed)" : ""));
  }

  public ToolResult readIssue(String id) throws Exception {
    Optional<IndexedIssue> found = issue(id);
    if (found.isEmpty()) {
      return new ToolResult.Failed("there is no issue " + id);
    }
    Issue i = found.get().issue();
    return new ToolResult.Ok(line(i) + "\nlabels: " + String.join(", ", i.labels())
        + "\nblocked by: " + (i.blockedBy().isEmpty() ? "nothing" : String.join(", ", i.blockedBy()))
        + "\nblocks: " + (found.get().blocks().isEmpty() ? "nothing" : String.join(", ", found.get().blocks()))
        + "\ndescription: " + clip(i.description(), 1200));
  }

  /**
   * An issue in one line (id, status, priority, title) and, when it has any, the unfinished issues
   * that block it, one line each; empty for an unknown id.
   */
  public List<String> issueLines(String id) throws Exception {
    Optional<IndexedIssue> found = issue(id);
    if (found.isEmpty()) {
      return List.of();
    }
    List<String> lines = new java.util.ArrayList<>(List.of(line(found.get().issue())));
    for (String blocker : found.get().issue().blockedBy()) {
      issue(blocker).map(IndexedIssue::issue).filter(b -> !b.status().isFinished())
          .ifPresent(b -> lines.add("blocked by " + line(b)));
    }
    return lines;
  }

  private ToolResult dependencies(String id) throws Exception {
    Optional<IndexedIssue> found = issue(id);
    if (found.isEmpty()) {
      return new ToolResult.Failed("there is no issue " + id);
    }
    StringBuilder text = new StringBuilder("issue " + id + " is blocked by:\n");
    for (String b : found.get().issue().blockedBy()) {
      text.append("- ").append(issue(b).map(x -> line(x.issue())).orElse(b + " (unknown)")).append('\n');
    }
    text.append("and blocks:\n");
    for (String b : found.get().blocks()) {
      text.append("- ").append(issue(b).map(x -> line(x.issue())).orElse(b + " (unknown)")).append('\n');
    }
    return new ToolResult.Ok(text.toString().strip());
  }

  public ToolResult releaseBlockers(String release) throws Exception {
    return new ToolResult.Ok(blockersOf(release).text());
  }

  public ReleaseBlockers blockersOf(String release) throws Exception {
    List<IndexedIssue> all = await(tracker.issues(IssueFilter.all()));
    List<Project> projects = await(tracker.projects());
    return ReleaseBlockers.of(release, all, projects);
  }

  private Optional<IndexedIssue> issue(String id) throws Exception {
    try {
      return Optional.of(tracker.issue(id).toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException e) {
      return Optional.empty();
    }
  }

  private static String line(Issue i) {
    return i.id() + " [" + i.status().wire() + ", " + i.priority().wire() + "] " + i.title();
  }

  private static JsonSchema listSchema() {
    ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", "object");
    ObjectNode properties = node.putObject("properties");
    properties.putObject("status").put("type", "string").put("description", "one of " + IssueStatus.wireNames());
    properties.putObject("label").put("type", "string").put("description", "a label the issues carry");
    node.put("additionalProperties", false);
    return JsonSchema.of(node);
  }

  private static AgentTool tool(String name, String description, JsonSchema schema, AgentTool.Body body) {
    return AgentTool.of(new ToolSpec(name, description, schema), body, ChatTools::failure);
  }

  /** The tracker or the graph did not answer (in time): the model is told so, nothing crashed. */
  private static Optional<ToolResult> failure(String name, Exception thrown) {
    return switch (thrown) {
      case TimeoutException e ->
          Optional.of(new ToolResult.Failed(name + " could not finish: the tracker or the graph did not answer in time"));
      case ExecutionException e -> Optional.of(new ToolResult.Failed(name + " could not finish: " + e.getCause().getMessage()));
      default -> Optional.empty();
    };
  }

  private static String text(JsonObject arguments, String field) {
    return arguments.get(field).map(n -> n.isTextual() ? n.asText() : n.toString()).orElse("");
  }

  private static String clip(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 3) + "...";
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

  private <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(serviceTimeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
