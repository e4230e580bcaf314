package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbo-agents job list|show|watch|cancel}: agent jobs of a running daemon. */
@Command(name = "job", mixinStandardHelpOptions = true, description = "List, show, follow and cancel agent jobs.",
    subcommands = {JobCommand.ListJobs.class, JobCommand.Show.class, JobCommand.Watch.class, JobCommand.Cancel.class})
public final class JobCommand extends CommandGroup {

  static String line(JsonNode job) {
    return String.format("%s  %-9s %-5s issue %s%s%n", job.path("id").asText(), job.path("status").asText(),
        job.path("agent").asText(), job.path("issue_id").asText("-"),
        job.path("error").isTextual() ? "  " + job.path("error").asText() : "");
  }

  static String step(String type, JsonNode s) {
    return switch (type) {
      case "turn" -> String.format("turn %d  %-10s %s%n", s.path("step").asInt(), s.path("kind").asText(),
          s.path("answer").asText());
      case "tool" -> String.format("  %s %s -> %s: %s%n", s.path("tool").asText(), s.path("arguments").asText(),
          s.path("outcome").asText(), firstLine(s.path("result").asText()));
      case "context" -> "context: " + s.path("sources") + "\n";
      case "condensed" -> "condensed through turn " + s.path("step").asInt() + "\n";
      default -> type + (s.path("reason").isTextual() ? ": " + s.path("reason").asText() : "")
          + (s.path("result").isTextual() ? ": " + s.path("result").asText() : "") + "\n";
    };
  }

  private static String firstLine(String text) {
    String line = text.lines().findFirst().orElse("");
    return line.length() > 120 ? line.substring(0, 117) + "..." : line;
  }

  static int watch(ClientOptions options, String id) {
    try {
      boolean[] midAnswer = {false};
      options.client().events("/agents/jobs/" + id + "/events", (type, data) -> {
        if (options.json) {
          System.out.println(data);
        } else if (type.equals("token")) {
          // the model's answer as it comes; its whole turn follows once it is recorded
          System.out.print(data.path("text").asText());
          midAnswer[0] = true;
        } else {
          System.out.print((midAnswer[0] ? "\n" : "") + step(type, data));
          midAnswer[0] = false;
        }
        System.out.flush();
      });
      return 0;
    } catch (DaemonClient.Failure e) {
      System.err.println("turbo-agents: " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Jobs, newest first.")
  static final class ListJobs implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Option(names = "--status", description = "queued, running, waiting, succeeded, failed, cancelled") String status;
    @Option(names = "--agent", description = "e.g. code") String agent;
    @Option(names = "--issue", description = "jobs on this issue") String issue;

    @Override
    public Integer call() {
      StringBuilder query = new StringBuilder();
      Map.of("status", status == null ? "" : status, "agent", agent == null ? "" : agent, "issue_id",
          issue == null ? "" : issue).forEach((k, v) -> {
            if (!v.isEmpty()) {
              query.append(query.length() == 0 ? "?" : "&").append(k).append('=')
                  .append(java.net.URLEncoder.encode(v, java.nio.charset.StandardCharsets.UTF_8));
            }
          });
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/agents/jobs" + query); }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.path("jobs").forEach(j -> out.append(line(j)));
          return out.length() == 0 ? "no jobs\n" : out.toString();
        }
      });
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "One job with its steps.")
  static final class Show implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the job's id") String id;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/agents/jobs/" + id); }
        public String render(JsonNode j) {
          StringBuilder out = new StringBuilder(line(j));
          if (j.path("branch").isTextual()) {
            out.append("branch: ").append(j.path("branch").asText()).append('\n');
          }
          j.path("steps").forEach(s -> out.append(step(s.path("type").asText(), s)));
          out.append("usage: ").append(j.path("usage")).append('\n');
          return out.toString();
        }
      });
    }
  }

  @Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a job's events until it ends.")
  static final class Watch implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the job's id") String id;

    @Override
    public Integer call() {
      return watch(options, id);
    }
  }

  @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job that has not finished.")
  static final class Cancel implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the job's id") String id;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/agents/jobs/" + id + "/cancel", Map.of()); }
        public String render(JsonNode j) { return line(j); }
      });
    }
  }
}
