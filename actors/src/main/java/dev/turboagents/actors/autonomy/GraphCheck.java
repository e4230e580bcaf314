package dev.turboagents.actors.autonomy;

import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.GraphIssues;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The nightly's graph check: the issues, their comments, blocker and duplicate links as the journal
 * has them (the tracker) against the graph's issue nodes. An issue whose node differs (missing, another
 * title or status, other links, fewer or more comments) is projected again from its journal events
 * ({@link GraphIssues#reproject}: MERGE and absolute SETs, so a right graph stays as it is). While
 * the projection is behind the journal the check compares nothing: the difference would be the lag.
 */
public final class GraphCheck {
  private final Tracker tracker;
  private final CompletionStage<Graph> graph;
  private final Executor blocking;

  /** @param blocking where the graph's driver calls run (they block) */
  public GraphCheck(Tracker tracker, CompletionStage<Graph> graph, Executor blocking) {
    this.tracker = tracker;
    this.graph = graph;
    this.blocking = blocking;
  }

  /** What one side holds: issues, comments on them, blocker links, duplicate links. */
  public record Counts(int issues, int comments, int blockers, int duplicates) {
    static Counts ofJournal(Collection<Issue> issues) {
      return new Counts(issues.size(), issues.stream().mapToInt(Issue::commentCount).sum(),
          issues.stream().mapToInt(i -> i.blockedBy().size()).sum(),
          (int) issues.stream().filter(i -> i.duplicateOf().isPresent()).count());
    }

    static Counts ofGraph(Collection<GraphIssues.InGraph> issues) {
      return new Counts(issues.size(), issues.stream().mapToInt(GraphIssues.InGraph::comments).sum(),
          issues.stream().mapToInt(i -> i.blockedBy().size()).sum(),
          (int) issues.stream().filter(i -> i.duplicateOf().isPresent()).count());
    }

    String line() {
      return issues + " issues, " + comments + " comments, " + blockers + " blocker links, " + duplicates + " duplicate links";
    }
  }

  /**
   * What the check found. {@code skipped} says why it compared nothing (no graph, the projection
   * behind); {@code differing} are the issues whose node differed from the journal, {@code repaired}
   * those projected again now (none in a dry run or while paused); {@code onlyInGraph} issue nodes
   * the journal does not know (reported, never deleted).
   */
  public record Outcome(Optional<String> skipped, Counts journal, Counts before, Counts after, List<String> differing,
      List<String> repaired, List<String> onlyInGraph) {

    static Outcome skipped(String why) {
      Counts none = new Counts(0, 0, 0, 0);
      return new Outcome(Optional.of(why), none, none, none, List.of(), List.of(), List.of());
    }
  }

  public CompletionStage<Outcome> run(boolean dryRun, BooleanSupplier paused) {
    if (!graph.toCompletableFuture().isDone() || graph.toCompletableFuture().isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(Outcome.skipped("the knowledge graph is not serving"));
    }
    Graph g = graph.toCompletableFuture().join();
    return g.projectionStatus().thenCompose(status -> {
      if (status.lag() > 0) {
        return CompletableFuture.completedFuture(Outcome.skipped("the projection is " + status.lag()
            + " journal event(s) behind; the next run compares once it caught up"));
      }
      return tracker.issues(IssueFilter.all()).thenCompose(indexed -> {
        List<Issue> journal = indexed.stream().map(IndexedIssue::issue).toList();
        return CompletableFuture.supplyAsync(() -> g.issues().issues(), blocking)
            .thenCompose(before -> repair(g, journal, before, dryRun, paused));
      });
    }).exceptionally(e -> Outcome.skipped("the knowledge graph did not answer: "
        + dev.turboagents.persistence.AsyncFailure.cause(e).getMessage()));
  }

  private CompletionStage<Outcome> repair(Graph g, List<Issue> journal, Map<String, GraphIssues.InGraph> before,
      boolean dryRun, BooleanSupplier paused) {
    List<String> differing = journal.stream().filter(i -> differs(i, before.get(i.id()))).map(Issue::id).toList();
    Set<String> known = journal.stream().map(Issue::id).collect(java.util.stream.Collectors.toSet());
    List<String> onlyInGraph = before.keySet().stream().filter(id -> !known.contains(id)).sorted().toList();
    List<String> repaired = new ArrayList<>();
    CompletionStage<Void> all = CompletableFuture.completedFuture(null);
    for (Issue issue : journal) {
      if (dryRun || !differing.contains(issue.id())) {
        continue;
      }
      all = all.thenCompose(v -> paused.getAsBoolean() ? CompletableFuture.<Void>completedFuture(null)
          : tracker.issueHistory(issue.id()).thenAcceptAsync(history -> {
            g.issues().reproject(issue.id(), events(history), Set.copyOf(issue.blockedBy()), issue.duplicateOf());
            repaired.add(issue.id());
          }, blocking));
    }
    Counts journalCounts = Counts.ofJournal(journal);
    Counts beforeCounts = Counts.ofGraph(known(before, known));
    return all.thenCompose(v -> repaired.isEmpty() ? CompletableFuture.completedFuture(before)
            : CompletableFuture.supplyAsync(() -> g.issues().issues(), blocking))
        .thenApply(after -> new Outcome(Optional.empty(), journalCounts, beforeCounts, Counts.ofGraph(known(after, known)),
            differing, List.copyOf(repaired), onlyInGraph));
  }

  private static Collection<GraphIssues.InGraph> known(Map<String, GraphIssues.InGraph> graph, Set<String> known) {
    return graph.values().stream().filter(i -> known.contains(i.id())).toList();
  }

  private static boolean differs(Issue journal, GraphIssues.InGraph graph) {
    return graph == null || !graph.title().equals(journal.title()) || !graph.status().equals(journal.status().wire())
        || !graph.blockedBy().equals(Set.copyOf(journal.blockedBy())) || !graph.duplicateOf().equals(journal.duplicateOf())
        || graph.comments() != journal.commentCount();
  }

  private static List<IssueEntity.Event> events(List<HistoryEntry> history) {
    return history.stream().map(HistoryEntry::event).filter(IssueEntity.Event.class::isInstance)
        .map(IssueEntity.Event.class::cast).toList();
  }
}
