package dev.turboagents.persistence.graph.code;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The workspace's source files in the knowledge graph, for the agents' {@code search_codebase}
 * tool: File nodes and embedded chunks with path and line range, indexed incrementally by git
 * blob id. Stages fail with {@link dev.turboagents.persistence.graph.GraphUnavailable} while Neo4j
 * cannot be reached.
 */
public interface CodeIndex {

  /**
   * Makes the index hold exactly {@code files}, the whole tree of {@code revision}: a file whose
   * blob id is already indexed is skipped, a new or changed one is read and chunked, a path no
   * longer in the tree is dropped.
   */
  CompletionStage<CodeIndexReport> index(String revision, List<SourceFile> files);

  /** How many files and chunks the index holds, for /health. */
  CompletionStage<CodeIndexTotals> totals();

  /** Hybrid (vector + full-text) search over the chunks, best first. */
  CompletionStage<List<CodeHit>> search(String query, int limit);
}
