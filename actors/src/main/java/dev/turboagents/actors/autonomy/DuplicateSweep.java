package dev.turboagents.actors.autonomy;

import dev.turboagents.actors.issues.SimilarIssues;
import dev.turboagents.actors.tools.CodeTools;
import dev.turboagents.persistence.AsyncFailure;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueEntity.CommentAdded;
import dev.turboagents.persistence.issues.IssueStatus;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import dev.turboagents.persistence.tracker.IssueFilter;
import dev.turboagents.persistence.tracker.Tracker;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The nightly's duplicate sweep: every issue not done or closed is searched for in the graph with
 * the similarity triage uses ({@link SimilarIssues}, the cosine similarity of the embeddings). Of a
 * pair the newer issue is the possible duplicate of the older (as in triage). At or above
 * {@code linkConfidence} it is marked {@code duplicate_of} the older (or what that duplicates);
 * at or above {@code suggestConfidence} it gets one comment by {@code nightly} suggesting it, key
 * {@code nightly-duplicate/<newer>/<older>}, so a re-run or a restart never comments twice. A pair
 * someone already named (a comment on either issue naming the other, as triage's suggestion does) is
 * not suggested again.
 */
public final class DuplicateSweep {
  private final Tracker tracker;
  private final CompletionStage<Graph> graph;
  private final double linkConfidence;
  private final double suggestConfidence;
  private final int similarIssues;

  /** The thresholds are triage's ({@code turbo-agents.triage.link-confidence}, {@code suggest-confidence}, {@code similar-issues}). */
  public DuplicateSweep(Tracker tracker, CompletionStage<Graph> graph, double linkConfidence, double suggestConfidence,
      int similarIssues) {
    this.tracker = tracker;
    this.graph = graph;
    this.linkConfidence = linkConfidence;
    this.suggestConfidence = suggestConfidence;
    this.similarIssues = similarIssues;
  }

  /** What became of a pair. */
  public enum Fate { LINKED, WOULD_LINK, SUGGESTED, WOULD_SUGGEST, ALREADY_NAMED, PAUSED, FAILED }

  /** {@code issue} (the newer) may duplicate {@code original}; {@code note} says why it failed when it did. */
  public record Pair(String issue, String original, double confidence, Fate fate, String note) {}

  /** The pairs found, strongest first; {@code skipped} says why nothing was searched (no graph). */
  public record Outcome(java.util.Optional<String> skipped, int searched, List<Pair> pairs) {
    public long count(Fate fate) {
      return pairs.stream().filter(p -> p.fate() == fate).count();
    }
  }

  /** {@code nightly-duplicate/<issue>/<original>}: one suggestion per pair, ever. */
  public static String key(String issue, String original) {
    return "nightly-duplicate/" + issue + "/" + original;
  }

  public CompletionStage<Outcome> sweep(boolean dryRun, BooleanSupplier paused) {
    if (!graph.toCompletableFuture().isDone() || graph.toCompletableFuture().isCompletedExceptionally()) {
      return CompletableFuture.completedFuture(new Outcome(java.util.Optional.of("the knowledge graph is not serving"), 0, List.of()));
    }
    Graph g = graph.toCompletableFuture().join();
    return tracker.issues(IssueFilter.all()).thenCompose(all -> {
      Map<String, Issue> open = all.stream().map(IndexedIssue::issue).filter(DuplicateSweep::open)
          .collect(Collectors.toMap(Issue::id, Function.identity()));
      List<Issue> ordered = open.values().stream().sorted(Comparator.comparing(Issue::createdAt)).toList();
      Set<String> seen = new HashSet<>();
      List<Pair> candidates = new ArrayList<>();
      CompletionStage<Void> found = CompletableFuture.completedFuture(null);
      for (Issue issue : ordered) {
        found = found.thenCompose(v -> SimilarIssues.find(g, issue.title() + "\n" + issue.description(), Set.of(issue.id()),
            similarIssues).thenAccept(similar -> similar.stream()
                .filter(s -> s.confidence() >= suggestConfidence && open.containsKey(s.issueId()))
                .forEach(s -> pair(issue, open.get(s.issueId()), s.confidence()).filter(p -> seen.add(p.issue() + "/" + p.original()))
                    .ifPresent(candidates::add))));
      }
      return found.thenCompose(v -> act(candidates.stream().sorted(Comparator.comparingDouble(Pair::confidence).reversed()).toList(),
          open, dryRun, paused));
    });
  }

  private CompletionStage<Outcome> act(List<Pair> candidates, Map<String, Issue> open, boolean dryRun, BooleanSupplier paused) {
    List<Pair> done = new ArrayList<>();
    Set<String> linked = new HashSet<>();
    CompletionStage<Void> all = CompletableFuture.completedFuture(null);
    for (Pair p : candidates) {
      // an issue linked now is closed: neither side of another pair
      all = all.thenCompose(v -> linked.contains(p.issue()) || linked.contains(p.original()) ? CompletableFuture.completedFuture(null)
          : one(p, open, dryRun, paused).thenAccept(result -> {
            done.add(result);
            if (result.fate() == Fate.LINKED || result.fate() == Fate.WOULD_LINK) {
              linked.add(result.issue());
            }
          }));
    }
    return all.thenApply(v -> new Outcome(java.util.Optional.empty(), open.size(), List.copyOf(done)));
  }

  private CompletionStage<Pair> one(Pair p, Map<String, Issue> open, boolean dryRun, BooleanSupplier paused) {
    Issue original = open.get(p.original());
    String target = original.duplicateOf().orElse(original.id());
    if (p.confidence() >= linkConfidence) {
      Pair link = new Pair(p.issue(), target, p.confidence(), dryRun ? Fate.WOULD_LINK : Fate.LINKED, "");
      if (dryRun) {
        return CompletableFuture.completedFuture(link);
      }
      if (paused.getAsBoolean()) {
        return CompletableFuture.completedFuture(with(link, Fate.PAUSED, ""));
      }
      return tracker.markDuplicate(p.issue(), target, OptionalLong.empty()).thenApply(i -> link)
          .exceptionally(e -> with(link, Fate.FAILED, AsyncFailure.cause(e).getMessage()));
    }
    return named(p).thenCompose(already -> {
      if (already) {
        return CompletableFuture.completedFuture(with(p, Fate.ALREADY_NAMED, ""));
      }
      if (dryRun) {
        return CompletableFuture.completedFuture(with(p, Fate.WOULD_SUGGEST, ""));
      }
      if (paused.getAsBoolean()) {
        return CompletableFuture.completedFuture(with(p, Fate.PAUSED, ""));
      }
      String text = "Possibly a duplicate of #" + p.original() + " (" + original.title() + "): similarity "
          + String.format("%.2f", p.confidence()) + " (the nightly's duplicate sweep; linked at "
          + String.format("%.2f", linkConfidence) + "). Mark it with duplicate_of if so.";
      // empty: the key was used, a crashed run's comment is there
      return CodeTools.commentOnce(tracker, p.issue(), text, StaleIssues.AUTHOR, key(p.issue(), p.original()))
          .thenApply(c -> with(p, c.isPresent() ? Fate.SUGGESTED : Fate.ALREADY_NAMED, ""));
    }).exceptionally(e -> with(p, Fate.FAILED, AsyncFailure.cause(e).getMessage()));
  }

  /** Whether a comment on either issue already names the other (triage's suggestion, a person, the nightly). */
  private CompletionStage<Boolean> named(Pair p) {
    return tracker.issueHistory(p.issue()).thenCombine(tracker.issueHistory(p.original()),
        (mine, theirs) -> names(mine, p.original()) || names(theirs, p.issue()));
  }

  private static boolean names(List<HistoryEntry> history, String other) {
    return history.stream().anyMatch(e -> e.event() instanceof CommentAdded c && c.comment().text().contains(other));
  }

  /** The newer of the two is the possible duplicate; none when one already duplicates the other. */
  private static java.util.Optional<Pair> pair(Issue a, Issue b, double confidence) {
    Issue newer = a.createdAt().isAfter(b.createdAt()) ? a : b;
    Issue older = newer == a ? b : a;
    if (newer.duplicateOf().isPresent() || older.duplicateOf().equals(java.util.Optional.of(newer.id()))) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Pair(newer.id(), older.id(), confidence, Fate.WOULD_SUGGEST, ""));
  }

  private static Pair with(Pair p, Fate fate, String note) {
    return new Pair(p.issue(), p.original(), p.confidence(), fate, note);
  }

  private static boolean open(Issue issue) {
    return issue.status() != IssueStatus.DONE && issue.status() != IssueStatus.CLOSED && issue.duplicateOf().isEmpty();
  }
}
