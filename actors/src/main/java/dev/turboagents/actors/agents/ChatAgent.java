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
import java.util.stream.Collectors;

/**
 * The chat agent: answers a question from the tracker and the knowledge graph with read-only tools.
 * The facts a question plainly asks for (a release's blockers, the issues it names, a graph search)
 * are looked up before the model is asked, so a small model only has to present them; its answer's
 * citations are checked against everything it was shown ({@link Citations}).
 */
public final class ChatAgent implements Agent {
  public static final String NAME = "chat";

  private final String model;
  private final List<ToolSpec> tools;
  private final ChatTools lookups;
  private final PromptTemplates prompts;
  /** At most this much of the facts makes the answer when the model gave none. */
  private static final int FALLBACK_CHARS = 3000;

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
    Facts facts = lookUp(input);
    String text = prompts.render("chat", Map.of(
        "history", history.isBlank() ? "" : "The conversation so far:\n<<<data\n" + PromptTemplates.data(history)
            + "\ndata>>>\n\n",
        "message", PromptTemplates.data(message),
        "facts", PromptTemplates.data(facts.text().isEmpty() ? "(none)" : String.join("\n\n", facts.text()))));
    return new Task(text, facts.sources());
  }

  /** The facts a question plainly asks for, and where each came from. */
  private record Facts(List<String> text, List<String> sources) {}

  private Facts lookUp(JsonNode input) throws Exception {
    String message = input.path("message").asText("");
    List<String> sources = new ArrayList<>();
    List<String> facts = new ArrayList<>();
    Optional<String> release = ReleaseBlockers.named(message);
    if (release.isPresent()) {
      facts.add("get_release_blockers(" + release.get() + "):\n" + lookups.releaseBlockers(release.get()).text());
      sources.add("release blockers of " + release.get());
    }
    Matcher ids = Citations.UUID.matcher(message);
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
    return new Facts(facts, sources);
  }

  /**
   * The lines that answer what the question plainly asks, ids first: a release's unfinished
   * blockers, a named issue and the unfinished issues that block it. Not the graph search: its hits
   * are context, not an answer.
   */
  private List<String> directAnswer(JsonNode input) throws Exception {
    String message = input.path("message").asText("");
    List<String> lines = new ArrayList<>();
    Optional<String> release = ReleaseBlockers.named(message);
    if (release.isPresent()) {
      ReleaseBlockers blockers = lookups.blockersOf(release.get());
      blockers.blockers().keySet().forEach(b -> lines.add("blocks " + release.get() + ": " + b.id() + " ["
          + b.status().wire() + ", " + b.priority().wire() + "] " + b.title()));
      if (blockers.blockers().isEmpty()) {
        lines.add(blockers.text());
      }
    }
    Matcher ids = Citations.UUID.matcher(message);
    while (ids.find()) {
      lines.addAll(lookups.issueLines(ids.group()));
    }
    return lines;
  }

  /**
   * A small model that spends its turns on tools without answering still leaves the person with
   * the facts the question asked for: they are the answer, said to be such, with their ids (checked
   * as citations like any answer's). A question no fact was found for fails as before.
   */
  @Override
  public Optional<Finish> whenSpent(Job job, String reason) throws Exception {
    JsonNode input = new JsonObject(job.input().orElse("{}")).tree();
    List<String> direct = directAnswer(input);
    List<String> facts = direct.isEmpty() ? lookUp(input).text() : direct;
    if (facts.isEmpty()) {
      return Optional.empty();
    }
    String found = String.join(direct.isEmpty() ? "\n\n" : "\n", facts);
    String answer = "The model gave no answer within its budget (" + reason + "). What the tracker and the"
        + " knowledge graph say:\n\n" + (found.length() > FALLBACK_CHARS ? found.substring(0, FALLBACK_CHARS) + " ..." : found);
    return Optional.of(finished(job, answer, Map.of("answered_from", "facts", "stopped", reason)));
  }

  public Optional<JobCheckout> checkout(Job job) {
    return Optional.empty();
  }

  /**
   * The answer with its citations checked. A small model's answer that names no id the facts hold
   * (a vague sentence, the prompt's own words echoed) gets the lines that answer the question
   * plainly appended, marked as the tracker's, so the person still gets the ids.
   */
  public Finish finish(Job job, String answer, int step) throws Exception {
    if (Citations.check(answer, seen(job)).cited().isEmpty()) {
      List<String> direct = directAnswer(new JsonObject(job.input().orElse("{}")).tree());
      if (!direct.isEmpty()) {
        return finished(job, answer.strip() + "\n\nFrom the tracker:\n" + String.join("\n", direct),
            Map.of("grounded_by", "tracker"));
      }
    }
    return finished(job, answer, Map.of());
  }

  private static Finish finished(Job job, String answer, Map<String, String> marks) {
    Citations citations = Citations.check(answer, seen(job));
    ObjectNode output = new JsonObject("{}").tree().put("answer", answer);
    citations.cited().forEach(output.putArray("citations")::add);
    if (!output.has("citations")) {
      output.putArray("citations");
    }
    var invented = output.putArray("invented_citations");
    citations.invented().forEach(invented::add);
    marks.forEach(output::put);
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
