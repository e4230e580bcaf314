package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbo-agents issue create|list|show|comment}: the work tracker from a terminal. */
@Command(name = "issue", mixinStandardHelpOptions = true, description = "Create, list, show and comment on issues.",
    subcommands = {IssueCommand.Create.class, IssueCommand.ListIssues.class, IssueCommand.Show.class, IssueCommand.CommentOn.class})
public final class IssueCommand extends CommandGroup {

  /** Runs one client call; a failure is one line on stderr and exit code 1. */
  static int send(ClientOptions options, ClientCall call) {
    try {
      JsonNode result = call.run(options.client());
      PrintStream out = System.out;
      if (options.json) {
        out.println(DaemonClient.pretty(result));
      } else {
        out.print(call.render(result));
      }
      return 0;
    } catch (DaemonClient.Failure e) {
      System.err.println("turbo-agents: " + e.getMessage());
      return 1;
    }
  }

  interface ClientCall {
    JsonNode run(DaemonClient client) throws DaemonClient.Failure;

    String render(JsonNode result);
  }

  static String line(JsonNode issue) {
    return String.format("%s  %-11s %-8s %s%n", issue.path("id").asText(), issue.path("status").asText(),
        issue.path("priority").asText(), issue.path("title").asText());
  }

  static String details(JsonNode issue) {
    StringBuilder out = new StringBuilder();
    out.append(issue.path("title").asText()).append('\n');
    out.append("id:        ").append(issue.path("id").asText()).append('\n');
    out.append("status:    ").append(issue.path("status").asText()).append("   priority: ").append(issue.path("priority").asText()).append('\n');
    List<String> labels = new ArrayList<>();
    issue.path("labels").forEach(l -> labels.add(l.asText()));
    out.append("labels:    ").append(String.join(", ", labels)).append('\n');
    if (!issue.path("assignee").isNull() && issue.has("assignee")) {
      out.append("assignee:  ").append(issue.path("assignee").asText()).append('\n');
    }
    if (!issue.path("project_id").isNull() && issue.has("project_id")) {
      out.append("project:   ").append(issue.path("project_id").asText()).append('\n');
    }
    if (issue.path("blocked_by").size() > 0) {
      out.append("blocked by: ").append(issue.path("blocked_by")).append('\n');
    }
    if (issue.path("blocks").size() > 0) {
      out.append("blocks:    ").append(issue.path("blocks")).append('\n');
    }
    if (!issue.path("duplicate_of").isNull() && issue.has("duplicate_of")) {
      out.append("duplicate of: ").append(issue.path("duplicate_of").asText()).append('\n');
    }
    out.append("version:   ").append(issue.path("version").asLong()).append("   updated ").append(issue.path("updated_at").asText()).append('\n');
    if (!issue.path("description").asText().isEmpty()) {
      out.append('\n').append(issue.path("description").asText()).append('\n');
    }
    for (JsonNode c : issue.path("comments")) {
      out.append("\n-- ").append(c.path("author").asText()).append(" at ").append(c.path("created_at").asText()).append('\n')
          .append(c.path("text").asText()).append('\n');
    }
    return out.toString();
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Open an issue.")
  static final class Create implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Option(names = {"-t", "--title"}, required = true, description = "one-line title") String title;
    @Option(names = {"-d", "--description"}, defaultValue = "", description = "longer description") String description;
    @Option(names = {"-p", "--priority"}, description = "low, medium, high or critical") String priority;
    @Option(names = {"-l", "--label"}, description = "a label (repeatable)") List<String> labels = new ArrayList<>();
    @Option(names = "--project", description = "project id") String project;
    @Option(names = "--assignee", description = "person or agent") String assignee;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("title", title);
      body.put("description", description);
      body.put("labels", labels);
      if (priority != null) body.put("priority", priority);
      if (project != null) body.put("project_id", project);
      if (assignee != null) body.put("assignee", assignee);
      return send(options, new ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/issues", body); }
        public String render(JsonNode r) { return "created " + line(r); }
      });
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List issues, optionally filtered.")
  static final class ListIssues implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Option(names = {"-s", "--status"}, description = "open, in_progress, review, blocked, done or closed") String status;
    @Option(names = {"-l", "--label"}, description = "only issues with this label") String label;
    @Option(names = "--project", description = "only issues of this project") String project;

    @Override
    public Integer call() {
      List<String> query = new ArrayList<>();
      if (status != null) query.add("status=" + enc(status));
      if (label != null) query.add("label=" + enc(label));
      if (project != null) query.add("project_id=" + enc(project));
      String path = "/issues" + (query.isEmpty() ? "" : "?" + String.join("&", query));
      return send(options, new ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get(path); }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.forEach(i -> out.append(line(i)));
          return out.length() == 0 ? "no issues\n" : out.toString();
        }
      });
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one issue with its comments.")
  static final class Show implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(paramLabel = "ID", description = "issue id") String id;

    @Override
    public Integer call() {
      return send(options, new ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/issues/" + enc(id)); }
        public String render(JsonNode r) { return details(r); }
      });
    }
  }

  @Command(name = "comment", mixinStandardHelpOptions = true, description = "Comment on an issue.")
  static final class CommentOn implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", paramLabel = "ID", description = "issue id") String id;
    @Parameters(index = "1", paramLabel = "TEXT", description = "the comment") String text;
    @Option(names = {"-a", "--author"}, description = "who is speaking (default: $USER)") String author;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("text", text);
      body.put("author", author != null ? author : System.getProperty("user.name", "user"));
      return send(options, new ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/issues/" + enc(id) + "/comments", body); }
        public String render(JsonNode r) { return "commented on " + id + " as " + r.path("author").asText() + "\n"; }
      });
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
