package dev.turboagents.actors.agents;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.JsonObject;
import dev.turboagents.actors.inference.ToolSpec;
import dev.turboagents.actors.tools.ChatTools;
import dev.turboagents.actors.tools.ReleaseBlockers;
import dev.turboagents.actors.tools.ToolResult;
import dev.turboagents.actors.tools.workspace.JobCheckout;
import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The chat agent: answers a question from the tracker and the knowledge graph with read-only tools.
 * The facts a question plainly asks for (a release's blockers, the issues it names, a graph search)
 * are looked up before the model is asked, so a small model only has to present them; its answer's
 * citations are checked against everything it was shown ({@link Citations}).
 */
public final class ChatAgent implements Agent {
  public static final String NAME = "chat";
  private static final Pattern ISSUE_ID = Pattern.compile(
      "(?i)\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b");

  private final String model;
  private final List<ToolSpec> tools;
  private final ChatTools lookups;
  private final PromptTemplates prompts;

  public ChatAgent(String model, List<ToolSpec> tools, ChatTools lookups, PromptTemplates prompts) {
    this.model = model;
    this.tools = tools;
    this.lookups = lookups;
    this.prompts = prompts;
  }

  public String name() {
    return NAME;
  }

  public String role() {
    return "the chat agent, who answers questions about this project from its issue tracker and knowledge graph";
  }

  public String model() {
    return model;
  }

  public List<ToolSpec> tools() {
    return tools;
  }

  public Task gather(Job job) throws Exception {
    JsonNode input = new JsonObject(job.input().orElse("{}")).tree();
    String message = input.path("message").asText("");
    String history = input.path("history").asText("");
    List<String> sources = new ArrayList<>();
    List<String> facts = new ArrayList<>();
    Optional<String> release = ReleaseBlockers.named(message);
    if (release.isPresent()) {
      facts.add("get_release_blockers(" + release.get() + "):\n" + lookups.releaseBlockers(release.get()).text());
      sources.add("release blockers of " + release.get());
    }
    Matcher ids = ISSUE_ID.matcher(message);
    while (ids.find()) {
      ToolResult read = lookups.readIssue(ids.group());
      facts.add("read_issue of the id the question names: " + (read instanceof ToolResult.Ok
          ? read.text() : "there is no such issue"));
      sources.add("issue " + ids.group());
    }
    if (input.path("use_knowledge_graph").asBoolean(true)) {
      ToolResult found = lookups.searchGraph(message);
      facts.add("search_graph:\n" + found.text());
      sources.add("graph search (" + found.outcome() + ")");
    }
    String text = prompts.render("chat", Map.of(
        "history", history.isBlank() ? "" : "The conversation so far:\n<<<data\n" + PromptTemplates.data(history)
            + "\ndata>>>\n\n",
        "message", PromptTemplates.data(message),
        "facts", PromptTemplates.data(facts.isEmpty() ? "(none)" : String.join("\n\n", facts))));
    return new Task(text, sources);
  }

  public Optional<JobCheckout> checkout(Job job) {
    return Optional.empty();
  }

  public Finish finish(Job job, String answer, int step) {
    Citations citations = Citations.check(answer, seen(job));
    ObjectNode output = new JsonObject("{}").tree().put("answer", answer);
    citations.cited().forEach(output.putArray("citations")::add);
    if (!output.has("citations")) {
      output.putArray("citations");
    }
    var invented = output.putArray("invented_citations");
    citations.invented().forEach(invented::add);
    return new Finish.Succeeded(answer, Optional.of(output.toString()), Optional.empty(), Optional.empty());
  }

  /**
   * Everything the tools gave the model for this job: the gathered facts and every successful tool
   * result (not the question or the history: an id the user typed is no evidence).
   */
  static String seen(Job job) {
    JsonNode input = new JsonObject(job.input().orElse("{}")).tree();
    String message = PromptTemplates.data(input.path("message").asText(""));
    String history = PromptTemplates.data(input.path("history").asText(""));
    return job.steps().stream().map(s -> switch (s) {
      case JobEntity.ContextGathered c -> c.task().replace(message, "").replace(history, "");
      case JobEntity.ToolCalled c -> c.outcome().equals("ok") ? c.result() : "";
      default -> "";
    }).collect(Collectors.joining("\n"));
  }
}
