package dev.turboagents.actors.tools.workspace;

import dev.turboagents.actors.tools.TrimmedText;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.stream.Collectors;

/**
 * What a review looks at: per file the lines the change touches, and the unified diff.
 *
 * @param text the unified diff, cut after {@code turbo-agents.workspace.max-diff-size}
 */
public record ReviewDiff(ReviewRange range, List<ChangedFile> files, TrimmedText text) {

  /**
   * @param path the file's path at the tip (its old path when deleted)
   * @param touched line numbers at the tip that the change added or changed; a pure deletion counts
   *     the line before it (or line 1); a deleted file has none
   */
  public record ChangedFile(String path, DiffStat.Change change, Optional<String> from, SortedSet<Integer> touched) {

    /** "3-5, 9" */
    public String touchedRanges() {
      StringBuilder out = new StringBuilder();
      Integer start = null;
      Integer previous = null;
      for (int line : touched) {
        if (previous != null && line == previous + 1) {
          previous = line;
          continue;
        }
        if (start != null) {
          out.append(out.isEmpty() ? "" : ", ").append(start.equals(previous) ? "" + start : start + "-" + previous);
        }
        start = line;
        previous = line;
      }
      if (start != null) {
        out.append(out.isEmpty() ? "" : ", ").append(start.equals(previous) ? "" + start : start + "-" + previous);
      }
      return out.toString();
    }
  }

  public ReviewDiff {
    files = List.copyOf(files);
  }

  /** Whether the change touches line {@code line} of {@code path}. */
  public boolean touches(String path, int line) {
    return files.stream().anyMatch(f -> f.path().equals(path) && f.touched().contains(line));
  }

  public Optional<ChangedFile> file(String path) {
    return files.stream().filter(f -> f.path().equals(path)).findFirst();
  }

  /** One line per file: change, path and touched lines, for a model. */
  public String summary() {
    return files.stream().map(f -> f.change().name().toLowerCase(java.util.Locale.ROOT) + " " + f.path()
        + f.from().map(o -> " (from " + o + ")").orElse("")
        + (f.touched().isEmpty() ? "" : ": lines " + f.touchedRanges())).collect(Collectors.joining("\n"));
  }
}
