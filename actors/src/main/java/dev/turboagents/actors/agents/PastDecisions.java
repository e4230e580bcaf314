package dev.turboagents.actors.agents;

import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.PastDecision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The decisions taken on an issue and on the issues related to it, from the knowledge graph, as a
 * section of a new task's context: how the agents "learn from past decisions". A graph that is not
 * up (not waited for: it starts in the background) gives a section saying so; the task goes on without it.
 */
public final class PastDecisions {
  /** The section and where it came from. */
  public record Found(String text, List<String> sources) {
    public static final Found NONE = new Found("", List.of());
  }

  private final CompletionStage<Graph> graph;
  private final Duration timeout;
  private final int limit;

  /** @param limit most decisions put into a task */
  public PastDecisions(CompletionStage<Graph> graph, Duration timeout, int limit) {
    this.graph = graph;
    this.timeout = timeout;
    this.limit = limit;
  }

  public Found on(String issueId) {
    var up = graph.toCompletableFuture();
    if (!up.isDone() || up.isCompletedExceptionally()) {
      return new Found("\nPast decisions: (the knowledge graph is not up yet)\n", List.of());
    }
    List<PastDecision> decisions;
    try {
      decisions = up.join()
          .pastDecisions(issueId, limit).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Found("\nPast decisions: (the knowledge graph is not available)\n", List.of());
    } catch (Exception e) {
      return new Found("\nPast decisions: (the knowledge graph is not available)\n", List.of());
    }
    if (decisions.isEmpty()) {
      return new Found("\nPast decisions: none on this issue or the issues related to it.\n", List.of());
    }
    String lines = decisions.stream().map(d -> "- decision " + d.id() + " on issue " + d.issueId()
        + (d.via().equals("this issue") ? "" : " (related: " + d.via() + ")")
        + d.jobId().map(j -> ", in job " + j).orElse("") + ": " + d.title() + (d.text().isBlank() || d.text().equals(d.title())
            ? "" : "\n  " + d.text().replace("\n", "\n  ")))
        .collect(Collectors.joining("\n"));
    return new Found("\nPast decisions on this issue and related ones (learn from them):\n<<<data\n"
        + PromptTemplates.data(lines) + "\ndata>>>\n", decisions.stream().map(d -> "graph decision:" + d.id()).toList());
  }
}
