package dev.turboagents.persistence.tracker;

import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.issues.IssueStatus;
import java.util.Optional;

/** Which issues a listing returns; every present criterion must match. */
public record IssueFilter(Optional<IssueStatus> status, Optional<String> label, Optional<String> projectId,
    Optional<String> assignee) {

  public static IssueFilter all() {
    return new IssueFilter(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  public boolean matches(Issue issue) {
    return status.map(s -> s == issue.status()).orElse(true)
        && label.map(l -> issue.labels().contains(l)).orElse(true)
        && projectId.map(p -> issue.projectId().equals(Optional.of(p))).orElse(true)
        && assignee.map(a -> issue.assignee().equals(Optional.of(a))).orElse(true);
  }
}
