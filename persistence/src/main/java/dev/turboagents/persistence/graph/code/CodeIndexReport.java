package dev.turboagents.persistence.graph.code;

/** What one {@link CodeIndex#index} call did. */
public record CodeIndexReport(String revision, int files, int indexed, int unchanged, int removed, int chunks) {}
