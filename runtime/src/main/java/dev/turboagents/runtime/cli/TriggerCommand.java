package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code turbo-agents trigger list}: the tracker's triggers (new issue → triage, a comment → a reply). */
@Command(name = "trigger", mixinStandardHelpOptions = true,
    description = "Show the work the tracker's events start by themselves.", subcommands = {TriggerCommand.ListTriggers.class})
public final class TriggerCommand extends CommandGroup {

  /** One trigger: its state (and why not on), its place in the tracker's journal, its counts, then its newest actions. */
  static String lines(JsonNode t) {
    StringBuilder out = new StringBuilder(String.format("%-18s %s%s%n", t.path("name").asText(), t.path("state").asText(),
        t.path("reason").isTextual() ? ": " + t.path("reason").asText() : ""));
    out.append(String.format("  journal offset %d of %s (lag %d%s)  started %d  done %d  skipped %d  failed %d  running %d%n",
        t.path("offset").asLong(), t.path("newest_offset").isNumber() ? t.path("newest_offset").asText() : "?",
        t.path("lag").asLong(), t.path("lag_is_at_least").asBoolean() ? "+" : "", t.path("started").asLong(),
        t.path("done").asLong(), t.path("skipped").asLong(), t.path("failed").asLong(), t.path("running").asLong()));
    t.path("recent").forEach(a -> out.append(String.format("  %s  %-13s issue %s%s%s  %s%s%n",
        a.path("ended_at").isTextual() ? a.path("ended_at").asText() : a.path("started_at").asText("-"),
        a.path("event").asText(), a.path("issue_id").asText(),
        a.path("comment_id").isTextual() ? " comment " + a.path("comment_id").asText() : "",
        a.path("job_id").isTextual() ? " job " + a.path("job_id").asText() : "", a.path("outcome").asText(),
        a.path("detail").isTextual() ? ": " + a.path("detail").asText() : "")));
    return out.toString();
  }

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Each trigger: on or why not, its lag behind the tracker's journal, its counts and newest actions.")
  static final class ListTriggers implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.get("/agents/triggers"); }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.path("triggers").forEach(t -> out.append(lines(t)));
          return out.toString();
        }
      });
    }
  }
}
