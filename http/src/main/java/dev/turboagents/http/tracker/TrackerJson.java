package dev.turboagents.http.tracker;

import dev.turboagents.persistence.issues.Comment;
import dev.turboagents.persistence.issues.Issue;
import dev.turboagents.persistence.projects.Project;
import dev.turboagents.persistence.tracker.HistoryEntry;
import dev.turboagents.persistence.tracker.IndexedIssue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** How issues, projects, comments and history look on the wire (field order is the documented one). */
final class TrackerJson {

  private TrackerJson() {}

  static Map<String, Object> issue(IndexedIssue indexed) {
    return issue(indexed, Optional.empty());
  }

  /** The issue; with {@code comments} present they are included (one issue), else only their count (listings). */
  static Map<String, Object> issue(IndexedIssue indexed, Optional<List<Comment>> comments) {
    Issue i = indexed.issue();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", i.id());
    m.put("title", i.title());
    m.put("description", i.description());
    m.put("status", i.status().wire());
    m.put("priority", i.priority().wire());
    m.put("labels", i.labels());
    m.put("assignee", i.assignee().orElse(null));
    m.put("project_id", i.projectId().orElse(null));
    m.put("blocked_by", i.blockedBy());
    m.put("blocks", indexed.blocks());
    m.put("duplicate_of", i.duplicateOf().orElse(null));
    m.put("comment_count", i.commentCount());
    m.put("created_by", i.createdBy());
    m.put("created_at", i.createdAt().toString());
    m.put("updated_at", i.updatedAt().toString());
    m.put("version", i.version());
    comments.ifPresent(cs -> m.put("comments", cs.stream().map(c -> comment(i.id(), c)).toList()));
    return m;
  }

  static Map<String, Object> comment(String issueId, Comment c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", c.id());
    m.put("issue_id", issueId);
    m.put("text", c.text());
    m.put("author", c.author());
    m.put("created_at", c.createdAt().toString());
    return m;
  }

  static Map<String, Object> dependencies(IndexedIssue indexed) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", indexed.issue().id());
    m.put("blocked_by", indexed.issue().blockedBy());
    m.put("blocks", indexed.blocks());
    m.put("duplicate_of", indexed.issue().duplicateOf().orElse(null));
    return m;
  }

  static Map<String, Object> project(Project p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", p.id());
    m.put("name", p.name());
    m.put("description", p.description());
    m.put("status", p.status().wire());
    m.put("created_by", p.createdBy());
    m.put("created_at", p.createdAt().toString());
    m.put("updated_at", p.updatedAt().toString());
    m.put("version", p.version());
    return m;
  }

  static List<Map<String, Object>> history(List<HistoryEntry> entries) {
    return entries.stream().map(e -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("sequence", e.sequence());
      m.put("type", snake(e.type()));
      m.put("at", e.at().toString());
      m.put("event", e.event());
      return m;
    }).toList();
  }

  /** IssueCreated -> issue_created. */
  static String snake(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
  }
}
