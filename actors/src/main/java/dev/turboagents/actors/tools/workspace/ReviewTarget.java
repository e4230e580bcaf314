package dev.turboagents.actors.tools.workspace;

import java.util.Optional;

/**
 * What a review looks at, our "pull request": an agent job's branch, any branch of the workspace,
 * or a commit range {@code A..B}. A job's branch and a branch are reviewed against their merge base
 * with the main branch; a range against the merge base of its two ends (for {@code A..B} with A an
 * ancestor of B: A itself).
 */
public sealed interface ReviewTarget {

  /** How the request named it: "job j-1", "branch feature", "range a..b". */
  String describe();

  /** The branch {@code agents/<job-id>} of job {@code jobId}. */
  record JobBranch(String jobId) implements ReviewTarget {
    public String describe() {
      return "job " + jobId + " (branch " + Workspace.branch(jobId) + ")";
    }
  }

  record Branch(String name) implements ReviewTarget {
    public String describe() {
      return "branch " + name;
    }
  }

  /** @param from the older end, {@code to} the newer: any revision git understands (id, branch, tag, HEAD~2) */
  record Range(String from, String to) implements ReviewTarget {
    public String describe() {
      return "range " + from + ".." + to;
    }

    /** {@code A..B} with both ends non-empty and no third dot; empty otherwise. */
    public static Optional<Range> parse(String text) {
      int dots = text.indexOf("..");
      if (dots <= 0 || dots + 2 >= text.length() || text.charAt(dots + 2) == '.' || text.indexOf("..", dots + 2) >= 0) {
        return Optional.empty();
      }
      return Optional.of(new Range(text.substring(0, dots).strip(), text.substring(dots + 2).strip()));
    }
  }
}
