package dev.turboagents.persistence.graph.code;

import java.nio.file.Path;

/**
 * One file of a tree to index.
 *
 * @param path its path in the repository, with {@code /} separators
 * @param blobId the git blob id of its content: the same id means the same content
 * @param location where its content can be read; only read when the blob is not indexed yet
 */
public record SourceFile(String path, String blobId, Path location) {}
