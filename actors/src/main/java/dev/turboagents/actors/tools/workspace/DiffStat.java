package dev.turboagents.actors.tools.workspace;

import java.util.List;
import java.util.Optional;

/** The files a job changed against its base, with lines added and deleted (binary files count 0). */
public record DiffStat(List<FileChange> files) {

  public enum Change { ADDED, MODIFIED, DELETED, RENAMED, COPIED }

  /** @param path the file's path now (its old path when deleted) */
  public record FileChange(String path, Change change, Optional<String> from, int added, int deleted) {}

  public DiffStat {
    files = List.copyOf(files);
  }

  public int added() {
    return files.stream().mapToInt(FileChange::added).sum();
  }

  public int deleted() {
    return files.stream().mapToInt(FileChange::deleted).sum();
  }
}
