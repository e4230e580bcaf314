package dev.turboagents.config;

/**
 * The code index: the workspace's source files as chunks in the knowledge graph, searched by the
 * agents' {@code search_codebase} tool.
 *
 * @param chunkLines lines per chunk
 * @param chunkOverlap lines a chunk shares with the one before it, less than {@code chunkLines}
 * @param maxFileSize largest file indexed, in bytes; larger ones are left out of the tree listed for indexing
 * @param hybridVectorWeight weight of the vector score in a code search, 0..1 (the rest is full-text)
 */
public record CodeIndexSettings(int chunkLines, int chunkOverlap, long maxFileSize, double hybridVectorWeight) {

  static CodeIndexSettings read(SettingsReader r) {
    int lines = r.intIn("turbo-agents.graph.code.chunk-lines", 1, 10_000);
    int overlap = r.intIn("turbo-agents.graph.code.chunk-overlap", 0, 10_000);
    if (overlap >= lines) {
      throw new InvalidSettingException("turbo-agents.graph.code.chunk-overlap",
          "must be less than turbo-agents.graph.code.chunk-lines (" + lines + "), was " + overlap);
    }
    double weight = r.config().getDouble("turbo-agents.graph.code.hybrid-vector-weight");
    if (!(weight >= 0 && weight <= 1)) {
      throw new InvalidSettingException("turbo-agents.graph.code.hybrid-vector-weight", "must be between 0 and 1, was " + weight);
    }
    return new CodeIndexSettings(lines, overlap, r.positiveBytes("turbo-agents.graph.code.max-file-size"), weight);
  }
}
