package dev.turboagents.persistence.graph;

/**
 * One search result.
 *
 * @param relevance the combined score, 0..1
 * @param vectorScore cosine similarity of the query and the node's embedding, clamped to 0..1
 * @param textScore full-text score divided by the best full-text score of this query, 0..1
 */
public record SearchHit(EntityRef entity, String title, double relevance, String snippet, String status,
    double vectorScore, double textScore) {}
