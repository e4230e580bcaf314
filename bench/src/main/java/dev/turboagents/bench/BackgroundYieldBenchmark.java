package dev.turboagents.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.turboagents.actors.inference.standin.OllamaStandIn;
import dev.turboagents.actors.inference.standin.Script;
import dev.turboagents.actors.inference.standin.StandInModel;
import dev.turboagents.config.Settings;
import dev.turboagents.runtime.daemon.Daemon;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Item 7 of issue 14: does an interactive chat stay quick while a nightly-like batch of background
 * work runs? On the scripted stand-in (each model answer takes {@code model-ms}), one daemon, one
 * run: {@code chats} chat questions one after another with nothing else going on, then
 * {@code batch} triage jobs requested by {@code background:nightly} (the door serves them at
 * background priority, the coordinator keeps a runner free of them) and the same chat questions
 * while they run. Prints p50/p95 of the chat's reply time alone and under the batch, and the ratio.
 *
 * <p>{@code bench/run BackgroundYieldBenchmark [chats] [batch] [model-ms]} (defaults 10 30 150).
 */
public final class BackgroundYieldBenchmark {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  private static final String MODEL = "standin:1b";

  public static void main(String[] args) throws Exception {
    int chats = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    long modelMs = args.length > 2 ? Long.parseLong(args[2]) : 150;
    OllamaStandIn standIn = new OllamaStandIn(List.of(new StandInModel(MODEL, StandInModel.GIB, 16, 4, 64,
        Duration.ofMillis(5), 500, 0, List.of("completion"))), 8 * StandInModel.GIB, 2, 0.01).start();
    standIn.script(r -> answer(r, modelMs));
    Path dir = Files.createTempDirectory("yield-bench");
    Daemon daemon = Daemon.start(Settings.forTest(dir, Map.of("turbo-agents.ollama.host", standIn.url(),
        "turbo-agents.agents.issue-model", MODEL, "turbo-agents.agents.chat-model", MODEL,
        "turbo-agents.agents.max-steps", "4", "turbo-agents.agents.max-wall-time", "15m")));
    try {
      for (var subsystem : daemon.subsystems().all()) {
        subsystem.api().toCompletableFuture().get(10, TimeUnit.MINUTES);
      }
      String base = "http://127.0.0.1:" + daemon.address().getPort() + "/api/v1";
      chat(base, "warm up: what is open?");
      List<Double> alone = chats(base, chats);
      List<String> jobs = new ArrayList<>();
      for (int i = 0; i < batch; i++) {
        String issue = post(base + "/issues", Map.of("title", "Nightly issue " + i, "description", "something to triage " + i))
            .path("id").asText();
        jobs.add(post(base + "/agents/issue/triage", Map.of("batch", List.of(issue), "requested_by", "background:nightly"))
            .path("job_id").asText());
      }
      long busyBefore = running(base, jobs);
      List<Double> loaded = chats(base, chats);
      long busyAfter = running(base, jobs);
      Table table = new Table("chat", "questions", "p50 ms", "p95 ms", "background jobs unfinished (before / after)",
          "p50 vs alone", "p95 vs alone");
      table.row("alone", alone.size(), fmt(pct(alone, 50)), fmt(pct(alone, 95)), "-", "1x", "1x");
      table.row("during " + batch + " background triage jobs", loaded.size(), fmt(pct(loaded, 50)), fmt(pct(loaded, 95)),
          busyBefore + " / " + busyAfter, ratio(pct(loaded, 50), pct(alone, 50)), ratio(pct(loaded, 95), pct(alone, 95)));
      System.out.println("model answer time " + modelMs + " ms (stand-in), door per-model-concurrency 1, max-concurrent-jobs 2");
      System.out.print(table.render());
    } finally {
      daemon.close();
      standIn.close();
    }
  }

  /** The stand-in model: routes every chat to a question, answers it, decides every triage; each takes modelMs. */
  private static Script.Answer answer(Script.Request r, long modelMs) {
    try {
      Thread.sleep(modelMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    String messages = r.body().path("messages").toString();
    if (r.body().path("format").toString().contains("\"route\"")) {
      return Script.Answer.text("{\"route\":\"question\"}");
    }
    if (messages.contains("the issue agent")) {
      Matcher id = UUID.matcher(messages);
      return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"decisions\":[{\"issue_id\":\""
          + (id.find() ? id.group() : "none") + "\",\"labels\":[\"bug\"],\"priority\":\"low\",\"reason\":\"nightly\"}]}}");
    }
    return Script.Answer.text("{\"name\":\"final_answer\",\"arguments\":{\"answer\":\"Nothing is open that blocks you.\"}}");
  }

  private static List<Double> chats(String base, int n) throws Exception {
    List<Double> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(chat(base, "question " + i + ": what should I work on next?"));
    }
    return out;
  }

  private static double chat(String base, String message) throws Exception {
    long start = System.nanoTime();
    JsonNode reply = post(base + "/agents/chat", Map.of("message", message, "use_knowledge_graph", false));
    if (!reply.path("answer").isTextual()) {
      throw new IllegalStateException("the chat did not answer in time: " + reply);
    }
    return (System.nanoTime() - start) / 1e6;
  }

  private static long running(String base, List<String> jobs) throws Exception {
    long n = 0;
    for (String id : jobs) {
      String status = get(base + "/agents/jobs/" + id).path("status").asText();
      n += List.of("succeeded", "failed", "cancelled").contains(status) ? 0 : 1;
    }
    return n;
  }

  private static JsonNode post(String url, Object body) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
        .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(url + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private static JsonNode get(String url) throws Exception {
    return JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(),
        HttpResponse.BodyHandlers.ofString()).body());
  }

  private static double pct(List<Double> values, int p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
  }

  private static String fmt(double ms) {
    return String.format("%.0f", ms);
  }

  private static String ratio(double a, double b) {
    return String.format("%.2fx", a / b);
  }
}
