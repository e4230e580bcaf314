package dev.turboagents.actors.tools;

import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.tracker.IndexedIssue;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What blocks a release, computed rather than asked of a model: the release's issues are those of
 * the project named like it or carrying it as a label; its blockers are the unfinished issues that
 * block one of them, directly or through another unfinished blocker.
 *
 * @param release the release as asked ("v1.0")
 * @param issues the release's own issues, by id
 * @param blockers each unfinished blocker with the release issues (or blockers) it blocks
 */
public record ReleaseBlockers(String release, List<Issue> issues, Map<Issue, Set<String>> blockers) {

  public static ReleaseBlockers of(String release, List<IndexedIssue> all, List<Project> projects) {
    String wanted = release.strip().toLowerCase(Locale.ROOT);
    Set<String> projectIds = projects.stream().filter(p -> p.name().strip().toLowerCase(Locale.ROOT).equals(wanted))
        .map(Project::id).collect(Collectors.toSet());
    Map<String, Issue> byId = all.stream().map(IndexedIssue::issue)
        .collect(Collectors.toMap(Issue::id, Function.identity(), (a, b) -> a));
    List<Issue> members = byId.values().stream()
        .filter(i -> i.projectId().map(projectIds::contains).orElse(false)
            || i.labels().stream().anyMatch(l -> l.strip().toLowerCase(Locale.ROOT).equals(wanted)))
        .sorted(java.util.Comparator.comparing(Issue::id)).toList();
    Map<String, Set<String>> blocks = new TreeMap<>();
    Deque<Issue> open = new ArrayDeque<>(members);
    Set<String> seen = new TreeSet<>();
    while (!open.isEmpty()) {
      Issue blocked = open.pop();
      if (!seen.add(blocked.id())) {
        continue;
      }
      for (String blockerId : blocked.blockedBy()) {
        Issue blocker = byId.get(blockerId);
        if (blocker != null && !blocker.status().isFinished()) {
          blocks.computeIfAbsent(blockerId, k -> new TreeSet<>()).add(blocked.id());
          open.push(blocker);
        }
      }
    }
    Map<Issue, Set<String>> blockers = new java.util.LinkedHashMap<>();
    blocks.forEach((id, what) -> blockers.put(byId.get(id), Set.copyOf(what)));
    return new ReleaseBlockers(release, members, blockers);
  }

  public Set<String> blockerIds() {
    return blockers.keySet().stream().map(Issue::id).collect(Collectors.toCollection(TreeSet::new));
  }

  /** The facts as a tool's result: one line per blocker, ids first. */
  public String text() {
    if (issues.isEmpty()) {
      return "no issue belongs to the release '" + release + "' (no project of that name, no issue with that label)";
    }
    if (blockers.isEmpty()) {
      return "the release '" + release + "' has " + issues.size() + " issues and no unfinished issue blocks them";
    }
    StringBuilder text = new StringBuilder("the release '" + release + "' (" + issues.size() + " issues) is blocked by "
        + blockers.size() + " unfinished issues:\n");
    blockers.forEach((b, what) -> text.append("- ").append(b.id()).append(" [").append(b.status().wire()).append(", ")
        .append(b.priority().wire()).append("] ").append(b.title()).append(" -- blocks ")
        .append(String.join(", ", new TreeSet<>(what))).append('\n'));
    return text.toString().strip();
  }

  /** The release a question names ("v1.0", "release 2.1"), if it names one. */
  public static Optional<String> named(String question) {
    var m = java.util.regex.Pattern.compile("(?i)\\b(v\\d+(?:\\.\\d+)*)\\b").matcher(question);
    if (m.find()) {
      return Optional.of(m.group(1));
    }
    var r = java.util.regex.Pattern.compile("(?i)\\brelease\\s+(\\d+(?:\\.\\d+)*)\\b").matcher(question);
    return r.find() ? Optional.of(r.group(1)) : Optional.empty();
  }
}
