package dev.turboagents.actors.issues;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The labels triage may give: those the project's issues already use plus the configured defaults,
 * lower-cased and sorted. The triage answer schema enumerates exactly these; update_issue refuses others.
 */
public record AllowedLabels(List<String> labels) {

  public static AllowedLabels of(Collection<IssueTracker.TrackedIssue> issues, Collection<String> defaults) {
    TreeSet<String> all = new TreeSet<>();
    defaults.forEach(l -> all.add(normal(l)));
    issues.forEach(i -> i.labels().forEach(l -> all.add(normal(l))));
    all.remove("");
    return new AllowedLabels(List.copyOf(all));
  }

  /** The labels of {@code wanted} outside the set (empty = all allowed). */
  public List<String> outside(Collection<String> wanted) {
    return wanted.stream().map(AllowedLabels::normal).filter(l -> !labels.contains(l)).distinct().toList();
  }

  private static String normal(String label) {
    return label.strip().toLowerCase(Locale.ROOT);
  }
}
