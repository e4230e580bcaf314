package dev.turboagents.persistence.graph;

import java.util.List;

/**
 * Context for a model prompt, built from the graph (the RAG step).
 *
 * @param text the formatted entries, each starting with its id in brackets ("[issue:42]") for citation
 * @param cited the entities in {@code text}, in order
 * @param estimatedTokens tokens of {@code text}, estimated at 4 characters per token
 * @param truncated true when entries were left out to stay within the budget
 */
public record GraphContext(String text, List<EntityRef> cited, int estimatedTokens, boolean truncated) {

  static int estimateTokens(String text) {
    return (text.length() + 3) / 4;
  }
}
