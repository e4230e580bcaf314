package dev.turboagents.actors.issues;

import dev.turboagents.persistence.graph.EntityType;
import dev.turboagents.persistence.graph.Graph;
import dev.turboagents.persistence.graph.SearchHit;
import dev.turboagents.persistence.graph.SearchQuery;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The graph's hybrid search over issues, for likely duplicates. {@code confidence} is the cosine
 * similarity of the two issues' embeddings (0..1, the graph's embedding model): unlike the hybrid
 * relevance, whose full-text part is relative to the best hit, it means the same from one query to the next.
 */
public final class SimilarIssues {

  public record Similar(String issueId, String title, String status, double confidence, double relevance) {}

  private SimilarIssues() {}

  /** Issues like {@code text}, most similar first, {@code self} left out. */
  public static CompletionStage<List<Similar>> find(Graph graph, String text, Set<String> self, int limit) {
    SearchQuery query = SearchQuery.of(text, limit, 0.0).withTypes(Set.of(EntityType.ISSUE))
        .excluding(self.stream().map(id -> dev.turboagents.persistence.graph.EntityRef.issue(id).key())
            .collect(java.util.stream.Collectors.toSet()));
    return graph.search(query).thenApply(hits -> hits.stream().map(SimilarIssues::similar)
        .sorted(java.util.Comparator.comparingDouble(Similar::confidence).reversed()).toList());
  }

  private static Similar similar(SearchHit h) {
    return new Similar(h.entity().id(), h.title(), h.status(), h.vectorScore(), h.relevance());
  }

  /** The text an issue is searched by. */
  public static String text(IssueTracker.TrackedIssue issue) {
    return issue.title() + "\n" + issue.description();
  }
}
