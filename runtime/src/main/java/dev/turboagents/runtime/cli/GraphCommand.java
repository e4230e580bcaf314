package dev.turboagents.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code turbo-agents graph search|related|rebuild}: the knowledge graph of a running daemon. */
@Command(name = "graph", mixinStandardHelpOptions = true, description = "Search the knowledge graph, follow relations, rebuild it.",
    subcommands = {GraphCommand.Search.class, GraphCommand.Related.class, GraphCommand.Rebuild.class})
public final class GraphCommand extends CommandGroup {

  static String hits(JsonNode results) {
    StringBuilder out = new StringBuilder();
    results.forEach(h -> out.append(String.format(Locale.ROOT, "%.2f  %s:%s  %s%n", h.path("relevance").asDouble(),
        h.path("entity_type").asText(), h.path("entity_id").asText(), h.path("title").asText())));
    return out.length() == 0 ? "nothing found\n" : out.toString();
  }

  @Command(name = "search", mixinStandardHelpOptions = true, description = "Hybrid search (meaning and words).")
  static final class Search implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(arity = "1..*", description = "what to look for") String[] words;
    @Option(names = {"-n", "--limit"}, defaultValue = "10", description = "most hits (1-100)") int limit;
    @Option(names = "--min-relevance", description = "leave out hits below this (0-1)") Double minRelevance;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("query", String.join(" ", words));
      body.put("limit", limit);
      if (minRelevance != null) {
        body.put("min_relevance", minRelevance);
      }
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/graph/search", body); }
        public String render(JsonNode r) { return hits(r.path("results")); }
      });
    }
  }

  @Command(name = "related", mixinStandardHelpOptions = true, description = "Entities related to one entity.")
  static final class Related implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;
    @Parameters(index = "0", description = "entity type: project, issue, comment, decision, job, file, commit") String type;
    @Parameters(index = "1", description = "entity id") String id;
    @Option(names = "--depth", defaultValue = "1", description = "hops (1-3)") int depth;
    @Option(names = {"-n", "--limit"}, defaultValue = "10", description = "most results (1-100)") int limit;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure {
          return c.get("/graph/entities/" + type + "/" + id + "/related?depth=" + depth + "&limit=" + limit);
        }
        public String render(JsonNode r) {
          StringBuilder out = new StringBuilder();
          r.path("results").forEach(e -> out.append(String.format("%-22s %s:%s  %s%n", e.path("via").asText(),
              e.path("entity_type").asText(), e.path("entity_id").asText(), e.path("title").asText())));
          return out.length() == 0 ? "nothing related\n" : out.toString();
        }
      });
    }
  }

  @Command(name = "rebuild", mixinStandardHelpOptions = true,
      description = "Empty the graph and project the whole journal again (progress: turbo-agents health, component graph).")
  static final class Rebuild implements java.util.concurrent.Callable<Integer> {
    @Mixin ClientOptions options;

    @Override
    public Integer call() {
      return IssueCommand.send(options, new IssueCommand.ClientCall() {
        public JsonNode run(DaemonClient c) throws DaemonClient.Failure { return c.post("/graph/rebuild", Map.of()); }
        public String render(JsonNode r) { return r.path("detail").asText() + "\n"; }
      });
    }
  }
}
