package dev.turboagents.actors.tools;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which tools each agent may use. Fixed in code per agent, never widened by any text: an issue, a
 * file or a model answer asking for another tool gets a refusal.
 */
public record ToolPolicy(Map<String, Set<String>> allowed) {

  /** The code agent's tools, names and arguments as in the seed (plus the patch edit, list_files, git_diff). */
  public static final List<String> CODE_TOOLS = List.of("read_file", "write_file", "edit_file", "list_files",
      "search_codebase", "run_tests", "get_related_issues", "git_diff", "add_comment");

  /** The issue agent's tools (triage and summaries), as in the seed. */
  public static final List<String> ISSUE_TOOLS = List.of("update_issue", "add_comment", "search_similar_issues",
      "get_issue_dependencies", "get_related_issues");

  public static ToolPolicy standard() {
    return new ToolPolicy(Map.of("code", Set.copyOf(CODE_TOOLS), "review", Set.copyOf(ReviewTools.NAMES),
        "issue", Set.copyOf(ISSUE_TOOLS), "chat", Set.copyOf(ChatTools.NAMES)));
  }

  public Set<String> toolsOf(String agent) {
    return allowed.getOrDefault(agent, Set.of());
  }

  /** Why {@code agent} may not call {@code tool}, when it may not. */
  public Optional<String> refusal(String agent, String tool) {
    return toolsOf(agent).contains(tool)
        ? Optional.empty()
        : Optional.of("the " + agent + " agent may not use '" + tool + "'; its tools are " + List.copyOf(toolsOf(agent)));
  }
}
