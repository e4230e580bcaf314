package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code turbo-agents schedule list|run <name>}: the autonomy's schedules (standup, nightly). */
@Command(name = "schedule", mixinStandardHelpOptions = true, description = "List the autonomy's schedules, run one now.",
    subcommands = {ScheduleCommand.ListSchedules.class, ScheduleCommand.Run.class})
public final class ScheduleCommand extends CommandGroup {

  static String line(JsonNode s) {
    return String.format("%-8s %-14s %-14s next %s  last %s%s  %s%n", s.path("name").asText(), s.path("cron").asText(),
        s.path("zone").asText(), s.path("next_run").asText("-"), s.path("last_run").asText("never"),
        s.path("running").asBoolean() ? " (running)" : "", s.path("last_outcome").asText(""));
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Each schedule: next run, last run, its outcome.")
  static final class ListSchedules implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/agents/schedules"); }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.path("schedules").forEach(s -> out.append(line(s)));
          return out.toString();
        }
      });
    }
  }

  @Command(name = "run", mixinStandardHelpOptions = true, description = "Run a schedule now, whatever its cron says.")
  static final class Run implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "the schedule: standup or nightly") String name;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
          return c.post("/agents/schedules/" + java.net.URLEncoder.encode(name, java.nio.charset.StandardCharsets.UTF_8)
              + "/run", Map.of());
        }
        public String render(JsonNode s) { return "started " + line(s); }
      });
    }
  }
}
