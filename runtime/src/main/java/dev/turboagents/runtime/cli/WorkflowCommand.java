package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbo-agents workflow implement-and-review|show|cancel}: the multi-agent workflows of a running daemon. */
@Command(name = "workflow", mixinStandardHelpOptions = true, description = "Start, show and cancel multi-agent workflows.",
    subcommands = {WorkflowCommand.ImplementAndReview.class, WorkflowCommand.Show.class, WorkflowCommand.Cancel.class})
public final class WorkflowCommand extends CommandGroup {

  static String render(JsonNode w) {
    StringBuilder out = new StringBuilder(String.format("%s  %-9s issue %s  round %d of %d%s%n", w.path("id").asText(),
        w.path("status").asText(), w.path("issue_id").asText(), w.path("round").asInt(), w.path("max_rounds").asInt(),
        w.path("branch").isTextual() ? "  " + w.path("branch").asText() : ""));
    w.path("steps").forEach(s -> out.append(step(s)));
    if (w.path("result").isTextual()) {
      out.append("result: ").append(w.path("result").asText()).append('\n');
    }
    return out.toString();
  }

  static String step(JsonNode s) {
    return String.format("  %-9s round %d  %-9s %s%s%n", s.path("step").asText(), s.path("round").asInt(),
        s.path("status").asText(), s.path("job_id").isTextual() ? "job " + s.path("job_id").asText() + " " : "",
        s.path("detail").asText(""));
  }

  /** Prints each step as it changes until the workflow ends. */
  static int watch(ClientOptions options, String id) {
    Map<String, String> printed = new LinkedHashMap<>();
    try {
      while (true) {
        JsonNode w = options.client().get("/agents/workflows/" + id);
        int i = 0;
        for (JsonNode s : w.path("steps")) {
          String line = step(s);
          if (!line.equals(printed.put(String.valueOf(i++), line))) {
            System.out.print(options.json ? s + "\n" : line);
          }
        }
        if (!w.path("status").asText().equals("running")) {
          System.out.println(options.json ? w.toString() : w.path("status").asText() + ": " + w.path("result").asText(""));
          return w.path("status").asText().equals("succeeded") ? 0 : 1;
        }
        Thread.sleep(1000);
      }
    } catch (DaemonClient.Failure e) {
      System.err.println("turbo-agents: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  @Command(name = "implement-and-review", mixinStandardHelpOptions = true,
      description = "Implement an issue, review the change and revise it until the review passes (at most max-rounds), "
          + "then comment the result on the issue.")
  static final class ImplementAndReview implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the issue's id") String issue;
    @Option(names = "--watch", description = "follow the workflow's steps until it ends") boolean watch;

    @Override
    public Integer call() {
      String[] id = {null};
      int code = IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
          JsonNode r = c.post("/agents/workflows/implement-and-review", Map.of("issue_id", issue,
              "requested_by", "cli:" + System.getProperty("user.name", "user")));
          id[0] = r.path("workflow_id").asText();
          return r;
        }
        public String render(JsonNode r) {
          return "workflow " + r.path("workflow_id").asText() + " " + r.path("status").asText() + "\n";
        }
      });
      return code == 0 && watch ? watch(options, id[0]) : code;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One workflow with its steps and rounds.")
  static final class Show implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the workflow's id") String id;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/agents/workflows/" + id); }
        public String render(JsonNode w) { return WorkflowCommand.render(w); }
      });
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a workflow and its running job.")
  static final class Cancel implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the workflow's id") String id;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
          return c.post("/agents/workflows/" + id + "/cancel", Map.of());
        }
        public String render(JsonNode w) { return WorkflowCommand.render(w); }
      });
    }
  }
}
