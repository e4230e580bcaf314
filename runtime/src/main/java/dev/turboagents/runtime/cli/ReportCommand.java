package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code turbo-agents report [kind] [--limit n]}: the reports of the schedules' runs, newest first
 * ({@code GET /agents/reports}): each with its heading line and, unless {@code --brief}, its body.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = "The reports of the schedules' runs (standup, nightly), newest first.")
public final class ReportCommand implements Callable<Integer> {
  @Mixin ClientOptions options;
  @Parameters(index = "0", arity = "0..1", description = "only this schedule's reports: standup or nightly") String kind;
  @Option(names = "--limit", description = "at most this many reports (default ${DEFAULT-VALUE})", defaultValue = "10") int limit;
  @Option(names = "--brief", description = "only each report's heading line, without its body") boolean brief;

  @Override
  public Integer call() {
    return IssueCommand.send(options, new IssueCommand.ClientCall() {
      public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
        return c.get("/agents/reports?limit=" + limit
            + (kind == null ? "" : "&kind=" + URLEncoder.encode(kind, StandardCharsets.UTF_8)));
      }

      public String render(JsonNode r) {
        StringBuilder out = new StringBuilder();
        for (JsonNode report : r.path("reports")) {
          out.append(String.format("%s %s finished %s%s%s  %s%n", report.path("kind").asText(), report.path("slot").asText(),
              report.path("finished_at").asText(), report.path("manual").asBoolean() ? " (by hand)" : "",
              report.path("ok").asBoolean() ? "" : " FAILED", report.path("outcome").asText()));
          if (!brief) {
            out.append(report.path("body").asText()).append('\n');
          }
        }
        return out.isEmpty() ? "no reports yet\n" : out.toString();
      }
    });
  }
}
