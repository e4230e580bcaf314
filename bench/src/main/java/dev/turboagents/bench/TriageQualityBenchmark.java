package dev.turboagents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.persistence.graph.RetrievalSet;
import dev.turboagents.runtime.daemon.Daemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Duplicate detection through the triage job, measured on the graph's labelled retrieval set
 * (persistence test resources graph/retrieval-set: 234 issues, 69 known duplicates): every issue is
 * filed in the daemon's tracker over HTTP in the set's order, then a sample of duplicates and of
 * non-duplicates is triaged one issue per job ({@code POST /agents/issue/triage}), and the job's
 * output is compared with the labels: precision and recall of the duplicates it links and of those
 * it suggests, and how many jobs ended well.
 *
 * <p>{@code bench/run TriageQualityBenchmark <ollama-url | standin> <model> [duplicates] [others]
 * [link-confidence] [suggest-confidence]}. With {@code standin} the model is the scripted stand-in
 * answering a valid decision at once (measures the graph's part alone, in seconds).
 */
public final class TriageQualityBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern ISSUE_ID = Pattern.compile("Issue ([0-9a-f-]{36}) \\(");

  public static void main(String[] args) throws Exception {
    String url = args.length > 0 ? args[0] : "standin";
    String model = args.length > 1 ? args[1] : "smollm2:135m";
    int duplicates = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int others = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    Map<String, Object> overrides = new HashMap<>();
    if (args.length > 4) {
      overrides.put("turbo-agents.triage.link-confidence", Double.parseDouble(args[4]));
    }
    if (args.length > 5) {
      overrides.put("turbo-agents.triage.suggest-confidence", Double.parseDouble(args[5]));
    }
    OllamaStandIn standIn = null;
    if (url.equals("standin")) {
      standIn = new OllamaStandIn(List.of(new StandInModel(model, StandInModel.GIB, 16, 4, 64, Duration.ofMillis(5), 500, 0,
          List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
      standIn.script(TriageQualityBenchmark::decideEverything);
      url = standIn.url();
    }
    Path dir = Files.createTempDirectory("triage-bench");
    overrides.putAll(Map.of("turbo-agents.ollama.host", url, "turbo-agents.agents.issue-model", model,
        "turbo-agents.agents.max-wall-time", "15m", "turbo-agents.agents.max-steps", "6"));
    Daemon daemon = Daemon.start(Settings.forTest(dir, overrides));
    try {
      for (var subsystem : daemon.subsystems().all()) {
        subsystem.api().toCompletableFuture().get(10, TimeUnit.MINUTES); // a loaded machine starts Neo4j slowly
      }
      String base = "http://127.0.0.1:" + daemon.address().getPort() + "/api/v1";
      run(base, RetrievalSet.load(), duplicates, others, model, overrides);
    } finally {
      daemon.close();
      if (standIn != null) {
        standIn.close();
      }
    }
  }

  private static void run(String base, RetrievalSet set, int duplicates, int others, String model,
      Map<String, Object> overrides) throws Exception {
    Map<String, String> ids = new LinkedHashMap<>();
    for (RetrievalSet.Issue issue : set.issues()) {
      ObjectNode body = JSON.createObjectNode().put("title", issue.title()).put("description", issue.description());
      ids.put(issue.id(), send("POST", base + "/issues", body).path("id").asText());
    }
    RetrievalSet.Issue last = set.issues().getLast();
    long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (!send("POST", base + "/graph/search", JSON.createObjectNode().put("query", last.title()).put("min_relevance", 0))
        .toString().contains(ids.get(last.id()))) {
      if (System.nanoTime() > until) {
        throw new IllegalStateException("the graph did not project the issues within 10 minutes");
      }
      Thread.sleep(500);
    }
    List<RetrievalSet.Issue> sample = new ArrayList<>();
    set.duplicates().stream().limit(duplicates).forEach(sample::add);
    set.issues().stream().filter(i -> i.duplicateOf().isEmpty()).limit(others).forEach(sample::add);

    int linkedRight = 0, linkedWrong = 0, suggestions = 0, suggestedRight = 0, foundBySuggestion = 0;
    int succeeded = 0, failed = 0;
    long jobMillis = 0;
    for (RetrievalSet.Issue issue : sample) {
      String id = ids.get(issue.id());
      Optional<String> truth = issue.duplicateOf().map(ids::get);
      long started = System.nanoTime();
      JsonNode accepted = send("POST", base + "/agents/issue/triage", JSON.createObjectNode()
          .<ObjectNode>set("batch", JSON.createArrayNode().add(id)).put("auto_comment", false));
      JsonNode job = finished(base, accepted.path("job_id").asText());
      jobMillis += TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      if (!job.path("status").asText().equals("succeeded")) {
        failed++;
        System.err.println(issue.id() + ": job " + job.path("status").asText() + ": " + job.path("error").asText());
        continue;
      }
      succeeded++;
      JsonNode entry = job.path("output").path("issues").path(0);
      Optional<String> linked = entry.path("duplicate_of").isObject()
          ? Optional.of(entry.path("duplicate_of").path("issue_id").asText()) : Optional.empty();
      if (linked.isPresent()) {
        if (linked.equals(truth)) {
          linkedRight++;
        } else {
          linkedWrong++;
        }
      }
      boolean suggestedTruth = false;
      for (JsonNode s : entry.path("suggested_duplicates")) {
        suggestions++;
        if (Optional.of(s.path("issue_id").asText()).equals(truth)) {
          suggestedRight++;
          suggestedTruth = true;
        }
      }
      if (suggestedTruth && !linked.equals(truth)) {
        foundBySuggestion++;
      }
      System.err.println(issue.id() + " -> linked " + linked.orElse("-") + ", " + entry.path("suggested_duplicates").size()
          + " suggested; truth " + truth.orElse("-"));
    }
    int dupCount = (int) sample.stream().filter(i -> i.duplicateOf().isPresent()).count();
    Table table = new Table("model", "triaged", "of them duplicates", "jobs ok", "link precision", "link recall",
        "suggest precision", "suggest recall", "linked or suggested recall", "mean job s");
    table.row(model, sample.size(), dupCount, succeeded + "/" + (succeeded + failed),
        ratio(linkedRight, linkedRight + linkedWrong), ratio(linkedRight, dupCount),
        ratio(suggestedRight, suggestions), ratio(foundBySuggestion, dupCount),
        ratio(linkedRight + foundBySuggestion, dupCount), Table.fmt(jobMillis / 1000.0 / Math.max(1, sample.size())));
    System.out.println("thresholds: " + (overrides.containsKey("turbo-agents.triage.link-confidence")
        ? overrides.get("turbo-agents.triage.link-confidence") : "link default") + " / "
        + (overrides.containsKey("turbo-agents.triage.suggest-confidence")
            ? overrides.get("turbo-agents.triage.suggest-confidence") : "suggest default"));
    System.out.println(table.render());
  }

  private static String ratio(int part, int whole) {
    return whole == 0 ? "-" : Table.fmt(100.0 * part / whole) + " %";
  }

  /** The stand-in's answer: a valid decision for every issue of the task, at once. */
  private static Script.Answer decideEverything(Script.Request request) {
    String messages = request.body().path("messages").toString();
    Matcher m = ISSUE_ID.matcher(messages);
    List<String> decisions = new ArrayList<>();
    while (m.find()) {
      decisions.add("{\"issue_id\":\"" + m.group(1) + "\",\"labels\":[\"bug\"],\"priority\":\"medium\",\"reason\":\"bench\"}");
    }
    return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"decisions\":[" + String.join(",", decisions) + "]}}");
  }

  private static JsonNode finished(String base, String job) throws Exception {
    while (true) {
      JsonNode now = send("GET", base + "/agents/jobs/" + job, null);
      if (List.of("succeeded", "failed", "cancelled").contains(now.path("status").asText())) {
        return now;
      }
      Thread.sleep(300);
    }
  }

  private static JsonNode send(String method, String url, JsonNode body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60));
    if (body != null) {
      b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(method + " " + url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }
}
