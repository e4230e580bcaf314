package dev.turboagents.persistence.graph.code;

/**
 * One chunk of a source file that matched a code search.
 *
 * @param startLine first line of the chunk, 1-based
 * @param endLine last line of the chunk, inclusive
 * @param relevance the combined score, 0..1
 */
public record CodeHit(String path, int startLine, int endLine, String snippet, double relevance) {}
