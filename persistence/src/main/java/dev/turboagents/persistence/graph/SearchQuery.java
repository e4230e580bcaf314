package dev.turboagents.persistence.graph;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A search of the knowledge graph.
 *
 * @param text what to look for, in words
 * @param limit most hits returned
 * @param minRelevance hits scoring below this (0..1) are left out
 * @param mode hybrid (default), vector only or full-text only
 * @param types only these kinds of node; empty for all
 * @param project only nodes of this project
 * @param statuses only nodes with one of these statuses; empty for any
 * @param exclude keys ("issue:42") never returned, e.g. the issue whose duplicates are searched
 * @param asOf answer from the facts valid then: an issue's status is the one it had, issues created
 *     later are left out, and {@code statuses} filters by the status then
 */
public record SearchQuery(String text, int limit, double minRelevance, Mode mode, Set<EntityType> types,
    Optional<String> project, Set<String> statuses, Set<String> exclude, Optional<Instant> asOf) {

  /** How hits are scored. */
  public enum Mode { HYBRID, VECTOR, FULLTEXT }

  public SearchQuery {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("query must not be empty");
    }
    if (limit < 1 || limit > 1000) {
      throw new IllegalArgumentException("limit must be between 1 and 1000, was " + limit);
    }
    if (!(minRelevance >= 0 && minRelevance <= 1)) {
      throw new IllegalArgumentException("min_relevance must be between 0 and 1, was " + minRelevance);
    }
    types = Set.copyOf(types);
    statuses = Set.copyOf(statuses);
    exclude = Set.copyOf(exclude);
  }

  public static SearchQuery of(String text, int limit, double minRelevance) {
    return new SearchQuery(text, limit, minRelevance, Mode.HYBRID, Set.of(), Optional.empty(), Set.of(), Set.of(), Optional.empty());
  }

  public SearchQuery withMode(Mode value) {
    return new SearchQuery(text, limit, minRelevance, value, types, project, statuses, exclude, asOf);
  }

  public SearchQuery withTypes(Set<EntityType> value) {
    return new SearchQuery(text, limit, minRelevance, mode, value, project, statuses, exclude, asOf);
  }

  public SearchQuery inProject(String value) {
    return new SearchQuery(text, limit, minRelevance, mode, types, Optional.of(value), statuses, exclude, asOf);
  }

  public SearchQuery withStatuses(Set<String> value) {
    return new SearchQuery(text, limit, minRelevance, mode, types, project, value, exclude, asOf);
  }

  public SearchQuery excluding(Set<String> keys) {
    return new SearchQuery(text, limit, minRelevance, mode, types, project, statuses, keys, asOf);
  }

  public SearchQuery asOf(Instant value) {
    return new SearchQuery(text, limit, minRelevance, mode, types, project, statuses, exclude, Optional.of(value));
  }

  boolean filtered() {
    return !types.isEmpty() || project.isPresent() || !statuses.isEmpty();
  }
}
